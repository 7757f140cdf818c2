import { MAGIC_BYTE, type WireFormat } from '../../events/wireFormat.ts';
import type { DeliveredMessage, Headers, Transport } from '../../transport/transport.ts';

/**
 * The message browser: any topic, any partition and offset range, filtered by key and by text,
 * newest first or oldest first, and a cursor to tail from. It reads with `Transport.read` (no
 * consumer group), so browsing moves nobody's offsets and works the same on both transports.
 *
 * @example
 * const page = await browseMessages(transport, { topic: 'pizza-baked', key: '1a2b3c4d', newestFirst: true, limit: 50 });
 * page.messages[0]?.value; // { status: 300, timestamp: … }
 */
export interface BrowseQuery {
  topic: string;
  /** one partition, or all */
  partition?: number;
  /** first offset to look at (per partition; default the start) */
  from?: number;
  /** offset to stop before (per partition; default the end) */
  to?: number;
  /** exact key */
  key?: string;
  /** case-insensitive text the key, the decoded value or a header value contains */
  text?: string;
  newestFirst: boolean;
  limit: number;
  /**
   * Live tail: positions to read on from (partition → next offset, as `cursor` returned them);
   * messages after them come oldest first and `from`/`to`/`newestFirst` are ignored.
   */
  since?: Map<number, number>;
}

export interface BrowsedMessage {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  headers: Headers;
  /** how the value was read: JSON text, Avro through the registry, other UTF-8 text, bytes shown as base64, or empty (a tombstone) */
  encoding: 'json' | 'avro' | 'text' | 'base64' | 'empty';
  /** the decoded value: a JSON value, a string (text or base64), or null when empty */
  value: unknown;
  /** size of the value on the wire, in bytes */
  size: number;
}

export interface BrowseResult {
  topic: string;
  /** the partitions looked at, with the end of each when the read started */
  partitions: { partition: number; end: number }[];
  messages: BrowsedMessage[];
  /** messages read to find these (the filters drop the rest) */
  scanned: number;
  /** the scan stopped at its budget before it reached the end of the range */
  truncated: boolean;
  /** where a live tail goes on from: partition → next offset */
  cursor: Record<string, number>;
}

/** At most this many messages are read per request, whatever the filters: a browse stays cheap. */
export const SCAN_BUDGET = 20_000;
const CHUNK = 500;
export const BROWSE_LIMIT_MAX = 500;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A value as people read it: JSON, Avro (through the wire format's registry), text, or base64. */
export async function decodeValue(
  topic: string,
  bytes: Uint8Array,
  wire?: WireFormat,
): Promise<Pick<BrowsedMessage, 'encoding' | 'value'>> {
  if (bytes.length === 0) return { encoding: 'empty', value: null };
  if (bytes[0] === MAGIC_BYTE && wire?.registry) {
    try {
      return { encoding: 'avro', value: await wire.decode(topic, bytes) };
    } catch {
      // not readable as Avro after all: shown as bytes below
    }
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { encoding: 'base64', value: Buffer.from(bytes).toString('base64') };
  }
  try {
    return { encoding: 'json', value: JSON.parse(text) };
  } catch {
    return { encoding: 'text', value: text };
  }
}

async function browsed(m: DeliveredMessage, wire?: WireFormat): Promise<BrowsedMessage> {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    timestamp: m.timestamp,
    key: m.key,
    headers: m.headers,
    ...(await decodeValue(m.topic, m.value, wire)),
    size: m.value.length,
  };
}

