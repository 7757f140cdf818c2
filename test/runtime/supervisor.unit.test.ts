import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { createLogger, type LogLine } from '../../src/log/logger.ts';
import { type RunningActor, createSupervisor } from '../../src/runtime/supervisor.ts';

function fakeActor() {
  let crash!: (e: Error) => void;
  const crashed = new Promise<Error>((resolve) => {
    crash = resolve;
  });
  const actor = {
    stopped: false,
    crash,
    stop: async () => {
      actor.stopped = true;
    },
    crashed,
  } as RunningActor & {
    stopped: boolean;
    crash: (e: Error) => void;
  };
  return actor;
}

describe('supervisor', () => {
  it('restarts a crashed actor with doubling backoff and says so in the log', async () => {
    const clock = new VirtualClock(0);
    const lines: LogLine[] = [];
    const logger = createLogger({ actor: 'supervisor', clock, format: 'silent', sinks: [(l) => lines.push(l)] });
    const started: ReturnType<typeof fakeActor>[] = [];
    const supervisor = createSupervisor({
      actors: [{ name: 'bake', start: async () => started[started.push(fakeActor()) - 1] as RunningActor }],
      logger,
      clock,
      initialBackoffMs: 100,
    });
    await supervisor.start();
    expect(started).toHaveLength(1);

    started[0]?.crash(new Error('oven on fire'));
    await clock.advance(99);
    expect(started).toHaveLength(1);
    expect(supervisor.states()[0]).toMatchObject({ state: 'restarting', lastError: 'oven on fire' });
    await clock.advance(1);
    expect(started).toHaveLength(2);
    expect(started[0]?.stopped).toBe(true);

    started[1]?.crash(new Error('again'));
    await clock.advance(199);
    expect(started).toHaveLength(2);
    await clock.advance(1);
    expect(started).toHaveLength(3);
    expect(supervisor.states()[0]).toMatchObject({ state: 'running', restarts: 2 });
    expect(lines.map((l) => l.msg)).toContain('actor bake crashed: oven on fire; restarting in 100 ms (attempt 1)');
    expect(lines.map((l) => l.msg)).toContain('actor bake crashed: again; restarting in 200 ms (attempt 2)');

    await supervisor.stop();
    expect(started[2]?.stopped).toBe(true);
    expect(supervisor.states()[0]?.state).toBe('stopped');
  });

  it('does not restart after stop', async () => {
    const clock = new VirtualClock(0);
    const logger = createLogger({ actor: 'supervisor', clock, format: 'silent' });
    const started: ReturnType<typeof fakeActor>[] = [];
    const supervisor = createSupervisor({
      actors: [{ name: 'status', start: async () => started[started.push(fakeActor()) - 1] as RunningActor }],
      logger,
      clock,
    });
    await supervisor.start();
    started[0]?.crash(new Error('boom'));
    await clock.advance(0);
    await supervisor.stop();
    await clock.advance(60_000);
    expect(started).toHaveLength(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  // Regression (found by test/scaleout/brokerRestart.test.ts): a restart whose start failed — the
  // broker still down — was swallowed, and the actor never ran again.
  it('keeps trying when a restart itself fails, with growing backoff, until a start succeeds', async () => {
    const clock = new VirtualClock(0);
    const lines: LogLine[] = [];
    const logger = createLogger({ actor: 'supervisor', clock, format: 'silent', sinks: [(l) => lines.push(l)] });
    const started: ReturnType<typeof fakeActor>[] = [];
    let brokerDown = false;
    let attempts = 0;
    const supervisor = createSupervisor({
      actors: [
        {
          name: 'bake',
          start: async () => {
            attempts += 1;
            if (brokerDown) throw new Error('connect ECONNREFUSED');
            return started[started.push(fakeActor()) - 1] as RunningActor;
          },
        },
      ],
      logger,
      clock,
      initialBackoffMs: 100,
    });
    await supervisor.start();

    brokerDown = true;
    started[0]?.crash(new Error('send failed'));
    await clock.advance(100); // attempt 1 fails
    await clock.advance(200); // attempt 2 fails
    await clock.advance(400); // attempt 3 fails
    expect(attempts).toBe(4);
    expect(supervisor.states()[0]).toMatchObject({ state: 'restarting', lastError: 'connect ECONNREFUSED' });
    expect(lines.map((l) => l.msg)).toContain('actor bake could not start again: connect ECONNREFUSED; restarting in 800 ms (attempt 4)');

    brokerDown = false;
    await clock.advance(799);
    expect(started).toHaveLength(1);
    await clock.advance(1);
    expect(started).toHaveLength(2);
    expect(supervisor.states()[0]).toMatchObject({ state: 'running', restarts: 4 });
    expect(lines.map((l) => l.msg)).toContain('actor bake restarted');
    await supervisor.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});
