import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/loadConfig.ts';
import type { ShopConfig } from '../../src/config/shopConfig.ts';
import { loadKafkaConfig } from '../../src/config/loadKafkaConfig.ts';

/** Sections whose every value is a topic name or a consumer group id: suffixed per run. */
const SUFFIXED_SECTIONS = new Set(['kafka-topics', 'kafka-consumer-group-id']);

/**
 * Writes `<dir>/system.ini`: the system configuration `base` with every topic and consumer group
 * suffixed with `-<runId>` and replication factor 1, so one run never meets another's messages
 * or offsets on a shared broker (and fits a one-node broker).
 *
 * @example
 * const { file, config } = writeRunConfig(dir, 'a1b2c3');
 * config.topics.pizzaBaked; // 'pizza-baked-a1b2c3'
 */
export function writeRunConfig(dir: string, runId: string, base = 'config_sys/default.ini'): { file: string; config: ShopConfig } {
  let section = '';
  const lines = readFileSync(base, 'utf8')
    .split('\n')
    .map((line) => {
      const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
      if (header) {
        section = header[1] as string;
        return line;
      }
      const entry = /^(\s*[A-Za-z0-9_.]+\s*=\s*)(\S.*?)\s*$/.exec(line);
      if (!entry) return line;
      if (SUFFIXED_SECTIONS.has(section)) return `${entry[1]}${entry[2]}-${runId}`;
      if (section === 'kafka-topic-config' && line.trim().startsWith('replication_factor')) return `${entry[1]}1`;
      return line;
    });
  const file = join(dir, 'system.ini');
  writeFileSync(file, lines.join('\n'));
  const config = loadConfig(file);
  if (!config.topics.pizzaOrdered.endsWith(runId) || !config.groupIds.bake.endsWith(runId)) {
    throw new Error(`${file}: topics and groups were not suffixed with ${runId} (is ${base} a system configuration?)`);
  }
  return { file, config };
}

/**
 * Writes `<dir>/kafka.ini`: the client INI `base` with `bootstrap.servers` replaced and `extra`
 * properties added (e.g. a shorter `session.timeout.ms`).
 */
export function writeRunKafkaIni(dir: string, base: string, bootstrap: string, extra: Record<string, string> = {}): string {
  const props = { ...loadKafkaConfig(base).properties, 'bootstrap.servers': bootstrap, ...extra };
  const file = join(dir, 'kafka.ini');
  writeFileSync(
    file,
    `; written by bun run chaos from ${base}\n[kafka]\n${Object.entries(props)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n')}\n`,
  );
  return file;
}
