/**
 * `bun run bench`: every benchmark, printed as tables and written as JSON to
 * bench/results/<date>.json. Figures are measurements, never test thresholds.
 * `bun run bench -- --quick` runs smaller sizes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { benchEmbeddedLog, printEmbeddedLogBench } from './embeddedLog.bench.ts';
import { benchShop, printShopBench } from './shop.bench.ts';

const quick = process.argv.includes('--quick');
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), runtime: `bun ${Bun.version}` };
console.log(`machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.runtime}`);

const results: Record<string, unknown> = { at: new Date().toISOString(), machine };

const log = await benchEmbeddedLog(quick ? { messages: 20_000 } : {});
printEmbeddedLogBench(log);
results.embeddedLog = log;

const shop = await benchShop(quick ? { orders: 500, inFlight: 1000 } : {});
printShopBench(shop);
results.shop = shop;

mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${results.at as string}.json`.replace(/:/g, '-');
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten ${file}`);
