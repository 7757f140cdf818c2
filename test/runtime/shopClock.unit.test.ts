import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { applyClockChange, type ClockChange, createShopClock, INITIAL_CLOCK_STATE, shopTimeAt } from '../../src/runtime/shopClock.ts';

const T0 = 1_700_000_000_000;
/** a change issued now */
type ChangeNow = ClockChange extends infer C ? (C extends ClockChange ? Omit<C, 'at'> : never) : never;

function setup() {
  const wall = new VirtualClock(T0);
  const clock = createShopClock(wall);
  const fired: string[] = [];
  const change = (c: ChangeNow) => clock.set(applyClockChange(clock.state(), { at: wall.now(), ...c } as ClockChange));
  const at = (name: string) => () => fired.push(`${name}@${clock.now()}`);
  return { wall, clock, fired, change, at };
}

describe('the shop clock', () => {
  it('runs as the wall clock until told otherwise', async () => {
    const { wall, clock, fired, at } = setup();
    expect(clock.now()).toBe(T0);
    clock.setTimeout(at('a'), 3_000);
    await wall.advance(2_999);
    expect(fired).toEqual([]);
    await wall.advance(1);
    expect(fired).toEqual([`a@${T0 + 3_000}`]);
  });

  it('pause keeps the remaining time: nothing fires however much wall time passes, resume continues where it stopped', async () => {
    const { wall, clock, fired, change, at } = setup();
    clock.setTimeout(at('bake'), 10_000);
    await wall.advance(7_000);
    change({ kind: 'pause' });
    const pausedAt = clock.now();
    await wall.advance(3_600_000);
    expect(fired).toEqual([]);
    expect(clock.now()).toBe(pausedAt);
    expect(wall.pendingTimers()).toBe(0); // a paused clock arms nothing on the wall clock
    change({ kind: 'resume' });
    await wall.advance(2_999);
    expect(fired).toEqual([]);
    await wall.advance(1);
    expect(fired).toEqual([`bake@${T0 + 10_000}`]);
  });

  it('a step fires exactly what falls due at the new shop time, in deadline order', async () => {
    const { clock, fired, change, at } = setup();
    clock.setTimeout(at('c'), 2_500);
    clock.setTimeout(at('a'), 1_000);
    clock.setTimeout(at('b'), 2_000);
    change({ kind: 'pause' });
    change({ kind: 'step', ms: 1_000 });
    expect(fired).toEqual([`a@${T0 + 1_000}`]);
    change({ kind: 'step', ms: 999 });
    expect(fired).toEqual([`a@${T0 + 1_000}`]);
    change({ kind: 'step', ms: 1 });
    expect(fired).toEqual([`a@${T0 + 1_000}`, `b@${T0 + 2_000}`]);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.state().paused).toBe(true);
  });

  it('a speed change re-arms the waiting timers for the new rate', async () => {
    const { wall, clock, fired, change, at } = setup();
    clock.setTimeout(at('a'), 8_000);
    await wall.advance(2_000); // 6 s of shop time left
    change({ kind: 'speed', rate: 4 });
    await wall.advance(1_499);
    expect(fired).toEqual([]);
    await wall.advance(1);
    expect(fired).toEqual([`a@${T0 + 8_000}`]);
    change({ kind: 'speed', rate: 0.25 });
    clock.setTimeout(at('b'), 1_000);
    await wall.advance(3_999);
    expect(fired).toHaveLength(1);
    await wall.advance(1);
    expect(fired).toEqual([`a@${T0 + 8_000}`, `b@${T0 + 9_000}`]);
  });

  it('a speed change while paused is kept for the resume', async () => {
    const { wall, clock, fired, change, at } = setup();
    clock.setTimeout(at('a'), 4_000);
    change({ kind: 'pause' });
    change({ kind: 'speed', rate: 2 });
    await wall.advance(60_000);
    expect(fired).toEqual([]);
    change({ kind: 'resume' });
    await wall.advance(2_000);
    expect(fired).toEqual([`a@${T0 + 4_000}`]);
  });

  it('clearTimeout cancels a timer in every state', async () => {
    const { wall, clock, fired, change, at } = setup();
    const h = clock.setTimeout(at('a'), 1_000);
    change({ kind: 'pause' });
    clock.clearTimeout(h);
    change({ kind: 'step', ms: 5_000 });
    change({ kind: 'resume' });
    await wall.advance(10_000);
    expect(fired).toEqual([]);
  });
});

describe('the clock fold (applyClockChange)', () => {
  it('applies changes in order, from the wall times their issuers gave them', () => {
    const changes: ClockChange[] = [
      { kind: 'pause', at: T0 + 5_000 },
      { kind: 'step', at: T0 + 6_000, ms: 1_000 },
      { kind: 'speed', at: T0 + 7_000, rate: 2 },
      { kind: 'resume', at: T0 + 10_000 },
    ];
    const state = changes.reduce(applyClockChange, INITIAL_CLOCK_STATE);
    // 5 s until the pause, one step of 1 s, then ×2 from T0 + 10 s
    expect(shopTimeAt(state, T0 + 10_000)).toBe(T0 + 6_000);
    expect(shopTimeAt(state, T0 + 13_000)).toBe(T0 + 12_000);
    // the same changes in another order give another time: order matters, and every process reads one order
    const swapped = [changes[0], changes[3], changes[1], changes[2]] as ClockChange[];
    expect(shopTimeAt(swapped.reduce(applyClockChange, INITIAL_CLOCK_STATE), T0 + 13_000)).not.toBe(T0 + 12_000);
  });

  it('ignores what makes no sense: a pause of a paused clock, a resume of a running one, a step while running', () => {
    const running = INITIAL_CLOCK_STATE;
    expect(applyClockChange(running, { kind: 'resume', at: T0 })).toBe(running);
    expect(applyClockChange(running, { kind: 'step', at: T0, ms: 1_000 })).toBe(running);
    const paused = applyClockChange(running, { kind: 'pause', at: T0 });
    expect(applyClockChange(paused, { kind: 'pause', at: T0 + 1_000 })).toBe(paused);
  });

  it('a change stamped before the anchor (skewed wall clocks) counts from the anchor: shop time does not go back', () => {
    const paused = applyClockChange(INITIAL_CLOCK_STATE, { kind: 'pause', at: T0 });
    const resumed = applyClockChange(paused, { kind: 'resume', at: T0 - 5_000 });
    expect(shopTimeAt(resumed, T0)).toBe(T0);
  });
});

describe('the shop clock, firing on a change', () => {
  it('a step also fires what the fired timers set for the same instant', () => {
    const wall = new VirtualClock(T0);
    const clock = createShopClock(wall);
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push('first');
      clock.setTimeout(() => fired.push('same instant'), 0);
      clock.setTimeout(() => fired.push('later'), 1);
    }, 1_000);
    clock.set(applyClockChange(clock.state(), { kind: 'pause', at: T0 }));
    clock.set(applyClockChange(clock.state(), { kind: 'step', at: T0, ms: 1_000 }));
    expect(fired).toEqual(['first', 'same instant']);
    expect(clock.pendingTimers()).toBe(1);
  });
});