function matches(m: BrowsedMessage, query: BrowseQuery): boolean {
  if (query.key !== undefined && m.key !== query.key) return false;
  if (query.text !== undefined) {
    const needle = query.text.toLowerCase();
    const hay = [m.key ?? '', typeof m.value === 'string' ? m.value : JSON.stringify(m.value), ...Object.values(m.headers)];
    if (!hay.some((s) => s.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/** Reads a topic as the query asks; see `BrowseQuery`. The topic must exist. */
export async function browseMessages(
  transport: Pick<Transport, 'read' | 'endOffsets'>,
  query: BrowseQuery,
  wire?: WireFormat,
): Promise<BrowseResult> {
  const ends = await transport.endOffsets(query.topic);
  const partitions = [...ends]
    .filter(([p]) => query.partition === undefined || p === query.partition)
    .map(([partition, end]) => ({ partition, end }))
    .sort((a, b) => a.partition - b.partition);
  const limit = Math.max(1, Math.min(query.limit, BROWSE_LIMIT_MAX));
  let budget = SCAN_BUDGET;
  let truncated = false;
  const found: BrowsedMessage[] = [];

  /**
   * Reads [lo, hi) of a partition in chunks, from the top down or the bottom up, until `want`
   * match; `next` is where an upward scan got to (after the last message it kept or read).
   */
  const scan = async (partition: number, lo: number, hi: number, downwards: boolean, want: number) => {
    const hits: BrowsedMessage[] = [];
    let low = lo;
    let high = hi;
    while (low < high && hits.length < want) {
      if (budget <= 0) {
        truncated = true;
        break;
      }
      const size = Math.min(CHUNK, high - low, budget);
      const start = downwards ? high - size : low;
      const read = (await transport.read(query.topic, partition, start, size)).filter((m) => m.offset >= start && m.offset < high);
      budget -= Math.max(1, read.length);
      const decoded = await Promise.all(read.map((m) => browsed(m, wire)));
      const kept = decoded.filter((m) => matches(m, query));
      if (downwards) {
        hits.push(...kept.reverse());
        high = start;
      } else {
        hits.push(...kept);
        // a read that returned nothing of the range (gaps: transaction markers) ends it
        low = read.length > 0 ? (read.at(-1)?.offset ?? start) + 1 : start + size;
      }
    }
    const taken = hits.slice(0, want);
    const next = hits.length > want ? (taken.at(-1)?.offset ?? lo) + 1 : low;
    return { hits: taken, next };
  };

  const cursor: Record<string, number> = {};
  for (const { partition, end } of partitions) {
    if (query.since) {
      const { hits, next } = await scan(partition, query.since.get(partition) ?? end, end, false, limit);
      found.push(...hits);
      cursor[String(partition)] = next;
    } else {
      const lo = Math.max(0, query.from ?? 0);
      const hi = Math.min(end, query.to ?? end);
      found.push(...(await scan(partition, lo, hi, query.newestFirst, limit)).hits);
      cursor[String(partition)] = end;
    }
  }
  const newestFirst = query.since ? false : query.newestFirst;
  found.sort(
    (a, b) =>
      (newestFirst ? b.timestamp - a.timestamp || b.offset - a.offset : a.timestamp - b.timestamp || a.offset - b.offset) ||
      a.partition - b.partition,
  );
  const messages = found.slice(0, limit);
  if (query.since) {
    // a tail cut at the limit goes on from the last message it returned of each partition
    for (const dropped of found.slice(limit)) {
      const last = messages.filter((m) => m.partition === dropped.partition).at(-1);
      cursor[String(dropped.partition)] = last ? last.offset + 1 : (query.since.get(dropped.partition) ?? 0);
    }
  }
  return { topic: query.topic, partitions, messages, scanned: SCAN_BUDGET - budget, truncated, cursor };
}

/** `"0:12,1:40"` ⇄ partition → offset: the live tail's cursor in a query string. */
export function parseCursor(text: string): Map<number, number> | undefined {
  const out = new Map<number, number>();
  for (const part of text.split(',').filter(Boolean)) {
    const m = /^(\d+):(\d+)$/.exec(part.trim());
    if (!m) return undefined;
    out.set(Number(m[1]), Number(m[2]));
  }
  return out;
}

export function formatCursor(cursor: Record<string, number>): string {
  return Object.entries(cursor)
    .map(([p, o]) => `${p}:${o}`)
    .join(',');
}
