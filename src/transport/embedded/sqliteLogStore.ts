import { ShopError } from '../../errors.ts';
import { openSqlite } from '../../store/sqlite.ts';
import type { Headers } from '../transport.ts';
import type { LogStore, StoredCommit, StoredMessage, WriteBatch } from './logStore.ts';

const SCHEMA_VERSION = 1;

interface MessageRow {
  msg_offset: number;
  msg_key: string | null;
  value: Uint8Array;
  headers: string | null;
  ts: number;
}

/**
 * The durable mode: one SQLite file (WAL) holding topics, messages and committed offsets.
 * Messages live in a WITHOUT ROWID table keyed by (topic, partition, offset), so appending is one
 * b-tree insert and reading a partition from an offset is one index range scan.
 *
 * @example
 * const store = openSqliteLogStore('data/log.db');
 * store.endOffset('pizza-ordered', 0); // 0 on a fresh file
 */
export function openSqliteLogStore(path: string): LogStore {
  const db = openSqlite(path);
  const version = Number(db.prepare('PRAGMA user_version').get<{ user_version: number }>()?.user_version ?? 0);
  const hasTables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'log\\_%' ESCAPE '\\'").all().length > 0;
  if (version !== SCHEMA_VERSION && (version !== 0 || hasTables)) {
    db.close();
    throw new ShopError('LOG_FILE_INVALID', `${path}: not an embedded log file of schema version ${SCHEMA_VERSION} (found ${version})`, {
      exitCode: 2,
    });
  }
  db.exec('CREATE TABLE IF NOT EXISTS log_topics (topic TEXT PRIMARY KEY, partitions INTEGER NOT NULL) WITHOUT ROWID');
  db.exec(
    `CREATE TABLE IF NOT EXISTS log_messages (
       topic TEXT NOT NULL, partition_id INTEGER NOT NULL, msg_offset INTEGER NOT NULL,
       msg_key TEXT, value BLOB NOT NULL, headers TEXT, ts INTEGER NOT NULL,
       PRIMARY KEY (topic, partition_id, msg_offset)) WITHOUT ROWID`,
  );
  db.exec(
    `CREATE TABLE IF NOT EXISTS log_offsets (
       group_id TEXT NOT NULL, topic TEXT NOT NULL, partition_id INTEGER NOT NULL, msg_offset INTEGER NOT NULL,
       PRIMARY KEY (group_id, topic, partition_id)) WITHOUT ROWID`,
  );
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);

  const insertTopic = db.prepare('INSERT OR IGNORE INTO log_topics (topic, partitions) VALUES (?, ?)');
  const insertMessage = db.prepare(
    'INSERT INTO log_messages (topic, partition_id, msg_offset, msg_key, value, headers, ts) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const upsertOffset = db.prepare(
    `INSERT INTO log_offsets (group_id, topic, partition_id, msg_offset) VALUES (?, ?, ?, ?)
     ON CONFLICT (group_id, topic, partition_id) DO UPDATE SET msg_offset = excluded.msg_offset`,
  );
  const maxOffset = db.prepare('SELECT MAX(msg_offset) AS max_offset FROM log_messages WHERE topic = ? AND partition_id = ?');
  const readRange = db.prepare(
    'SELECT msg_offset, msg_key, value, headers, ts FROM log_messages WHERE topic = ? AND partition_id = ? AND msg_offset >= ? ORDER BY msg_offset LIMIT ?',
  );

  return {
    durable: true,
    loadTopics: () =>
      db
        .prepare('SELECT topic, partitions FROM log_topics ORDER BY topic')
        .all<{ topic: string; partitions: number }>()
        .map((r) => ({ topic: r.topic, partitions: Number(r.partitions) })),
    endOffset(topic, partition) {
      const max = maxOffset.get<{ max_offset: number | null }>(topic, partition)?.max_offset;
      return max === null || max === undefined ? 0 : Number(max) + 1;
    },
    loadCommits: () =>
      db
        .prepare('SELECT group_id, topic, partition_id, msg_offset FROM log_offsets')
        .all<{ group_id: string; topic: string; partition_id: number; msg_offset: number }>()
        .map(
          (r): StoredCommit => ({ groupId: r.group_id, topic: r.topic, partition: Number(r.partition_id), offset: Number(r.msg_offset) }),
        ),
    saveTopic(topic, partitions) {
      insertTopic.run(topic, partitions);
    },
    write(batch: WriteBatch) {
      db.transaction(() => {
        for (const { topic, partition, message: m } of batch.appends) {
          const headers = Object.keys(m.headers).length === 0 ? null : JSON.stringify(m.headers);
          insertMessage.run(topic, partition, m.offset, m.key, asBuffer(m.value), headers, m.timestamp);
        }
        for (const c of batch.commits) upsertOffset.run(c.groupId, c.topic, c.partition, c.offset);
      });
    },
    read(topic, partition, from, limit) {
      return readRange.all<MessageRow>(topic, partition, from, limit).map(
        (r): StoredMessage => ({
          offset: Number(r.msg_offset),
          key: r.msg_key,
          // better-sqlite3 hands back a Buffer: keep the log's values plain Uint8Arrays everywhere
          value: new Uint8Array(r.value.buffer, r.value.byteOffset, r.value.byteLength),
          headers: r.headers === null ? {} : (JSON.parse(r.headers) as Headers),
          timestamp: Number(r.ts),
        }),
      );
    },
    close: () => db.close(),
  };
}

/** better-sqlite3 binds Buffers (not plain Uint8Arrays) as BLOBs; a view costs no copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
