import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findKafkaBroker } from '../support/kafkaBroker.ts';
import { waitFor } from '../support/waitFor.ts';
import {
  countByKey,
  describeGroup,
  freePortPair,
  orderLines,
  readWholeTopic,
  runId,
  Scratch,
  startShopProcess,
  tail,
  untilDelivered,
  untilStarted,
  WebCustomer,
  writeKafkaIni,
  writeScaleoutConfig,
} from './fixtures/scaleout.ts';

// Issue 5: restarting the broker mid-run — actors reconnect and carry on, nothing lost. This test
// never touches the shared broker: it runs its own (`bun scripts/kafka.ts start --port <free>
// --data <tmp>`) and stops it at the end, also when the test fails. It runs wherever the Kafka
// tests run (the shared broker answering means Java and the jars are there; in CI a missing broker
// already fails the run).
//
// Regression test for what it found: a restart whose start failed was never retried (supervisor),
// a failed commit stopped consumers for good (actor host, web view), a station or the status actor
// persisted past an output it could not produce, and kafkajs restarted consumers that had been
// closed during the outage, which then held partitions nobody handled.
const shared = await findKafkaBroker();
const scratch = new Scratch();
let brokerDir = '';
let port = 0;

/** `bun scripts/kafka.ts start|stop` on this test's own broker; rejects with its output on failure. */
function ownBroker(command: 'start' | 'stop'): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bun', ['scripts/kafka.ts', command, '--port', String(port), '--data', brokerDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`kafka ${command} exited ${code}:\n${out}`))));
  });
}

describe.skipIf(!shared.available)('broker restart mid-run (a broker of its own)', () => {
  beforeAll(async () => {
    brokerDir = scratch.dir('own-broker');
    port = await freePortPair();
    await ownBroker('start');
  }, 120_000);

  afterEach(async () => {
    for (const p of scratch.processes.splice(0)) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  });

  afterAll(async () => {
    if (port !== 0) await ownBroker('stop').catch((error: unknown) => console.error(error));
    await scratch.cleanup();
  }, 60_000);

  it('the broker stops while orders are in progress and comes back: actors reconnect, every order delivered', async () => {
    const bootstrap = `127.0.0.1:${port}`;
    const dir = scratch.dir('restart');
    const { file: systemIni, config } = writeScaleoutConfig(dir, runId());
    // Members that crashed while the broker was down could not leave their groups; a short session
    // (the broker's minimum) lets the broker drop them 6 s after it is back instead of 30.
    const kafkaIni = writeKafkaIni(dir, bootstrap, { 'session.timeout.ms': '6000' });
    // Speed 5: each order spends seconds in the kitchen, so the outage catches several mid-way.
    // The original's five actors (the lab's actors have their own tests): on 2 cores, four more
    // actors' consumers and transactional producers all reconnecting stretch the recovery under load.
    const shop = startShopProcess(scratch, {
      name: 'shop',
      systemIni,
      kafkaIni,
      speed: 5,
      actors: ['web', 'assemble', 'bake', 'delivery', 'status'],
      dataDir: join(dir, 'data'),
    });
    const explain = () => tail(shop, 1000);
    await untilStarted(shop, ['assemble', 'bake', 'delivery', 'status', 'web']);

    const customer = new WebCustomer(shop.url() as string, 'erin');
    await customer.login();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await customer.order(config.menu));
    const deliveredInLog = () => new Set(orderLines(shop, 'delivery', 'pizza delivered').map((l) => l.orderId));

    // The outage starts once the first pizza is delivered: the others are still in the kitchen.
    await waitFor(() => deliveredInLog().size > 0, {
      timeoutMs: 60_000,
      message: () => `no order delivered before the outage\n${explain()}`,
    });
    await ownBroker('stop');
    expect(deliveredInLog().size, 'orders were still in progress when the broker went down').toBeLessThan(ids.length);

    // The broker stays down until the shop has given up on it the hard way: an actor crashed (its
    // output could not be produced) and the supervisor's first restart failed as well.
    const supervisorSaid = (what: string) => shop.lines.some((l) => l.actor === 'supervisor' && l.msg.includes(what));
    await waitFor(() => supervisorSaid(' crashed: ') && supervisorSaid(' could not start again: '), {
      timeoutMs: 90_000,
      message: () => `no actor crashed and failed to restart while the broker was down\n${explain()}`,
    });
    await ownBroker('start');

    await untilDelivered(customer, ids, { timeoutMs: 120_000, delivered: config.status.ids.delivered, explain });
    // Nothing lost: every order's pizza-delivered is on the topic. (At least once: a send the
    // broker stored but never acknowledged before it went down may be produced again.)
    const perOrder = countByKey(await readWholeTopic(kafkaIni, config.topics.pizzaDelivered));
    for (const id of ids) expect(perOrder.get(id) ?? 0, `pizza-delivered messages of ${id}`).toBeGreaterThanOrEqual(1);
    // And no consumer closed during the outage came back: each station's group has one member.
    for (const station of ['assemble', 'bake', 'delivery'] as const) {
      const group = await describeGroup(bootstrap, config.groupIds[station]);
      expect(group.members, `members of ${config.groupIds[station]}: ${JSON.stringify(group)}`).toHaveLength(1);
    }
  }, 300_000);
});
