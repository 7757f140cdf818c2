import { afterEach, describe, expect, it } from 'vitest';
import type { Shop } from '../../src/app/startShop.ts';
import { parseStationWork, parseStatusChanged } from '../../src/events/messages.ts';
import { placeOrder, randomCustomerId, randomOrderId, readTopic, testConfig, virtualShop } from '../support/shopHarness.ts';

const config = testConfig({ partitions: 1 });
const RECIPE = {
  sauce: config.menu.sauce[0] as string,
  cheese: config.menu.cheese[0] as string,
  main_topping: config.menu.mainTopping[0] as string,
  extra_toppings: [],
};

let shop: Shop | undefined;
afterEach(async () => {
  await shop?.stop();
  shop = undefined;
});

/** The station's `started` line for an order: when its work falls due (shop time). */
async function startedDue(s: Shop, station: string, orderId: string): Promise<number | undefined> {
  const lines = (await readTopic(s.transport, s.config.topics.stationWork))
    .filter((m) => m.key === orderId)
    .map((m) => parseStationWork(m.value));
  return lines.find((w) => w.station === station && w.work === 'started')?.due_at;
}

const countOn = async (s: Shop, topic: string, orderId: string) =>
  (await readTopic(s.transport, topic)).filter((m) => m.key === orderId).length;

describe('clock control, the whole shop in virtual time', () => {
  it('paused mid-bake nothing progresses however much wall time passes; steps finish the bake at the step its deadline falls in; resume and speed go on from there', async () => {
    const v = await virtualShop({ config, speed: 1 });
    shop = v.shop;
    const s = v.shop;
    const orderId = randomOrderId();
    const customer = randomCustomerId();
    await placeOrder(s, orderId, customer, RECIPE);
    await s.settle();

    // run until the pizza is in the oven, then 2.5 s more
    let due: number | undefined;
    for (let i = 0; i < 60 && due === undefined; i++) {
      await v.advance(1_000);
      due = await startedDue(s, 'bake', orderId);
    }
    if (due === undefined) throw new Error('the pizza never went into the oven');
    await v.advance(2_500);

    await s.control.send({ type: 'clock.pause' }, 'test');
    const pausedAt = s.clock.now();
    expect(s.clock.state().paused).toBe(true);
    expect(due - pausedAt).toBeGreaterThan(0);

    const wallBefore = v.clock.now();
    await v.advance(3 * 3_600_000); // three hours of wall time
    expect(v.clock.now() - wallBefore).toBe(3 * 3_600_000);
    expect(s.clock.now()).toBe(pausedAt);
    expect(await countOn(s, config.topics.pizzaBaked, orderId)).toBe(0);

    // step by [shop] clock_step_ms until baked: the bake finishes at exactly the step that reaches its deadline
    const stepMs = config.shop.clockStepMs;
    const expectedSteps = Math.ceil((due - pausedAt) / stepMs);
    let steps = 0;
    while ((await countOn(s, config.topics.pizzaBaked, orderId)) === 0) {
      expect(steps, 'baked only once its deadline is reached').toBeLessThan(expectedSteps);
      await s.control.send({ type: 'clock.step', ms: stepMs }, 'test');
      await s.settle();
      steps += 1;
    }
    expect(steps).toBe(expectedSteps);
    const baked = (await readTopic(s.transport, config.topics.pizzaBaked)).filter((m) => m.key === orderId);
    expect(parseStatusChanged(baked[0]?.value ?? '').timestamp).toBe(pausedAt + steps * stepMs);
    expect(s.clock.state().paused).toBe(true);

    // delivery is under way, due in shop time; at ×4 after the resume it takes a quarter of the wall time
    let deliveryDue: number | undefined;
    for (let i = 0; i < 10 && deliveryDue === undefined; i++) {
      await s.settle();
      deliveryDue = await startedDue(s, 'delivery', orderId);
    }
    if (deliveryDue === undefined) throw new Error('delivery never started');
    await s.control.send({ type: 'clock.speed', rate: 4 }, 'test');
    await s.control.send({ type: 'clock.resume' }, 'test');
    const resumedShop = s.clock.now();
    const wallNeeded = Math.ceil((deliveryDue - resumedShop) / 4);
    await v.advance(wallNeeded - 1);
    expect(await countOn(s, config.topics.pizzaDelivered, orderId)).toBe(0);
    await v.advance(1);
    expect(await countOn(s, config.topics.pizzaDelivered, orderId)).toBe(1);
  });

  it('a shop started on a log whose clock is paused starts paused (its actors arm nothing until resumed)', async () => {
    const first = await virtualShop({ config, speed: 1, actors: ['status'] });
    shop = first.shop;
    await first.shop.control.send({ type: 'clock.pause' }, 'test');
    const pausedAt = first.shop.clock.now();
    await first.advance(60_000);
    const second = await virtualShop({ config, speed: 1, transport: first.shop.transport, clock: first.clock });
    try {
      expect(second.shop.clock.state().paused).toBe(true);
      expect(second.shop.clock.now()).toBe(pausedAt);
      const orderId = randomOrderId();
      await placeOrder(second.shop, orderId, randomCustomerId(), RECIPE);
      await second.advance(3_600_000);
      expect(await countOn(second.shop, config.topics.pizzaAssembled, orderId)).toBe(0);
      await first.shop.control.send({ type: 'clock.resume' }, 'test');
      await second.shop.settle();
      expect(second.shop.clock.state().paused).toBe(false);
      await second.advance(60_000);
      expect(await countOn(second.shop, config.topics.pizzaAssembled, orderId)).toBe(1);
    } finally {
      await second.shop.stop();
    }
  });
});
