import { describe, expect, it } from 'vitest';
import { bakeMachine, stationRows } from '../../machines/index.ts';
import { VirtualClock } from '../../src/clock.ts';
import { bakeMs } from '../../src/kitchen/timings.ts';
import { type Host, ofType, restartStation, startHost, throughJson } from './harness.ts';

function oven(clock: VirtualClock, capacity = 1): Host {
  return startHost(bakeMachine, { clock, input: { capacity } });
}

/** pizza-assembled with `baking_time` seconds, at speed 1 */
function assembled(orderId: string, bakingTime: number) {
  return { type: 'PIZZA.ASSEMBLED', orderId, bakeMs: bakeMs(bakingTime, 1) };
}

function baked(...hosts: Host[]): [string | undefined, number | undefined][] {
  return hosts.flatMap((h) => ofType(h.log, 'pizza.baked').map((e): [string | undefined, number | undefined] => [e.orderId, e.at]));
}

describe('bake station', () => {
  it('bakes for the baking time from pizza-assembled and emits pizza.baked then work.finished', async () => {
    const clock = new VirtualClock(0);
    const host = oven(clock);
    host.send(assembled('bbbbbbb1', 13));
    await clock.advance(13_000);
    expect(host.log.slice(1)).toEqual([
      { type: 'pizza.baked', orderId: 'bbbbbbb1', at: 13_000 },
      { type: 'work.finished', orderId: 'bbbbbbb1', at: 13_000, dueAt: 13_000 },
    ]);
  });

  it('a cancel while the pizza is in the oven, before it is baked, takes it out: never baked', async () => {
    const clock = new VirtualClock(0);
    const host = oven(clock);
    host.send(assembled('bbbbbbb1', 13));
    await clock.advance(12_999);
    const drop = host.send({ type: 'ORDER.CANCELLED', orderId: 'bbbbbbb1' });
    expect(drop).toEqual([{ type: 'work.dropped', orderId: 'bbbbbbb1', at: 12_999, reason: 'cancelled', was: 'working' }]);
    expect(host.value()).toBe('idle');
    await clock.advance(60_000);
    expect(baked(host)).toEqual([]);
  });

  it('a cancel after it is baked is refused (the pizza is already out)', async () => {
    const clock = new VirtualClock(0);
    const host = oven(clock);
    host.send(assembled('bbbbbbb1', 8));
    await clock.advance(8_000);
    const refused = host.send({ type: 'ORDER.CANCELLED', orderId: 'bbbbbbb1' });
    expect(refused).toEqual([{ type: 'input.ignored', orderId: 'bbbbbbb1', at: 8_000, reason: 'already-finished' }]);
    expect(baked(host)).toEqual([['bbbbbbb1', 8_000]]);
  });
});

describe('bake station: its partition moves mid-bake (state as rows, deadlines as data)', () => {
  /** b1 in the oven 0 → 13 s, b2 waiting (9 s); at 5 s the station's rows are all that is left of it. */
  async function movedMidBake() {
    const clock = new VirtualClock(0);
    const before = oven(clock);
    before.send(assembled('bbbbbbb1', 13));
    before.send(assembled('bbbbbbb2', 9));
    await clock.advance(5_000);
    const rows = throughJson(stationRows(before.context(), ['bbbbbbb1', 'bbbbbbb2']));
    before.stop(); // a crash: nothing more from this actor, its timer is gone
    return { clock, before, rows };
  }

  it('the pizza in the oven finishes at its original deadline on the new owner, once; the next follows', async () => {
    const { clock, before, rows } = await movedMidBake();
    await clock.advance(3_000); // unowned until 8 s

    const after = restartStation(bakeMachine, { clock, input: { capacity: 1 }, rows });
    expect(after.log).toEqual([]);
    expect(after.value()).toBe('full');
    expect(after.timerArmed()).toBe(true);

    // copies of the inputs (written at-least-once by others) change nothing
    const copies = [...after.send(assembled('bbbbbbb1', 13)), ...after.send(assembled('bbbbbbb2', 9))];
    expect(copies.map((e) => e.reason)).toEqual(['already-working', 'already-queued']);

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
  });

  it('a deadline that passed while the partition had no owner fires at once on the new owner, once', async () => {
    const { clock, before, rows } = await movedMidBake();
    await clock.advance(25_000); // unowned until 30 s

    const after = restartStation(bakeMachine, { clock, input: { capacity: 1 }, rows });
    await clock.advance(0);
    expect(baked(before, after)).toEqual([['bbbbbbb1', 30_000]]);
    expect(ofType(after.log, 'work.finished')[0]).toMatchObject({ dueAt: 13_000, at: 30_000 });
    // b2 starts now, not back-dated: nobody put it in the oven while the shop was down
    expect(ofType(after.log, 'work.started')).toEqual([{ type: 'work.started', orderId: 'bbbbbbb2', at: 30_000, dueAt: 39_000 }]);
    expect(after.send(assembled('bbbbbbb1', 13))).toEqual([
      { type: 'input.ignored', orderId: 'bbbbbbb1', at: 30_000, reason: 'already-finished' },
    ]);

    await clock.advance(60_000);
    expect(baked(before, after)).toEqual([
      ['bbbbbbb1', 30_000],
      ['bbbbbbb2', 39_000],
    ]);
  });

  it('rows written with the step that baked the pizza: the new owner does not bake it again', async () => {
    const clock = new VirtualClock(0);
    const before = oven(clock);
    before.send(assembled('bbbbbbb1', 8));
    const beforeFinish = throughJson(stationRows(before.context(), ['bbbbbbb1']));
    await clock.advance(8_000);
    const afterFinish = throughJson(stationRows(before.context(), ['bbbbbbb1']));
    before.stop();
    expect(afterFinish).toEqual([['bbbbbbb1', { finishedAt: 8_000 }]]);

    // the transaction of the finishing step never committed: its output was not published either
    const fromOld = restartStation(bakeMachine, { clock, rows: beforeFinish });
    await clock.advance(0);
    expect(baked(fromOld)).toEqual([['bbbbbbb1', 8_000]]);

    const fromNew = restartStation(bakeMachine, { clock, rows: afterFinish });
    await clock.advance(60_000);
    expect(baked(fromNew)).toEqual([]);
    expect(fromNew.send(assembled('bbbbbbb1', 8))[0]).toMatchObject({ reason: 'already-finished' });
  });
});
