import { type RegistryStore, RegistryError } from './registryStore.ts';

/**
 * Confluent's Schema Registry REST API over a RegistryStore, as a fetch handler (Bun.serve, or
 * called directly in tests). Enough of it for Confluent's serializers and the common clients:
 *
 * | route | answer |
 * |---|---|
 * | `GET /subjects` | subject names |
 * | `GET /subjects/<s>/versions` | version numbers |
 * | `GET /subjects/<s>/versions/<v or latest>` (and `/schema`) | `{subject, version, id, schema}` (the schema text) |
 * | `POST /subjects/<s>/versions` `{schema}` | `{id}` — registers (BACKWARD-checked by default) or finds it |
 * | `POST /subjects/<s>` `{schema}` | the version of `s` holding that schema |
 * | `DELETE /subjects/<s>` | the versions it had |
 * | `GET /schemas/ids/<id>` (and `/schema`, `/versions`, `/subjects`) | `{schema}` |
 * | `GET /schemas/types` | `["AVRO"]` |
 * | `POST /compatibility/subjects/<s>/versions[/<v>]` `{schema}` | `{is_compatible}` (`?verbose=true`: `messages`) |
 * | `GET`/`PUT /config[/<s>]` | `{compatibilityLevel}` / `{compatibility}` |
 *
 * Errors are Confluent's: `{error_code, message}` with 404 (40401 subject, 40402 version, 40403
 * schema), 409 (incompatible), 422 (42201 invalid schema, 42202 version, 42203 level).
 * Only Avro schemas without references are accepted (the shop's records need nothing else).
 */
export function registryHandler(store: RegistryStore): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    try {
      const body = request.method === 'POST' || request.method === 'PUT' ? await readJson(request) : {};
      return json(route(store, request.method, parts, body, url.searchParams));
    } catch (error) {
      if (error instanceof RegistryError) return json({ error_code: error.errorCode, message: error.message }, error.httpStatus);
      return json({ error_code: 50001, message: `Error in the backend data store: ${(error as Error).message}` }, 500);
    }
  };
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': CONTENT_TYPE } });
}

async function readJson(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.trim() === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // falls through
  }
  throw new RegistryError(422, 42201, 'the request body must be a JSON object');
}

/** The schema of a register/lookup/compatibility request, refused unless it is plain Avro. */
function schemaOf(body: Record<string, unknown>): string {
  const type = body.schemaType ?? 'AVRO';
  if (type !== 'AVRO') throw new RegistryError(422, 42201, `Invalid schema: schemaType ${String(type)} is not supported here (AVRO only)`);
  if (Array.isArray(body.references) && body.references.length > 0) {
    throw new RegistryError(422, 42201, 'Invalid schema: schema references are not supported here');
  }
  if (typeof body.schema !== 'string') throw new RegistryError(422, 42201, "Invalid schema: 'schema' must be a string");
  return body.schema;
}

function schemaId(raw: string | undefined): number {
  const id = Number(raw);
  if (!Number.isInteger(id) || id < 1) throw new RegistryError(404, 40403, `Schema ${raw} not found`);
  return id;
}

function route(store: RegistryStore, method: string, parts: string[], body: Record<string, unknown>, query: URLSearchParams): unknown {
  const [head, a, b, c, d] = parts;
  const notFound = () => new RegistryError(404, 404, `HTTP 404 Not Found: ${method} /${parts.join('/')}`);

  if (parts.length === 0 && method === 'GET') return {};
  if (head === 'subjects') {
    if (a === undefined) {
      if (method === 'GET') return store.subjects();
      throw notFound();
    }
    if (b === undefined) {
      if (method === 'POST') return store.lookup(a, schemaOf(body));
      if (method === 'DELETE') return store.deleteSubject(a);
      throw notFound();
    }
    if (b === 'versions') {
      if (c === undefined && method === 'GET') return store.versions(a);
      if (c === undefined && method === 'POST') return { id: store.register(a, schemaOf(body)).id };
      if (c !== undefined && d === undefined && method === 'GET') return store.version(a, c);
      if (c !== undefined && d === 'schema' && method === 'GET') return JSON.parse(store.version(a, c).schema);
    }
    throw notFound();
  }
  if (head === 'schemas') {
    if (a === 'types' && method === 'GET') return ['AVRO'];
    if (a === 'ids' && method === 'GET') {
      const id = schemaId(b);
      if (c === undefined) return { schema: store.schemaById(id) };
      if (c === 'schema') return JSON.parse(store.schemaById(id));
      if (c === 'versions') return store.usesOf(id);
      if (c === 'subjects') return [...new Set(store.usesOf(id).map((u) => u.subject))];
    }
    throw notFound();
  }
  if (head === 'compatibility' && a === 'subjects' && b !== undefined && c === 'versions' && method === 'POST') {
    const problems = store.check(b, schemaOf(body), d);
    return query.get('verbose') === 'true'
      ? { is_compatible: problems.length === 0, messages: problems }
      : { is_compatible: problems.length === 0 };
  }
  if (head === 'config') {
    if (method === 'GET') {
      const level = store.compatibility(a, a === undefined || query.get('defaultToGlobal') === 'true');
      if (level === undefined) throw new RegistryError(404, 40408, `Subject '${a}' does not have subject-level compatibility configured`);
      return { compatibilityLevel: level };
    }
    if (method === 'PUT') return { compatibility: store.setCompatibility(body.compatibility, a) };
  }
  throw notFound();
}
