import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseStationWork, parseStatusChanged } from '../../src/events/messages.ts';
import type { DeliveredMessage } from '../../src/transport/transport.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';
import { waitFor } from '../support/waitFor.ts';
import {
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

// Clock control across processes on a real broker (issue 12): the web of one process pauses and
// steps the shop clock of every process through the control topic.
const broker = await findKafkaBroker();
const scratch = new Scratch();
afterEach(() => scratch.cleanup());

interface Clock {
  paused: boolean;
  rate: number;
  shop_time: number;
}

/** A signed-in client of a web's clock API. */
class ClockClient {
  private cookie = '';
  constructor(private readonly baseUrl: string) {}
  async login(): Promise<void> {
    const res = await fetch(new URL('/api/login', this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'teacher' }),
    });
    if (!res.ok) throw new Error(`POST /api/login: ${res.status}`);
    this.cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  }
  async send(body: object): Promise<Clock> {
    const res = await fetch(new URL('/api/clock', this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: this.cookie },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`POST /api/clock ${JSON.stringify(body)}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Clock;
  }
}

/** A process applied a live control command (its `<type> from <issuer>` line at that offset). */
const applied = (p: ShopProcess, type: string, offset: number) =>
  waitFor(() => p.lines.some((l) => l.actor === 'control' && l.msg.startsWith(`${type} from`) && l.offset === offset), {
    timeoutMs: 30_000,
    message: () => `${p.name} did not apply ${type} at offset ${offset}\n${tail(p)}`,
  });

describe.skipIf(!broker.available)(`clock control across processes on Kafka at ${broker.bootstrap}`, () => {
  it('a pause from one process’s web freezes the stations of another; steps finish the work at its deadline; a process started while paused starts paused', async () => {
    const dir = scratch.dir('clock');
    const { file: systemIni, config } = writeScaleoutConfig(dir, runId());
    const kafkaIni = writeKafkaIni(dir, broker.bootstrap);
    const start = (name: string, actors: string[]) =>
      startShopProcess(scratch, { name, systemIni, kafkaIni, actors, dataDir: join(dir, name), speed: 20 });
    const front = start('front', ['web', 'status']);
    const kitchen = start('kitchen', ['assemble', 'delivery']);
    await Promise.all([untilStarted(front, ['web', 'status']), untilStarted(kitchen, ['assemble', 'delivery'])]);
    const explain = () => [front, kitchen, ...scratch.processes.slice(2)].map((p) => tail(p)).join('\n');

    const clock = new ClockClient(front.url() as string);
    await clock.login();
    const paused = await clock.send({ action: 'pause' });
    expect(paused.paused).toBe(true);
    const P = paused.shop_time;
    await applied(kitchen, 'clock.pause', 0);

    // an order placed while paused: the kitchen starts it at the frozen shop time P, though real time went on
    const customer = new WebCustomer(front.url() as string, 'pupil');
    await customer.login();
    const orderId = await customer.order(config.menu);
    const work = async (): Promise<{ m: DeliveredMessage; w: ReturnType<typeof parseStationWork> }[]> =>
      (await readWholeTopic(kafkaIni, config.topics.stationWork))
        .filter((m) => m.key === orderId)
        .map((m) => ({ m, w: parseStationWork(m.value) }));
    let started: { m: DeliveredMessage; w: ReturnType<typeof parseStationWork> } | undefined;
    await waitFor(
      async () => {
        started = (await work()).find((x) => x.w.station === 'assemble' && x.w.work === 'started');
        return started !== undefined;
      },
      { timeoutMs: 60_000, message: () => `assemble never started ${orderId}\n${explain()}` },
    );
    if (!started) throw new Error('unreachable');
    expect(started.w.timestamp, 'the kitchen process started the pizza at the paused shop time').toBe(P);
    const due = started.w.due_at as number;
    expect(due).toBeGreaterThan(P);

    // a process started now (the oven) starts paused: it reads the clock's history before its actors run
    const oven = start('oven', ['bake']);
    await untilStarted(oven, ['bake']);
    const ovenClock = oven.lines.find((l) => l.actor === 'control' && l.msg.startsWith('shop clock'));
    expect(ovenClock?.paused, `the oven's first clock line: ${JSON.stringify(ovenClock)}`).toBe(true);
    expect(ovenClock?.shopTime).toBe(P);

    // one step short of the deadline: nothing; the step that reaches it: assembled, stamped with the deadline
    await clock.send({ action: 'step', ms: due - P - 1 });
    await Promise.all([applied(kitchen, 'clock.step', 1), applied(oven, 'clock.step', 1)]);
    await clock.send({ action: 'step', ms: 1 });
    let assembled: DeliveredMessage | undefined;
    await waitFor(
      async () => {
        assembled = (await readWholeTopic(kafkaIni, config.topics.pizzaAssembled)).find((m) => m.key === orderId);
        return assembled !== undefined;
      },
      { timeoutMs: 60_000, message: () => `never assembled after the last step\n${explain()}` },
    );
    expect(parseStatusChanged(assembled?.value ?? '').timestamp).toBe(due);

    // the oven (started paused) puts it in at the shop time of the last step, then everything runs at ×2 once resumed
    let bakeStarted: ReturnType<typeof parseStationWork> | undefined;
    await waitFor(
      async () => {
        bakeStarted = (await work()).find((x) => x.w.station === 'bake' && x.w.work === 'started')?.w;
        return bakeStarted !== undefined;
      },
      { timeoutMs: 60_000, message: () => `the oven never started ${orderId}\n${explain()}` },
    );
    expect(bakeStarted?.timestamp).toBe(due);
    await clock.send({ action: 'speed', rate: 2 });
    const resumed = await clock.send({ action: 'resume' });
    expect(resumed).toMatchObject({ paused: false, rate: 2 });
    await untilDelivered(customer, [orderId], { timeoutMs: 90_000, delivered: config.status.ids.delivered, explain });
  }, 240_000);
});
