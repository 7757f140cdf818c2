import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kafkaCacheDir, requireJava17, requireTool, resolveKafkaJars } from '../../scripts/kafka/kafkaJars.ts';
import { ShopError } from '../../src/errors.ts';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'PartitionCheck.java');

/** What Kafka's Java client computes for one key. */
export interface JavaPartition {
  /** `Utils.murmur2(utf8(key))`, a signed 32-bit integer */
  murmur2: number;
  /** the producer's `BuiltInPartitioner.partitionForKey` */
  partition: number;
}

/**
 * Compiles tools/java/PartitionCheck.java against the cached Kafka jars (once per source
 * version: the class lands in `<kafka cache>/partition-check/<digest>/`) and returns the
 * folder to put on the class path.
 */
export async function compilePartitionCheck(): Promise<{ classes: string; libs: string }> {
  const libs = await resolveKafkaJars();
  const digest = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 16);
  const classes = join(kafkaCacheDir(), 'partition-check', digest);
  if (existsSync(join(classes, 'PartitionCheck.class'))) return { classes, libs };
  const javac = requireTool('javac');
  const staging = `${classes}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const result = Bun.spawnSync([javac, '-cp', `${libs}/*`, '-d', staging, SOURCE], { stdout: 'pipe', stderr: 'pipe' });
  if (result.exitCode !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new ShopError('JAVA_COMPILE_FAILED', `javac ${SOURCE} failed (exit ${result.exitCode}):\n${result.stdout}${result.stderr}`);
  }
  mkdirSync(dirname(classes), { recursive: true });
  rmSync(classes, { recursive: true, force: true });
  renameSync(staging, classes);
  return { classes, libs };
}

/**
 * Asks Kafka's own Java client where each key goes, for each partition count: result[k][c] is
 * key k with `counts[c]` partitions (one JVM start for all of them).
 *
 * @example
 * const [[orderOne]] = await javaPartitions(['order-1'], [6]); // { murmur2: ..., partition: 4 }
 */
export async function javaPartitions(keys: string[], counts: number[]): Promise<JavaPartition[][]> {
  const { classes, libs } = await compilePartitionCheck();
  const java = requireJava17();
  const args = keys.map((k) => (k === '' ? '-' : Buffer.from(k, 'utf8').toString('hex')));
  const result = Bun.spawnSync([java, '-cp', `${classes}:${libs}/*`, 'PartitionCheck', counts.join(','), ...args], { stdout: 'pipe', stderr: 'pipe' });
  if (result.exitCode !== 0) {
    throw new ShopError('JAVA_RUN_FAILED', `PartitionCheck failed (exit ${result.exitCode}):\n${result.stderr}`);
  }
  const lines = result.stdout.toString().trim().split('\n');
  if (lines.length !== keys.length) throw new ShopError('JAVA_RUN_FAILED', `PartitionCheck printed ${lines.length} lines for ${keys.length} keys`);
  return lines.map((line) => {
    const [hash, ...partitions] = line.trim().split(' ').map(Number);
    return partitions.map((partition) => ({ murmur2: hash as number, partition }));
  });
}
