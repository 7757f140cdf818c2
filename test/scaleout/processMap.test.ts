import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findKafkaBroker } from '../support/kafkaBroker.ts';
import { waitFor } from '../support/waitFor.ts';
import {
  runId,
  Scratch,
  type ShopProcess,
  startShopProcess,
  tail,
  untilStarted,
  writeKafkaIni,
  writeScaleoutConfig,
} from './fixtures/scaleout.ts';

// The console's live process map and its faults across processes on a real broker (issue 12):
// shop processes started as a user would (`bun src/cli.ts --kafka … --actors …`), the map read
// through the web's JSON API. A second `--actors bake` process splits the bake partitions with the
// first; a kill from the console reaches both over the control channel; stopping the second gives
// its partitions back; a SIGKILLed one goes stale (no tombstone) and its partitions come back too.
const broker = await findKafkaBroker();
const scratch = new Scratch();
afterEach(() => scratch.cleanup());

interface MapJson {
  processes: {
    process: string;
    pid: number;
    stale: boolean;
    actors: { actor: string; partitions: number[]; state: string; restarts: number }[];
  }[];
  changes: { process: string; actor: string | null; what: string }[];
}

async function signIn(url: string): Promise<string> {
  const res = await fetch(new URL('/api/login', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'teacher' }),
  });
  if (!res.ok) throw new Error(`login: ${res.status} ${await res.text()}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

describe.skipIf(!broker.available)(`the process map on Kafka at ${broker.bootstrap}`, () => {
  it('a second bake process splits the partitions, a console kill restarts bake in both, a stop gives them back, a SIGKILL goes stale', async () => {
    const dir = scratch.dir('map');
    const { file: systemIni, config } = writeScaleoutConfig(dir, runId());
    const kafkaIni = writeKafkaIni(dir, broker.bootstrap);
    const start = (name: string, actors: string[]) =>
      startShopProcess(scratch, { name, systemIni, kafkaIni, actors, dataDir: join(dir, name) });
    const front = start('front', ['web', 'bake']);
    await untilStarted(front, ['web', 'bake']);
    const url = front.url() as string;
    const cookie = await signIn(url);
    let map: MapJson = { processes: [], changes: [] };
    const read = async () => {
      const res = await fetch(new URL('/api/console/processes', url), { headers: { cookie } });
      if (!res.ok) throw new Error(`GET /api/console/processes: ${res.status} ${await res.text()}`);
      map = (await res.json()) as MapJson;
      return map;
    };
    const bakeOf = (p: ShopProcess) => map.processes.find((x) => x.pid === p.child.pid)?.actors.find((a) => a.actor === 'bake');
    const all = [...Array(config.topicConfig.numPartitions).keys()];
    const explain = (ps: ShopProcess[]) => () => `map: ${JSON.stringify(map, null, 1)}\n${ps.map((p) => tail(p)).join('\n')}`;

    const ownsAll = async () => {
      await read();
      return bakeOf(front)?.partitions.join(',') === all.join(',');
    };
    await waitFor(ownsAll, { message: explain([front]) });

    const second = start('bake-2', ['bake']);
    await untilStarted(second, ['bake']);
    await waitFor(
      async () => {
        await read();
        const a = bakeOf(front)?.partitions ?? [];
        const b = bakeOf(second)?.partitions ?? [];
        return a.length > 0 && b.length > 0 && [...a, ...b].sort((x, y) => x - y).join(',') === all.join(',');
      },
      { timeoutMs: 60_000, message: explain([front, second]) },
    );
    expect(map.processes.filter((p) => !p.stale)).toHaveLength(2);
    expect(map.changes.some((c) => c.actor === 'bake' && c.what.startsWith('partitions'))).toBe(true);

    // kill bake from the console: both processes get the command and restart their bake
    const killed = await fetch(new URL('/api/console/faults/kill', url), {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ actor: 'bake' }),
    });
    expect(killed.status, await killed.clone().text()).toBe(202);
    const fault = (await killed.json()) as { id: string; processes: string[] };
    expect(fault.processes).toHaveLength(2);
    let explanation: { state: string; explanation: string[] } = { state: '', explanation: [] };
    await waitFor(
      async () => {
        const res = await fetch(new URL(`/api/console/faults/${fault.id}`, url), { headers: { cookie } });
        explanation = (await res.json()) as typeof explanation;
        return explanation.state === 'handled';
      },
      { timeoutMs: 90_000, message: () => `${JSON.stringify(explanation)}\n${explain([front, second])()}` },
    );
    await read();
    expect(bakeOf(front)?.restarts).toBe(1);
    expect(bakeOf(second)?.restarts).toBe(1);

    // a graceful stop: its tombstone takes it off the map, the first process owns every partition again
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await waitFor(
      async () => {
        await read();
        return !map.processes.some((p) => p.pid === second.child.pid) && bakeOf(front)?.partitions.join(',') === all.join(',');
      },
      { timeoutMs: 60_000, message: explain([front, second]) },
    );
    expect(map.changes.some((c) => c.what === 'left (stopped gracefully)')).toBe(true);

    // SIGKILL: no tombstone; the entry goes stale after three missed heartbeats, and once the
    // broker drops the dead member (its session) the first process owns every partition again
    const third = start('bake-3', ['bake']);
    await untilStarted(third, ['bake']);
    const thirdOwns = async () => {
      await read();
      return (bakeOf(third)?.partitions.length ?? 0) > 0;
    };
    await waitFor(thirdOwns, { timeoutMs: 60_000, message: explain([front, third]) });
    third.child.kill('SIGKILL');
    await third.exited;
    await waitFor(
      async () => {
        await read();
        const entry = map.processes.find((p) => p.pid === third.child.pid);
        return entry?.stale === true && bakeOf(front)?.partitions.join(',') === all.join(',');
      },
      { timeoutMs: 60_000, message: explain([front, third]) },
    );
  }, 240_000);
});
