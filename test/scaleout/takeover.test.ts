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

// Issue 5: killing one of two processes of a station (SIGKILL) mid-order: the other takes its
// partitions over, every order is delivered, none twice. Own topics and groups on the shared broker.
const broker = await findKafkaBroker();
const scratch = new Scratch();
afterEach(() => scratch.cleanup());

describe.skipIf(!broker.available)(`station takeover on Kafka at ${broker.bootstrap}`, () => {
  it('SIGKILL of one of two bake processes mid-bake: the other takes its partitions over, every order delivered once', async () => {
    const dir = scratch.dir('takeover');
    const { file: systemIni, config } = writeScaleoutConfig(dir, runId());
    // The broker's minimum session timeout: a killed member is noticed after 6 s, not kafkajs's 30.
    const kafkaIni = writeKafkaIni(dir, broker.bootstrap, { 'session.timeout.ms': '6000' });
    const start = (name: string, actors: string[], speed: number) =>
      startShopProcess(scratch, { name, systemIni, kafkaIni, actors, speed, dataDir: join(dir, name) });
    const rest = start('rest', ['web', 'status', 'assemble', 'delivery'], 20);
    // Slower ovens (1.6-3 s a pizza) leave a wide window to kill a process with a pizza inside.
    const bakeA = start('bake-a', ['bake'], 5);
    const bakeB = start('bake-b', ['bake'], 5);
    const all = [rest, bakeA, bakeB];
    const explain = () => all.map((p) => tail(p)).join('\n');
    await Promise.all([
      untilStarted(rest, ['assemble', 'delivery', 'status', 'web']),
      untilStarted(bakeA, ['bake']),
      untilStarted(bakeB, ['bake']),
    ]);

    const partitions = config.topicConfig.numPartitions;
    const input = config.topics.pizzaAssembled;
    let group = await describeGroup(broker.bootstrap, config.groupIds.bake);
    await waitFor(
      async () => {
        group = await describeGroup(broker.bootstrap, config.groupIds.bake);
        const owned = group.members.map((m) => m.assignment[input] ?? []);
        return group.state === 'Stable' && group.members.length === 2 && owned.every((o) => o.length > 0);
      },
      { message: () => `bake group is not two members sharing the partitions: ${JSON.stringify(group)}` },
    );
    const shares = group.members.map((m) => new Set(m.assignment[input]));

    // Random order ids: place orders until each member has some (bounded), so both have work.
    const customer = new WebCustomer(rest.url() as string, 'dave');
    await customer.login();
    const ids: string[] = [];
    const covered = () => shares.every((share) => ids.some((id) => share.has(partitionForKey(id, partitions))));
    while (ids.length < 6 || !covered()) {
      if (ids.length >= 40) throw new Error('40 random order ids all landed on one member: the partitioner is broken');
      ids.push(await customer.order(config.menu));
    }

    // Kill whichever bake process first has a pizza in the oven, while it is still inside.
    const inOven = (p: ShopProcess) => {
      const baked = new Set(orderLines(p, 'bake', 'pizza baked').map((l) => l.orderId));
      return orderLines(p, 'bake', 'started').find((l) => !baked.has(l.orderId))?.orderId;
    };
    let victim: ShopProcess | undefined;
    await waitFor(
      () => {
        victim = [bakeA, bakeB].find((p) => inOven(p) !== undefined);
        return victim !== undefined;
      },
      { timeoutMs: 60_000, message: () => `no bake process started baking\n${explain()}` },
    );
    const killed = victim as ShopProcess;
    const survivor = killed === bakeA ? bakeB : bakeA;
    killed.child.kill('SIGKILL');
    await killed.exited;
    const lostPizza = inOven(killed);
    expect(lostPizza, `${killed.name} died with a pizza in the oven\n${tail(killed)}`).toBeDefined();

    // The survivor owns every partition once the broker has noticed the death ...
    await waitFor(
      async () => {
        group = await describeGroup(broker.bootstrap, config.groupIds.bake);
        return group.state === 'Stable' && group.members.length === 1 && (group.members[0]?.assignment[input] ?? []).length === partitions;
      },
      { timeoutMs: 45_000, message: () => `the survivor did not take every partition over: ${JSON.stringify(group)}\n${explain()}` },
    );
    // ... and every order is delivered, the lost pizza baked again by the survivor.
    await untilDelivered(customer, ids, { timeoutMs: 90_000, delivered: config.status.ids.delivered, explain });
    expect(
      new Set(orderLines(survivor, 'bake', 'pizza baked').map((l) => l.orderId)).has(lostPizza),
      `${survivor.name} baked ${lostPizza}`,
    ).toBe(true);

    const delivered = await readWholeTopic(kafkaIni, config.topics.pizzaDelivered);
    const perOrder = countByKey(delivered);
    for (const id of ids) expect(perOrder.get(id), `pizza-delivered messages of ${id}`).toBe(1);
    expect(delivered).toHaveLength(ids.length);
  }, 180_000);
});
