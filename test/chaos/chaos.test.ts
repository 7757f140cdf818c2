import { describe, expect, it } from 'vitest';
import { formatReport } from '../../scripts/chaos/formatReport.ts';
import { type ChaosOptions, runChaos } from '../../scripts/chaos/runChaos.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';

// Issue 8, point 8: a short `bun run chaos` in the suite. Real processes (`bun src/cli.ts`),
// real SIGKILLs, the real embedded log file or a real broker; the audit reads every stage topic
// read-committed from the beginning. The shop promises: nothing accepted is lost, and a SIGKILL
// at any instant duplicates nothing readers see (exactly-once).
const broker = await findKafkaBroker();

const small: Omit<ChaosOptions, 'transport'> = {
  orders: 12,
  concurrency: 4,
  // Speed 20: an order spends ~1.5 s in the kitchen, so kills land on orders in progress.
  speed: 20,
  killEveryMs: 2_000,
  seed: 8,
  timeoutMs: 90_000,
  compare: false,
  bootstrap: broker.bootstrap,
  kafkaIni: broker.config.file,
  restartBroker: false,
  // explicit, whatever the INI says: the broker's minimum, so a killed member's partitions move after 6 s
  sessionTimeoutMs: 6_000,
  say: () => {},
};

function expectPromiseKept(report: Awaited<ReturnType<typeof runChaos>>) {
  const printed = formatReport(report);
  const { audit, load } = report.chaos;
  expect(
    Object.values(report.chaos.kills).reduce((a, b) => a + b, 0),
    `no process was killed:\n${printed}`,
  ).toBeGreaterThan(0);
  expect(load.placed, printed).toBe(small.orders);
  expect(audit.accepted, printed).toBeGreaterThanOrEqual(small.orders);
  expect(audit.lost, printed).toEqual([]);
  expect(audit.notOnLog, printed).toEqual([]);
  expect(audit.delivered, printed).toBe(audit.accepted);
  expect(audit.duplicates, printed).toEqual([]);
  expect(report.problems, printed).toEqual([]);
}

describe('chaos (bun run chaos, small)', () => {
  it('the one-process shop on the embedded log, SIGKILLed and restarted on its data directory: nothing lost or duplicated', async () => {
    expectPromiseKept(await runChaos({ ...small, transport: 'embedded' }));
  }, 150_000);

  it.skipIf(!broker.available)(
    `actors in five processes on Kafka at ${broker.bootstrap}, one SIGKILLed every ~2 s: nothing lost or duplicated`,
    async () => {
      expectPromiseKept(await runChaos({ ...small, transport: 'kafka' }));
    },
    150_000,
  );
});
