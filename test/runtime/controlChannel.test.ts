import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { connectClock } from '../../src/control/clockControl.ts';
import { type ControlChannel, createControlChannel, type Delivery } from '../../src/control/controlChannel.ts';
import type { ControlCommand } from '../../src/control/controlCommands.ts';
import { createLogger } from '../../src/log/logger.ts';
import { createShopClock } from '../../src/runtime/shopClock.ts';
import { createEmbeddedLog, type EmbeddedLog } from '../../src/transport/embeddedLog.ts';

const T0 = 1_700_000_000_000;
const TOPIC = 'pizza-control';

let log: EmbeddedLog | undefined;
const channels: ControlChannel[] = [];
afterEach(async () => {
  for (const c of channels.splice(0)) await c.stop();
  await log?.close();
  log = undefined;
});

async function setup() {
  const wall = new VirtualClock(T0);
  log = createEmbeddedLog({ clock: wall });
  await log.ensureTopics([{ topic: TOPIC, partitions: 1, cleanupPolicy: 'compact' }]);
  const transport = log;
  /** one "process": its channel and its shop clock */
  const process = async (id: string) => {
    const channel = createControlChannel({
      transport,
      producer: transport.producer(),
      topic: TOPIC,
      wall,
      logger: createLogger({ actor: id, clock: wall, format: 'silent' }),
      processId: id,
    });
    channels.push(channel);
    const clock = createShopClock(wall);
    connectClock(channel, clock);
    const seen: { command: ControlCommand; delivery: Delivery }[] = [];
    channel.on('clock.pause', (command, delivery) => {
      seen.push({ command, delivery });
    });
    await channel.start();
    return { channel, clock, seen };
  };
  return { wall, transport, process };
}

describe('the control channel (embedded log)', () => {
  it('every process applies every command, in the order of the topic; send resolves once the sender applied it', async () => {
    const { wall, transport, process } = await setup();
    const a = await process('a');
    const b = await process('b');
    await wall.advance(5_000);
    const sent = await a.channel.send({ type: 'clock.pause' }, 'ada via a');
    expect(a.clock.state().paused).toBe(true); // applied before send resolved
    await transport.capabilities.whenIdle?.();
    expect(b.clock.state()).toEqual(a.clock.state());
    expect(b.seen.map((s) => s.command)).toEqual([sent]);
    expect(b.seen[0]?.delivery.replay).toBe(false);
    expect(sent).toMatchObject({ type: 'clock.pause', issuer: 'ada via a', at: T0 + 5_000 });

    await b.channel.send({ type: 'clock.step', ms: 250 }, 'bob via b');
    await transport.capabilities.whenIdle?.();
    expect(a.clock.now()).toBe(T0 + 5_250);
    expect(b.clock.now()).toBe(T0 + 5_250);
  });

  it('a process started later folds the history (replay) and starts in the same clock state', async () => {
    const { wall, transport, process } = await setup();
    const a = await process('a');
    await wall.advance(1_000);
    await a.channel.send({ type: 'clock.speed', rate: 2 }, 'a');
    await wall.advance(1_000);
    await a.channel.send({ type: 'clock.pause' }, 'a');
    await wall.advance(60_000);
    const late = await process('late');
    expect(late.clock.state()).toEqual(a.clock.state());
    expect(late.clock.state().paused).toBe(true);
    expect(late.clock.now()).toBe(T0 + 1_000 + 2_000);
    expect(late.seen.map((s) => s.delivery.replay)).toEqual([true]);
    // and it follows what comes next live
    await a.channel.send({ type: 'clock.resume' }, 'a');
    await transport.capabilities.whenIdle?.();
    expect(late.clock.state().paused).toBe(false);
  });

  it('refuses a bad command with a 4xx and produces nothing', async () => {
    const { transport, process } = await setup();
    const a = await process('a');
    for (const bad of [
      { type: 'clock.speed', rate: 0 },
      { type: 'clock.speed', rate: 100 },
      { type: 'clock.step', ms: -1 },
      { type: 'clock.step', ms: 1.5 },
      { type: 'clock.explode' },
    ]) {
      await expect(a.channel.send(bad as never, 'a')).rejects.toMatchObject({ httpStatus: 422 });
    }
    expect((await transport.endOffsets(TOPIC)).get(0) ?? 0).toBe(0);
  });

  it('skips a message that is not a command and goes on with the next', async () => {
    const { transport, process } = await setup();
    const a = await process('a');
    await transport.producer().send(TOPIC, [{ key: 'x', value: 'not json' }]);
    await transport
      .producer()
      .send(TOPIC, [{ key: 'y', value: JSON.stringify({ type: 'clock.step', id: 'y', issuer: 'x', at: 1, ms: 0 }) }]);
    await a.channel.send({ type: 'clock.pause' }, 'a');
    expect(a.clock.state().paused).toBe(true);
    expect(a.seen).toHaveLength(1);
  });

  it('stop fails a send still waiting to be applied at once, and leaves no timer behind', async () => {
    const { wall, process } = await setup();
    const a = await process('a');
    let release = () => {};
    a.channel.on('clock.resume', () => new Promise<void>((r) => (release = r)));
    const sending = a.channel.send({ type: 'clock.resume' }, 'a').then(
      () => 'applied',
      (error: { code?: string }) => error.code,
    );
    await wall.advance(0); // the command is read and its handler holds it
    const stopping = a.channel.stop();
    const outcome = await Promise.race([sending, new Promise((r) => setImmediate(() => r('still waiting')))]);
    release();
    await stopping;
    expect(outcome).toBe('CONTROL_STOPPED');
    expect(wall.nextTimerAt()).toBeUndefined();
  });
});
