import avro from 'avsc';
import { openSqlite, type SqliteDb } from '../store/sqlite.ts';
import { type CompatibilityLevel, COMPATIBILITY_LEVELS, incompatibilities } from './compatibility.ts';

/**
 * The state of our Schema Registry: Avro schemas with global ids, subjects with numbered versions,
 * and compatibility levels (global and per subject). One SQLite file in the data directory
 * (`schema-registry.db`), or memory. Ids are never reused, as in Confluent's registry: a schema
 * registered again (under any subject) gets the id it has; identity is Avro's Parsing Canonical
 * Form (docs and attribute order do not make a new schema).
 *
 * @example
 * const registry = openRegistryStore(':memory:');
 * registry.register('pizza-baked-value', schemaText); // { id: 1, version: 1 }
 */
export interface RegisteredVersion {
  subject: string;
  version: number;
  id: number;
  schema: string;
}

/** A refusal the HTTP layer maps to Confluent's error codes. */
export class RegistryError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const notFoundSubject = (subject: string) => new RegistryError(404, 40401, `Subject '${subject}' not found.`);
export const notFoundVersion = (version: string) => new RegistryError(404, 40402, `Version ${version} not found.`);
export const notFoundSchema = (what: string) => new RegistryError(404, 40403, `Schema ${what} not found`);
export const invalidSchema = (why: string) => new RegistryError(422, 42201, `Invalid schema: ${why}`);

export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

/** Parses an Avro schema text, or refuses it as Confluent's registry does (422, 42201). */
export function parseAvro(schema: unknown): avro.Type {
  if (typeof schema !== 'string' || schema.trim() === '') throw invalidSchema("'schema' must be a non-empty string");
  try {
    return avro.Type.forSchema(JSON.parse(schema));
  } catch (error) {
    throw invalidSchema((error as Error).message);
  }
}

export class RegistryStore {
  private readonly db: SqliteDb;

