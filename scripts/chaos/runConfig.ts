import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/loadConfig.ts';
import type { ShopConfig } from '../../src/config/shopConfig.ts';
import { loadKafkaConfig } from '../../src/config/loadKafkaConfig.ts';

/** Sections whose every value is a topic name or a consumer group id: suffixed per run. */
const SUFFIXED_SECTIONS = new Set(['kafka-topics', 'kafka-consumer-group-id']);

/**
 * The web's rate limits, off for a run: one client places every order from one address, so the
 * limits would measure the limiter rather than the shop under kills (and a web restarted by a kill
 * forgets its counters, which made the chaos run faster than the calm one).
 */
const NO_RATE_LIMITS: Record<string, string> = {
  orders_per_minute_per_session: '0',
  orders_per_minute_per_address: '0',
  logins_per_minute_per_address: '0',
};

/**
 * Writes `<dir>/system.ini`: the system configuration `base` with every topic and consumer group
 * suffixed with `-<runId>`, replication factor 1 and the web's order and login rate limits off, so
 * one run never meets another's messages or offsets on a shared broker (and fits a one-node broker).
 *
 * @example
 * const { file, config } = writeRunConfig(dir, 'a1b2c3');
 * config.topics.pizzaBaked; // 'pizza-baked-a1b2c3'
 */
export function writeRunConfig(dir: string, runId: string, base = 'config_sys/default.ini'): { file: string; config: ShopConfig } {
  let section = '';
  const limitsSet = new Set<string>();
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
      const key = line.split('=')[0]?.trim() ?? '';
      if (section === 'web-limits' && key in NO_RATE_LIMITS) {
        limitsSet.add(key);
        return `${key} = ${NO_RATE_LIMITS[key]}`;
      }
      return line;
    });
  if (!lines.some((l) => /^\s*\[web-limits\]\s*$/.test(l))) {
    lines.push('[web-limits]', ...Object.entries(NO_RATE_LIMITS).map(([k, v]) => `${k} = ${v}`));
  } else if (limitsSet.size < Object.keys(NO_RATE_LIMITS).length) {
    throw new Error(
      `${base}: [web-limits] lacks some of ${Object.keys(NO_RATE_LIMITS).join(', ')}; add them so a chaos run can turn them off`,
    );
  }
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
