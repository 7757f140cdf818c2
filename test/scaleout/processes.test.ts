import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/transport/partitioner.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';
import { waitFor } from '../support/waitFor.ts';
import {
  countByKey,
  describeGroup,
  orderLines,
  readWholeTopic,
  runId,
  Scratch,
  type ShopProcess,
  startShopProcess,
  tail,
  untilDelivered,
  untilStarted,
  WebCustomer,
  writeKafkaIni,
  writeScaleoutConfig,
} from './fixtures/scaleout.ts';

// Scale-out over a real broker (issue 5): shop processes started with `bun src/cli.ts --kafka`,
// each test with its own topics and group ids, so it shares the broker with any other test file.
const broker = await findKafkaBroker();
const scratch = new Scratch();
afterEach(() => scratch.cleanup());

/** A fresh, isolated shop setup: system INI with suffixed names, Kafka INI, a folder. */
function setup(name: string) {
  const dir = scratch.dir(name);
  const { file: systemIni, config } = writeScaleoutConfig(dir, runId());
  const kafkaIni = writeKafkaIni(dir, broker.bootstrap);
  return { dir, systemIni, config, kafkaIni };
}

const explainAll = (processes: ShopProcess[]) => () => processes.map((p) => tail(p)).join('\n');

describe.skipIf(!broker.available)(`scale-out on Kafka at ${broker.bootstrap}`, () => {
  it('the whole shop in one process delivers every order placed through its web API', async () => {
    const { dir, systemIni, config, kafkaIni } = setup('one');
    const shop = startShopProcess(scratch, { name: 'shop', systemIni, kafkaIni, dataDir: join(dir, 'data') });
    await untilStarted(shop, ['assemble', 'bake', 'delivery', 'status', 'web']);

    const customer = new WebCustomer(shop.url() as string, 'alice');
    await customer.login();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await customer.order(config.menu));

    await untilDelivered(customer, ids, { timeoutMs: 90_000, delivered: config.status.ids.delivered, explain: explainAll([shop]) });
    const delivered = countByKey(await readWholeTopic(kafkaIni, config.topics.pizzaDelivered));
    for (const id of ids) expect(delivered.get(id), `pizza-delivered messages of ${id}`).toBe(1);
  }, 150_000);

  it('actors in separate processes (web + status, each station alone) deliver every order', async () => {
    const { dir, systemIni, config, kafkaIni } = setup('split');
    const start = (name: string, actors: string[]) =>
      startShopProcess(scratch, { name, systemIni, kafkaIni, actors, dataDir: join(dir, name) });
    const front = start('front', ['web', 'status']);
    const assemble = start('assemble', ['assemble']);
    const bake = start('bake', ['bake']);
    const delivery = start('delivery', ['delivery']);
    const all = [front, assemble, bake, delivery];
    await Promise.all([
      untilStarted(front, ['status', 'web']),
      untilStarted(assemble, ['assemble']),
      untilStarted(bake, ['bake']),
      untilStarted(delivery, ['delivery']),
    ]);

    const customer = new WebCustomer(front.url() as string, 'bob');
    await customer.login();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await customer.order(config.menu));

    await untilDelivered(customer, ids, { timeoutMs: 90_000, delivered: config.status.ids.delivered, explain: explainAll(all) });
    // Each station did its own work in its own process, and only there.
    for (const [p, actor, prefix] of [
      [assemble, 'assemble', 'pizza assembled'],
      [bake, 'bake', 'pizza baked'],
      [delivery, 'delivery', 'pizza delivered'],
    ] as const) {
      const done = new Set(orderLines(p, actor, prefix).map((l) => l.orderId));
      for (const id of ids) expect(done.has(id), `${actor} process logged '${prefix}' for ${id}`).toBe(true);
      for (const other of all.filter((o) => o !== p))
        expect(orderLines(other, actor, prefix), `${actor} work in ${other.name}`).toEqual([]);
    }
  }, 150_000);

  it('two processes running the bake station share its partitions and both bake', async () => {
    const { dir, systemIni, config, kafkaIni } = setup('share');
    const start = (name: string, actors: string[]) =>
      startShopProcess(scratch, { name, systemIni, kafkaIni, actors, dataDir: join(dir, name) });
    const rest = start('rest', ['web', 'status', 'assemble', 'delivery']);
    const bakeA = start('bake-a', ['bake']);
    const bakeB = start('bake-b', ['bake']);
    const all = [rest, bakeA, bakeB];
    await Promise.all([
      untilStarted(rest, ['assemble', 'delivery', 'status', 'web']),
      untilStarted(bakeA, ['bake']),
      untilStarted(bakeB, ['bake']),
    ]);

    // The broker's view: one group, two members, the input topic's partitions split between them.
    const partitions = config.topicConfig.numPartitions;
    let group = await describeGroup(broker.bootstrap, config.groupIds.bake);
    await waitFor(
      async () => {
        group = await describeGroup(broker.bootstrap, config.groupIds.bake);
        const owned = group.members.map((m) => m.assignment[config.topics.pizzaAssembled] ?? []);
        return (
          group.state === 'Stable' && group.members.length === 2 && owned.every((o) => o.length > 0) && owned.flat().length === partitions
        );
      },
      { message: () => `bake group is not two members sharing ${partitions} partitions: ${JSON.stringify(group)}` },
    );
    const [first, second] = group.members.map((m) => new Set(m.assignment[config.topics.pizzaAssembled]));
    expect(
      [...(first as Set<number>)].filter((p) => (second as Set<number>).has(p)),
      'no partition owned twice',
    ).toEqual([]);

    // Orders get random ids: place them until some land on each member's partitions (bounded).
    const customer = new WebCustomer(rest.url() as string, 'carol');
    await customer.login();
    const ids: string[] = [];
    const lands = (set: Set<number> | undefined) => ids.some((id) => set?.has(partitionForKey(id, partitions)));
    while (ids.length < 4 || !lands(first) || !lands(second)) {
      if (ids.length >= 40) throw new Error('40 random order ids all landed on one member: the partitioner is broken');
      ids.push(await customer.order(config.menu));
    }

    await untilDelivered(customer, ids, { timeoutMs: 90_000, delivered: config.status.ids.delivered, explain: explainAll(all) });
    const bakedBy = (p: ShopProcess) => new Set(orderLines(p, 'bake', 'pizza baked').map((l) => l.orderId as string));
    const a = bakedBy(bakeA);
    const b = bakedBy(bakeB);
    expect(a.size, `bake-a baked something\n${tail(bakeA)}`).toBeGreaterThan(0);
    expect(b.size, `bake-b baked something\n${tail(bakeB)}`).toBeGreaterThan(0);
    expect(
      [...a].filter((id) => b.has(id)),
      'no order baked by both',
    ).toEqual([]);
    expect(new Set([...a, ...b])).toEqual(new Set(ids));
  }, 150_000);
});