  constructor(path: string) {
    this.db = openSqlite(path);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS schemas (id INTEGER PRIMARY KEY, schema TEXT NOT NULL, fingerprint TEXT NOT NULL UNIQUE);
      CREATE TABLE IF NOT EXISTS versions (
        subject TEXT NOT NULL, version INTEGER NOT NULL, schema_id INTEGER NOT NULL REFERENCES schemas(id),
        PRIMARY KEY (subject, version));
      CREATE TABLE IF NOT EXISTS config (subject TEXT PRIMARY KEY, level TEXT NOT NULL);
    `);
  }

  subjects(): string[] {
    return this.db
      .prepare('SELECT DISTINCT subject FROM versions ORDER BY subject')
      .all<{ subject: string }>()
      .map((r) => r.subject);
  }

  versions(subject: string): number[] {
    const rows = this.db.prepare('SELECT version FROM versions WHERE subject = ? ORDER BY version').all<{ version: number }>(subject);
    if (rows.length === 0) throw notFoundSubject(subject);
    return rows.map((r) => r.version);
  }

  /** `version`: a number or 'latest'. */
  version(subject: string, version: string): RegisteredVersion {
    const versions = this.versions(subject);
    const n = version === 'latest' || version === '-1' ? versions[versions.length - 1] : Number(version);
    if (n === undefined || !Number.isInteger(n) || n < 1) {
      throw new RegistryError(
        422,
        42202,
        `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
      );
    }
    const row = this.db
      .prepare(
        'SELECT v.version, v.schema_id AS id, s.schema FROM versions v JOIN schemas s ON s.id = v.schema_id WHERE v.subject = ? AND v.version = ?',
      )
      .get<{ version: number; id: number; schema: string }>(subject, n);
    if (!row) throw notFoundVersion(version);
    return { subject, version: row.version, id: row.id, schema: row.schema };
  }

  schemaById(id: number): string {
    const row = this.db.prepare('SELECT schema FROM schemas WHERE id = ?').get<{ schema: string }>(id);
    if (!row) throw notFoundSchema(`${id}`);
    return row.schema;
  }

  /** Subjects and versions that use a schema id. */
  usesOf(id: number): { subject: string; version: number }[] {
    this.schemaById(id);
    return this.db
      .prepare('SELECT subject, version FROM versions WHERE schema_id = ? ORDER BY subject, version')
      .all<{ subject: string; version: number }>(id);
  }

  /** The version of `subject` holding this schema, if any. */
  lookup(subject: string, schema: string): RegisteredVersion {
    const fingerprint = parseAvro(schema).fingerprint('sha256').toString('hex');
    this.versions(subject);
    const row = this.db
      .prepare(
        'SELECT v.version, s.id, s.schema FROM versions v JOIN schemas s ON s.id = v.schema_id WHERE v.subject = ? AND s.fingerprint = ?',
      )
      .get<{ version: number; id: number; schema: string }>(subject, fingerprint);
    if (!row) throw notFoundSchema('');
    return { subject, version: row.version, id: row.id, schema: row.schema };
  }

  compatibility(subject?: string, defaultToGlobal = true): CompatibilityLevel | undefined {
    const own =
      subject === undefined
        ? undefined
        : this.db.prepare('SELECT level FROM config WHERE subject = ?').get<{ level: string }>(subject)?.level;
    if (own || (subject !== undefined && !defaultToGlobal)) return own as CompatibilityLevel | undefined;
    const global = this.db.prepare("SELECT level FROM config WHERE subject = ''").get<{ level: string }>()?.level;
    return (global as CompatibilityLevel | undefined) ?? DEFAULT_COMPATIBILITY;
  }

  setCompatibility(level: unknown, subject?: string): CompatibilityLevel {
    if (typeof level !== 'string' || !(COMPATIBILITY_LEVELS as readonly string[]).includes(level)) {
      throw new RegistryError(422, 42203, `Invalid compatibility level. Valid values are ${COMPATIBILITY_LEVELS.join(', ')}`);
    }
    this.db
      .prepare('INSERT INTO config (subject, level) VALUES (?, ?) ON CONFLICT(subject) DO UPDATE SET level = excluded.level')
      .run(subject ?? '', level);
    return level as CompatibilityLevel;
  }

  /** Why `schema` may not join `subject` (against `version`, or the versions its level names); [] = compatible. */
  check(subject: string, schema: string, version?: string): string[] {
    const candidate = parseAvro(schema);
    const level = this.compatibility(subject) ?? DEFAULT_COMPATIBILITY;
    let existing: number[];
    try {
      existing = version === undefined ? this.versions(subject) : [this.version(subject, version).version];
    } catch (error) {
      // a subject with nothing registered accepts anything
      if (error instanceof RegistryError && error.errorCode === 40401 && version === undefined) return [];
      throw error;
    }
    const against = version !== undefined || level.endsWith('_TRANSITIVE') ? existing : existing.slice(-1);
    const problems: string[] = [];
    for (const v of against) {
      const old = parseAvro(this.version(subject, String(v)).schema);
      for (const p of incompatibilities(level, candidate, old)) problems.push(`version ${v}: ${p}`);
    }
    return problems;
  }

  /** Registers a schema under a subject: the existing version when it is there, else a new one if compatible. */
  register(subject: string, schema: string): { id: number; version: number } {
    const type = parseAvro(schema);
    const fingerprint = type.fingerprint('sha256').toString('hex');
    return this.db.transaction(() => {
      const existing = this.db
        .prepare('SELECT v.version, s.id FROM versions v JOIN schemas s ON s.id = v.schema_id WHERE v.subject = ? AND s.fingerprint = ?')
        .get<{ version: number; id: number }>(subject, fingerprint);
      if (existing) return existing;
      const problems = this.check(subject, schema);
      if (problems.length > 0) {
        throw new RegistryError(
          409,
          409,
          `Schema being registered is incompatible with an earlier schema for subject "${subject}" (${this.compatibility(subject)}): ${problems.join('; ')}`,
        );
      }
      let id = this.db.prepare('SELECT id FROM schemas WHERE fingerprint = ?').get<{ id: number }>(fingerprint)?.id;
      if (id === undefined)
        id = Number(this.db.prepare('INSERT INTO schemas (schema, fingerprint) VALUES (?, ?)').run(schema, fingerprint).lastInsertRowid);
      const last = this.db.prepare('SELECT MAX(version) AS v FROM versions WHERE subject = ?').get<{ v: number | null }>(subject)?.v ?? 0;
      this.db.prepare('INSERT INTO versions (subject, version, schema_id) VALUES (?, ?, ?)').run(subject, last + 1, id);
      return { id, version: last + 1 };
    });
  }

  /** Deletes a subject (every version); answers the versions it had. Schema ids stay readable. */
  deleteSubject(subject: string): number[] {
    const versions = this.versions(subject);
    this.db.prepare('DELETE FROM versions WHERE subject = ?').run(subject);
    this.db.prepare('DELETE FROM config WHERE subject = ?').run(subject);
    return versions;
  }

  close(): void {
    this.db.close();
  }
}

export function openRegistryStore(path: string): RegistryStore {
  return new RegistryStore(path);
}
