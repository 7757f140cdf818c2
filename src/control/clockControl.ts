import { applyClockChange, type ClockChange, type ShopClock } from '../runtime/shopClock.ts';
import type { ControlChannel } from './controlChannel.ts';
import type { CommandOf } from './controlCommands.ts';

type ClockCommand = CommandOf<'clock.pause' | 'clock.resume' | 'clock.step' | 'clock.speed'>;

/** The clock change a clock command asks for. */
export function clockChangeOf(command: ClockCommand): ClockChange {
  switch (command.type) {
    case 'clock.pause':
      return { kind: 'pause', at: command.at };
    case 'clock.resume':
      return { kind: 'resume', at: command.at };
    case 'clock.step':
      return { kind: 'step', at: command.at, ms: command.ms };
    case 'clock.speed':
      return { kind: 'speed', at: command.at, rate: command.rate };
  }
}

/**
 * Makes a process's shop clock follow the clock commands of the control channel. Replayed
 * commands count like live ones: the clock's state is the fold of all of them.
 *
 * @example
 * connectClock(channel, shopClock);
 * await channel.start(); // the clock now stands where the shop's clock stands
 */
export function connectClock(channel: ControlChannel, clock: ShopClock): () => void {
  const apply = (command: ClockCommand) => clock.set(applyClockChange(clock.state(), clockChangeOf(command)));
  const off = [
    channel.on('clock.pause', apply),
    channel.on('clock.resume', apply),
    channel.on('clock.step', apply),
    channel.on('clock.speed', apply),
  ];
  return () => {
    for (const o of off) o();
  };
}
