import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topics } from '../config/shopConfig.ts';

/**
 * The Avro record schema of each shop topic, in `schemas/*.avsc`: the newer original's records
 * (namespace `com.confluent.pizza`, its field names and types are the contract), plus ours for
 * `pizza-cancelled`. Files are named after the default topic names; the topic itself comes from
 * the configuration (the newer original calls the status topic `PIZZA_STATUS`), so the table is
 * keyed by the configuration's alias. The log and dead-letter topics have no schema: log lines
 * stay JSON, and a dead letter keeps the bytes it came with.
 *
 * @example
 * avroSchemaFiles.pizzaStatus; // 'pizza-status.avsc'
 * topicSchemas(config.topics).get('PIZZA_STATUS'); // the text of schemas/pizza-status.avsc
 */
export const avroSchemaFiles = {
  pizzaOrdered: 'pizza-ordered.avsc',
  pizzaAssembled: 'pizza-assembled.avsc',
  pizzaBaked: 'pizza-baked.avsc',
  pizzaDelivered: 'pizza-delivered.avsc',
  pizzaPending: 'pizza-pending.avsc',
  pizzaCancelled: 'pizza-cancelled.avsc',
  pizzaStatus: 'pizza-status.avsc',
} as const satisfies Partial<Record<keyof Topics, string>>;

export const SCHEMAS_DIR = join(import.meta.dirname, '..', '..', 'schemas');

/** Topic name → schema text, for the topics of this configuration. */
export function topicSchemas(topics: Topics, dir: string = SCHEMAS_DIR): Map<string, string> {
  const out = new Map<string, string>();
  for (const [alias, file] of Object.entries(avroSchemaFiles)) {
    out.set(topics[alias as keyof typeof avroSchemaFiles], readFileSync(join(dir, file), 'utf8'));
  }
  return out;
}

/** The registry subject of a topic's values (Confluent's TopicNameStrategy). */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
