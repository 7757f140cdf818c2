import { malformed } from './messages.ts';
import { ShopError } from '../errors.ts';

/**
 * The two calls the shop makes to a Confluent-compatible Schema Registry: register a schema under
 * a subject (`POST /subjects/<subject>/versions`, which answers the id of an identical schema
 * already there) and fetch a schema by its id (`GET /schemas/ids/<id>`). Ids never change meaning
 * in a registry, so what was fetched is cached for the life of the process.
 *
 * Written here rather than taken from npm: the shop needs these two calls and basic auth, over
 * `fetch`; `@kafkajs/confluent-schema-registry` would add mappersmith, protobufjs and ajv (and a
 * second copy of the Avro library) for them. The npm client is used in the tests instead, to
 * check our registry server against a client no one here wrote.
 *
 * @example
 * const registry = createSchemaRegistryClient({ url: 'http://127.0.0.1:8081' });
 * const id = await registry.register('pizza-baked-value', schemaText);
 * (await registry.schemaById(id)) === schemaText; // the registry's copy, maybe reformatted
 */
export interface SchemaRegistryClient {
  readonly url: string;
  register(subject: string, schema: string): Promise<number>;
  schemaById(id: number): Promise<string>;
}

export interface SchemaRegistryClientOptions {
  url: string;
  /** `<key>:<secret>`, as the `[schema-registry] basic.auth.user.info` of a managed registry */
  basicAuthUserInfo?: string;
  /** how often a failed request (network, 5xx) is tried again before giving up (default 3) */
  retries?: number;
  /** test seam */
  fetch?: typeof fetch;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export function createSchemaRegistryClient(options: SchemaRegistryClientOptions): SchemaRegistryClient {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const retries = options.retries ?? 3;
  const headers: Record<string, string> = { accept: CONTENT_TYPE, 'content-type': CONTENT_TYPE };
  if (options.basicAuthUserInfo) headers.authorization = `Basic ${Buffer.from(options.basicAuthUserInfo).toString('base64')}`;
  const byId = new Map<number, Promise<string>>();

  /** Answers the parsed body and the status; network failures and 5xx are tried again, then thrown as unavailable. */
  const request = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    let lastProblem = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      let response: Response;
      try {
        response = await doFetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      } catch (error) {
        lastProblem = (error as Error).message;
        continue;
      }
      const text = await response.text();
      if (response.status >= 500) {
        lastProblem = `HTTP ${response.status} ${text.slice(0, 200)}`;
        continue;
      }
      let json: Record<string, unknown> = {};
      try {
        json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        json = { message: text.slice(0, 200) };
      }
      return { status: response.status, json };
    }
    throw new ShopError('SCHEMA_REGISTRY_UNAVAILABLE', `schema registry ${base}: ${method} ${path} failed: ${lastProblem}`, {
      retriable: true,
    });
  };

  return {
    url: base,
    async register(subject, schema) {
      const path = `/subjects/${encodeURIComponent(subject)}/versions`;
      const { status, json } = await request('POST', path, { schema });
      if (status === 200 && typeof json.id === 'number') return json.id;
      const why = typeof json.message === 'string' ? json.message : JSON.stringify(json);
      throw new ShopError(
        'SCHEMA_REGISTRY_REFUSED',
        `schema registry ${base}: registering a schema under '${subject}' was refused (HTTP ${status}): ${why}`,
        {
          exitCode: 2,
        },
      );
    },
    schemaById(id) {
      let found = byId.get(id);
      if (!found) {
        found = (async () => {
          const { status, json } = await request('GET', `/schemas/ids/${id}`);
          if (status === 200 && typeof json.schema === 'string') {
            const type = json.schemaType ?? 'AVRO';
            if (type !== 'AVRO') throw malformed(`schema id ${id} is a ${String(type)} schema, not Avro`);
            return json.schema;
          }
          // 404: the message names a schema this registry never had (another registry's id, or garbage)
          if (status === 404) throw malformed(`schema id ${id} is not in the schema registry at ${base}`);
          throw new ShopError('SCHEMA_REGISTRY_REFUSED', `schema registry ${base}: GET /schemas/ids/${id} answered HTTP ${status}`, {
            retriable: true,
          });
        })();
        byId.set(id, found);
        // only answers are cached: a failure is asked again next time
        found.catch(() => byId.delete(id));
      }
      return found;
    },
  };
}
