import { join } from 'node:path';
import { registryHandler } from './registryApi.ts';
import { openRegistryStore } from './registryStore.ts';

export interface SchemaRegistryServer {
  /** e.g. http://127.0.0.1:8081 — what a Kafka INI's `[schema-registry] url` names */
  url: string;
  stop(): Promise<void>;
}

/** Where a data directory keeps the registry (`:memory:` with no directory). */
export function registryPath(dataDir: string | null): string {
  return dataDir === null ? ':memory:' : join(dataDir, 'schema-registry.db');
}

/**
 * Serves a Confluent-compatible Schema Registry (src/schemaRegistry/registryApi.ts) on 127.0.0.1,
 * for local runs: no Confluent-compatible registry installs from the package registries we reach,
 * so the shop stands in for one, as the embedded log stands in for Kafka. Bun only.
 *
 * @example
 * const registry = await serveSchemaRegistry({ port: 8081, dataDir: 'data' });
 * // [schema-registry] url = http://127.0.0.1:8081
 */
export async function serveSchemaRegistry(options: {
  port: number;
  dataDir: string | null;
  hostname?: string;
}): Promise<SchemaRegistryServer> {
  const store = openRegistryStore(registryPath(options.dataDir));
  const hostname = options.hostname ?? '127.0.0.1';
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({ port: options.port, hostname, reusePort: false, fetch: registryHandler(store) });
  } catch (error) {
    store.close();
    throw error;
  }
  return {
    url: `http://${hostname}:${server.port}`,
    async stop() {
      await server.stop(true);
      store.close();
    },
  };
}
