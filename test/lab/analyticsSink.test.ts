import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { analyticsSinkSpec, openAnalyticsDb } from '../../src/lab/analyticsSink.ts';
import { formatTimestamp, type Promotion, type WindowResult } from '../../src/lab/labMessages.ts';
import { createLogger } from '../../src/log/logger.ts';
import { createActorHost } from '../../src/runtime/host/createActorHost.ts';
import { createEmbeddedLog } from '../../src/transport/embeddedLog.ts';
import { testConfig } from '../support/shopHarness.ts';

/**
 * The analytics sink is exactly-once by its own store: rows and the offsets they reach commit in
 * one SQLite transaction, and a restart resumes from the offsets in the database — even as a
 * member of a group that never committed anything (it then reads the topics from the start).
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const T = Date.UTC(2026, 10, 30, 10, 0);
const windowOf = (prod: string, count: number): WindowResult => ({
  prod_id: prod,
  window_start: T,
  window_end: T + 3_600_000,
  txn_per_hour: count,
  expected_txn_per_hour: 6,
  stock_level: 90,
  name: prod,
});
const promotionOf = (prod: string, count: number): Promotion => ({
  ...windowOf(prod, count),
  expected_txn_per_hour: 6,
  stock_level: 90,
  promotion_time: formatTimestamp(T),
  discount: 20,
});

describe('the analytics sink (local state: offsets in the analytics database)', () => {
  it('a restart in a group with no committed offsets rereads the topics but writes nothing twice; what is new is written once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pizza-sink-'));
    const clock = new VirtualClock(T);
    const config = testConfig({ partitions: 3 });
    const log = createEmbeddedLog({ clock });
    cleanups.push(async () => {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await log.ensureTopics(
      [config.topics.productTxnPerHour, config.topics.promotions, config.topics.deadLetter].map((topic) => ({ topic, partitions: 3 })),
    );
    const send = async (prod: string, count: number) => {
      await log.producer().send(config.topics.productTxnPerHour, [{ key: prod, value: JSON.stringify(windowOf(prod, count)) }]);
      await log.producer().send(config.topics.promotions, [{ key: prod, value: JSON.stringify(promotionOf(prod, count)) }]);
    };
    const sink = async (groupId: string) => {
      const analytics = openAnalyticsDb(join(dir, 'analytics.db'));
      const written: string[] = [];
      const spec = analyticsSinkSpec({
        config: { ...config, groupIds: { ...config.groupIds, analytics: groupId } },
        analytics,
        now: () => clock.now(),
        onWritten: (rows) => {
          for (const r of rows) written.push(`${r.what}:${r.orderId}=${r.value.txn_per_hour}`);
        },
      });
      const host = createActorHost(spec, {
        transport: log,
        clock,
        logger: createLogger({ actor: 'analytics', clock, format: 'silent' }),
        deadLetterTopic: config.topics.deadLetter,
        partitions: 3,
      });
      await host.start();
      const settle = async () => {
        for (let i = 0; i < 3; i++) {
          await log.capabilities.whenIdle();
          await host.idle();
        }
      };
      return {
        analytics,
        written,
        settle,
        async stop() {
          await host.stop();
          analytics.close();
        },
      };
    };
    const count = (s: { analytics: { db: { prepare(sql: string): { get<T>(): T | undefined } } } }, table: string) =>
      s.analytics.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get<{ n: number }>()?.n;

    const first = await sink('sink-a');
    for (const [p, n] of [
      ['Ham', 1],
      ['BBQ', 1],
      ['Ham', 2],
    ] as const)
      await send(p, n);
    await first.settle();
    expect(count(first, 'promotions')).toBe(3);
    expect(count(first, 'product_txn_per_hour')).toBe(2);
    await first.stop();

    const second = await sink('sink-b-never-committed');
    await second.settle();
    // it read the topics from the start, and applied nothing: the database's offsets say it is done
    expect(second.written).toEqual([]);
    expect(count(second, 'promotions')).toBe(3);
    await send('Pesto', 1);
    await second.settle();
    expect(count(second, 'promotions')).toBe(4);
    expect(second.written.sort()).toEqual(['promotion:Pesto=1', 'window:Pesto=1']);
    expect(
      second.analytics
        .promotionFeed(10)
        .map((p) => `${p.prod_id}=${p.txn_per_hour}`)
        .sort(),
    ).toEqual(['BBQ=1', 'Ham=1', 'Ham=2', 'Pesto=1']);
    const ham = second.analytics.latestWindows(1).find((w) => w.prod_id === 'Ham');
    expect(ham?.txn_per_hour).toBe(2);
    await second.stop();
  });
});
