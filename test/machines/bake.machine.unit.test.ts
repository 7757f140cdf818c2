import { describe, expect, it } from 'vitest';
import { bakeMachine, committedInputs, stationPendingInputs } from '../../machines/index.ts';
import { VirtualClock } from '../../src/clock.ts';
import { bakeMs } from '../../src/kitchen/timings.ts';
import { type Host, ofType, ref, startHost } from './harness.ts';

const ASSEMBLED = 'pizza-assembled';
const CANCELLED = 'pizza-cancelled';

function oven(clock: VirtualClock, capacity = 1): Host {
  return startHost(bakeMachine, { clock, input: { capacity } });
}

/** pizza-assembled with `baking_time` seconds, at speed 1 */
function assembled(orderId: string, bakingTime: number, offset: number) {
  return { type: 'PIZZA.ASSEMBLED', orderId, bakeMs: bakeMs(bakingTime, 1), ref: ref(ASSEMBLED, offset) };
}

function baked(...hosts: Host[]): [string | undefined, number | undefined][] {
  return hosts.flatMap((h) => ofType(h.log, 'pizza.baked').map((e): [string | undefined, number | undefined] => [e.orderId, e.at]));
}

describe('bake station', () => {
  it('bakes for the baking time from pizza-assembled and emits pizza.baked then work.finished', async () => {
    const clock = new VirtualClock(0);
    const host = oven(clock);
    host.send(assembled('bbbbbbb1', 13, 0));
    await clock.advance(13_000);
    expect(host.log.slice(1)).toEqual([
      { type: 'pizza.baked', orderId: 'bbbbbbb1', at: 13_000 },
      { type: 'work.finished', orderId: 'bbbbbbb1', at: 13_000, dueAt: 13_000, inputs: [ref(ASSEMBLED, 0)] },
    ]);
  });

  it('a cancel while the pizza is in the oven, before it is baked, takes it out: never baked', async () => {
    const clock = new VirtualClock(0);
    const host = oven(clock);
    host.send(assembled('bbbbbbb1', 13, 0));
    await clock.advance(12_999);
    const drop = host.send({ type: 'ORDER.CANCELLED', orderId: 'bbbbbbb1', ref: ref(CANCELLED, 3) });
    expect(drop).toEqual([
      {
        type: 'work.dropped',
        orderId: 'bbbbbbb1',
        at: 12_999,
        reason: 'cancelled',
        was: 'working',
        inputs: [ref(ASSEMBLED, 0), ref(CANCELLED, 3)],
      },
    ]);
    expect(host.value()).toBe('idle');
    await clock.advance(60_000);
    expect(baked(host)).toEqual([]);
  });

  it('a cancel after it is baked is refused (the pizza is already out)', async () => {
    const clock = new VirtualClock(0);
    const host = oven(clock);
    host.send(assembled('bbbbbbb1', 8, 0));
    await clock.advance(8_000);
    const refused = host.send({ type: 'ORDER.CANCELLED', orderId: 'bbbbbbb1', ref: ref(CANCELLED, 3) });
    expect(refused).toEqual([
      { type: 'input.ignored', orderId: 'bbbbbbb1', at: 8_000, reason: 'already-finished', inputs: [ref(CANCELLED, 3)] },
    ]);
    expect(baked(host)).toEqual([['bbbbbbb1', 8_000]]);
  });
});

describe('bake station: restart mid-bake (durable timers)', () => {
  /** b1 in the oven 0 → 13 s, b2 waiting (9 s); the process stops at 5 s. */
  async function stoppedMidBake() {
    const clock = new VirtualClock(0);
    const before = oven(clock);
    before.send(assembled('bbbbbbb1', 13, 0));
    before.send(assembled('bbbbbbb2', 9, 1));
    await clock.advance(5_000);
    const saved = before.persisted();
    before.stop(); // a crash: nothing more from this actor, its timer is gone
    return { clock, before, saved };
  }

  it('the pizza in the oven finishes at its original deadline after restart, once; the next follows', async () => {
    const { clock, before, saved } = await stoppedMidBake();
    await clock.advance(3_000); // down until 8 s

    const after = startHost(bakeMachine, { clock, snapshot: saved });
    expect(after.log).toEqual([]);
    expect(after.value()).toBe('full');
    expect(stationPendingInputs(after.context())).toEqual([ref(ASSEMBLED, 0), ref(ASSEMBLED, 1)]);
    expect(after.timerArmed()).toBe(true);

    // the inputs were not committed, so the log hands them over again
    const redelivered = [...after.send(assembled('bbbbbbb1', 13, 0)), ...after.send(assembled('bbbbbbb2', 9, 1))];
    expect(redelivered.map((e) => e.reason)).toEqual(['already-working', 'already-queued']);

    await clock.advance(4_999);
    expect(baked(before, after)).toEqual([]);
    await clock.advance(1);
    expect(baked(before, after)).toEqual([['bbbbbbb1', 13_000]]);
    await clock.advance(60_000);
    // b2 went in at 13 s for 9 s
    expect(baked(before, after)).toEqual([
      ['bbbbbbb1', 13_000],
      ['bbbbbbb2', 22_000],
    ]);
    expect(ofType(after.log, 'work.finished').map((e) => e.inputs)).toEqual([[ref(ASSEMBLED, 0)], [ref(ASSEMBLED, 1)]]);
  });

  it('a deadline that passed while the process was down fires at once on restart, once', async () => {
    const { clock, before, saved } = await stoppedMidBake();
    await clock.advance(25_000); // down until 30 s

    const after = startHost(bakeMachine, { clock, snapshot: saved });
    await clock.advance(0);
    expect(baked(before, after)).toEqual([['bbbbbbb1', 30_000]]);
    expect(ofType(after.log, 'work.finished')[0]).toMatchObject({ dueAt: 13_000, at: 30_000 });
    // b2 starts now, not back-dated: nobody put it in the oven while the shop was down
    expect(ofType(after.log, 'work.started')).toEqual([{ type: 'work.started', orderId: 'bbbbbbb2', at: 30_000, dueAt: 39_000 }]);

    const redelivered = after.send(assembled('bbbbbbb1', 13, 0));
    expect(redelivered).toEqual([
      { type: 'input.ignored', orderId: 'bbbbbbb1', at: 30_000, reason: 'already-finished', inputs: [ref(ASSEMBLED, 0)] },
    ]);
    expect(committedInputs(redelivered)).toEqual([ref(ASSEMBLED, 0)]);

    await clock.advance(60_000);
    expect(baked(before, after)).toEqual([
      ['bbbbbbb1', 30_000],
      ['bbbbbbb2', 39_000],
    ]);
  });

  it('a crash after the output but before persisting redoes the bake (at-least-once), a crash after persisting does not', async () => {
    const clock = new VirtualClock(0);
    const before = oven(clock);
    before.send(assembled('bbbbbbb1', 8, 0));
    const savedBeforeFinish = before.persisted();
    await clock.advance(8_000);
    const savedAfterFinish = before.persisted();
    before.stop();

    const fromOld = startHost(bakeMachine, { clock, snapshot: savedBeforeFinish });
    await clock.advance(0);
    expect(baked(fromOld)).toEqual([['bbbbbbb1', 8_000]]);

    const fromNew = startHost(bakeMachine, { clock, snapshot: savedAfterFinish });
    await clock.advance(60_000);
    expect(baked(fromNew)).toEqual([]);
    expect(fromNew.send(assembled('bbbbbbb1', 8, 0))[0]).toMatchObject({ reason: 'already-finished' });
  });
});
