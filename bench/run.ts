/**
 * `bun run bench`: every benchmark, printed as tables and written as JSON to
 * bench/results/<date>.json. Figures are measurements, never test thresholds.
 * `bun run bench -- --quick` runs smaller sizes. The Kafka figures run when a broker answers at
 * KAFKA_BOOTSTRAP (default 127.0.0.1:9092); otherwise they print "skipped: no broker".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { brokerAnswers } from '../scripts/kafka/brokerAnswers.ts';
import { benchEmbeddedLog, printEmbeddedLogBench } from './embeddedLog.bench.ts';
import { benchKafka, printKafkaBench } from './kafka.bench.ts';
import { benchLab, printLabBench } from './lab.bench.ts';
import { benchShop, printShopBench } from './shop.bench.ts';

const quick = process.argv.includes('--quick');
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  runtime: `bun ${Bun.version}`,
};
console.log(`machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.runtime}`);

const results: Record<string, unknown> = { at: new Date().toISOString(), machine };

const log = await benchEmbeddedLog(quick ? { messages: 20_000 } : {});
printEmbeddedLogBench(log);
results.embeddedLog = log;

const shop = await benchShop(quick ? { orders: 500, inFlight: 1000, bulk: 2000 } : {});
printShopBench(shop);
results.shop = shop;

// Kafka when a broker answers (`bun run kafka:start`, or KAFKA_BOOTSTRAP): the shop on it and, on
// the same broker in the same run, the broker's own producer limit.
const bootstrap = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092';
if (await brokerAnswers(bootstrap, 3_000)) {
  const kafka = await benchKafka(quick ? { bootstrap, orders: 500, concurrency: 100, records: 50_000, bulk: 2000 } : { bootstrap });
  printKafkaBench(kafka);
  results.kafka = kafka;
} else {
  console.log(`
Kafka: skipped: no broker at ${bootstrap} (start one with \`bun run kafka:start\`, or set KAFKA_BOOTSTRAP)`);
  results.kafka = { skipped: 'no broker', bootstrap };
}

// The lab's stream processor (issue 11): transactions/s on the embedded log, and on Kafka when it answers.
const lab = await benchLab({
  transactions: quick ? 5_000 : 20_000,
  ...(results.kafka && !(results.kafka as { skipped?: string }).skipped ? { kafkaBootstrap: bootstrap } : {}),
});
printLabBench(lab);
results.lab = lab;

mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${results.at as string}.json`.replace(/:/g, '-');
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten ${file}`);
