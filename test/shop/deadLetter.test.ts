// Dead letters through the whole shop: where they point, and that a poison message is passed for
// good (committed), so a restart does not dead-letter it again. Behavioural: the shop is started
// with the harness, poison goes in with the transport, the topics are read back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { DEAD_LETTER_HEADERS } from '../../src/runtime/middleware/deadLetter.ts';
import type { Shop } from '../../src/app/startShop.ts';
import type { DeliveredMessage } from '../../src/transport/transport.ts';
import { placeOrder, randomCustomerId, randomOrderId, readTopic, testConfig, virtualShop } from '../support/shopHarness.ts';

const config = testConfig({ partitions: 3 });
const recipe = {
  sauce: config.menu.sauce[0] as string,
  cheese: config.menu.cheese[0] as string,
  main_topping: config.menu.mainTopping[0] as string,
  extra_toppings: [],
};
// Three unparsable pizza-ordered values under one order id: one partition, three consecutive
// offsets, so no dead letter can point at the right message by accident (an offset equal to the
// partition number, say, is right for at most one of them).
const POISON = ['{"status":100,"order":', '{"status":100,"order":{"sauce":', '{"status":100,'];
const text = (m: DeliveredMessage) => new TextDecoder().decode(m.value);

const shops: Shop[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of shops.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function sendPoison(shop: Shop, orderId: string): Promise<void> {
  await shop.producer.send(
    config.topics.pizzaOrdered,
    POISON.map((value) => ({ key: orderId, value })),
  );
}

/** The poison messages where they landed on pizza-ordered: topic/partition/offset, from the log itself. */
async function poisonPositions(shop: Shop, orderId: string): Promise<string[]> {
  const ordered = await readTopic(shop.transport, config.topics.pizzaOrdered);
  return ordered
    .filter((m) => m.key === orderId && POISON.includes(text(m)))
    .map((m) => `${m.topic}/${m.partition}/${m.offset}:${text(m)}`)
    .sort();
}

/** What each dead letter says it came from, with the bytes it carries. */
function sources(deadLetters: DeliveredMessage[]): string[] {
  return deadLetters
    .map(
      (m) =>
        `${m.headers[DEAD_LETTER_HEADERS.topic]}/${m.headers[DEAD_LETTER_HEADERS.partition]}/${m.headers[DEAD_LETTER_HEADERS.offset]}:${text(m)}`,
    )
    .sort();
}

async function deadLettersOf(shop: Shop, orderId: string, actor: string): Promise<DeliveredMessage[]> {
  return (await readTopic(shop.transport, config.topics.deadLetter)).filter(
    (m) => m.key === orderId && m.headers[DEAD_LETTER_HEADERS.actor] === actor,
  );
}

describe('dead letters', () => {
  it('carry the exact topic, partition and offset of the message they hold', async () => {
    const v = await virtualShop({ config });
    shops.push(v.shop);
    // Good orders first, so the poison does not sit at offset 0.
    for (let i = 0; i < 4; i++) await placeOrder(v.shop, randomOrderId(), randomCustomerId(), recipe);
    const poisoned = randomOrderId();
    await sendPoison(v.shop, poisoned);
    await v.advance(10 * 60_000);

    const positions = await poisonPositions(v.shop, poisoned);
    expect(positions).toHaveLength(POISON.length);
    // Both actors that read pizza-ordered dead-letter each poison message, pointing at exactly it.
    for (const actor of ['assemble', 'status']) {
      const dead = await deadLettersOf(v.shop, poisoned, actor);
      expect(sources(dead), `${actor}'s dead letters point at the poison messages`).toEqual(positions);
      for (const m of dead) expect(m.headers[DEAD_LETTER_HEADERS.reason], actor).toBe('value is not JSON');
    }
  });

  it('are written once: after a graceful restart the poison message is not dead-lettered again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pizza-dlq-'));
    dirs.push(dataDir);
    const clock = new VirtualClock(1_700_000_000_000);
    const poisoned = randomOrderId();

    const first = await virtualShop({ config, clock, dataDir });
    await sendPoison(first.shop, poisoned);
    // Poison last on its partition: nothing after it could carry the commit past it.
    await first.advance(60_000);
    expect(await deadLettersOf(first.shop, poisoned, 'assemble')).toHaveLength(POISON.length);
    await first.shop.stop();

    const second = await virtualShop({ config, clock, dataDir });
    shops.push(second.shop);
    await second.advance(60_000);
    for (const actor of ['assemble', 'status']) {
      const dead = await deadLettersOf(second.shop, poisoned, actor);
      expect(sources(dead), `${actor} dead-lettered each poison message exactly once across the restart`).toEqual(
        await poisonPositions(second.shop, poisoned),
      );
    }
  });
});
