#!/usr/bin/env bun
/**
 * `bun run schema-registry [--port 8081] [--data ./data] [--memory]`: the shop's Confluent-compatible
 * Schema Registry on its own (for the original's services, or several shop processes on Kafka).
 */
import { parseArgs } from 'node:util';
import { serveSchemaRegistry } from '../src/schemaRegistry/serveSchemaRegistry.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    port: { type: 'string', default: '8081' },
    data: { type: 'string', default: './data' },
    memory: { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`error: --port: '${values.port}' is not a port number`);
  process.exit(2);
}
const registry = await serveSchemaRegistry({ port, dataDir: values.memory ? null : (values.data ?? './data') });
console.log(`schema registry at ${registry.url}${values.memory ? ' (in memory)' : ` (kept in ${values.data}/schema-registry.db)`}`);
const stop = () => {
  registry.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
