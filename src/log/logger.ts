import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';

/**
 * Structured log lines. Every line names the actor that wrote it and, when it is about an order,
 * carries `orderId`, so the web can show one order's lines from every actor. Lines go to the
 * console (one JSON object per line, or a readable form for people) and to any extra sinks — the
 * actor runtime adds one that publishes lines to the logs topic, so they cross processes the same
 * way events do.
 *
 * @example
 * const log = createLogger({ actor: 'bake' });
 * log.info('pizza in the oven', { orderId: '1a2b3c4d', bakingTime: 9 });
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogLine {
  at: number;
  level: LogLevel;
  actor: string;
  msg: string;
  orderId?: string;
  [field: string]: unknown;
}

export type LogSink = (line: LogLine) => void;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger for another actor (or a sub-part) sharing the same sinks. */
  child(actor: string): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  actor: string;
  clock?: Clock;
  /** lowest level written to the console; default info (LOG_LEVEL env overrides) */
  level?: LogLevel;
  /** 'json' (default when not a terminal), 'pretty', or 'silent' */
  format?: 'json' | 'pretty' | 'silent';
  /** colour the pretty lines (default: on a terminal, unless NO_COLOR is set; FORCE_COLOR forces it) */
  color?: boolean;
  sinks?: LogSink[];
}

/** Whether people read stdout in colour: a terminal without NO_COLOR, or FORCE_COLOR (https://no-color.org). */
export function colorWanted(stream: { isTTY?: boolean } = process.stdout): boolean {
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  if (process.env.NO_COLOR) return false;
  return stream.isTTY === true;
}

export function createLogger(options: LoggerOptions): Logger {
  const clock = options.clock ?? systemClock;
  const envLevel = process.env.LOG_LEVEL as LogLevel | undefined;
  const level = options.level ?? (envLevel && envLevel in RANK ? envLevel : 'info');
  const format = options.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const sinks = options.sinks ?? [];
  const color = options.color ?? colorWanted();

  const make = (actor: string): Logger => {
    const write = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
      const line: LogLine = { at: clock.now(), level: lvl, actor, msg, ...fields };
      for (const sink of sinks) {
        try {
          sink(line);
        } catch {
          // a failing sink must never break the actor that logs
        }
      }
      if (format === 'silent' || RANK[lvl] < RANK[level]) return;
      const out = lvl === 'error' || lvl === 'warn' ? process.stderr : process.stdout;
      out.write(format === 'json' ? `${JSON.stringify(line)}\n` : `${prettyLine(line, { color })}\n`);
    };
    return {
      debug: (m, f) => write('debug', m, f),
      info: (m, f) => write('info', m, f),
      warn: (m, f) => write('warn', m, f),
      error: (m, f) => write('error', m, f),
      child: (name) => make(name),
    };
  };
  return make(options.actor);
}

const ESC = '\u001b[';
const paint = (on: boolean, code: string, text: string) => (on ? `${ESC}${code}m${text}${ESC}0m` : text);
const LEVEL_COLOR: Record<LogLevel, string> = { debug: '90', info: '32', warn: '33', error: '1;31' };
/** one colour per actor, the same in every process (by name) */
const ACTOR_COLORS = ['36', '35', '34', '33', '32', '96', '95', '94'];
function actorColor(actor: string): string {
  let h = 0;
  for (let i = 0; i < actor.length; i++) h = (h * 31 + actor.charCodeAt(i)) >>> 0;
  return ACTOR_COLORS[h % ACTOR_COLORS.length] ?? '36';
}
const ACTOR_WIDTH = 10;

/**
 * A log line for people: `12:03:04.120 INFO  bake       pizza in the oven  order 1a2b3c4d  bakingTime=9`
 * — time, level, actor, message, then the order id and the other fields as `key=value`, with
 * colours on a terminal (`color`).
 */
export function prettyLine(line: LogLine, options: { color: boolean }): string {
  const { at, level, actor, msg, orderId, ...rest } = line;
  const c = options.color;
  const time = paint(c, '2', new Date(at).toISOString().slice(11, 23));
  const lvl = paint(c, LEVEL_COLOR[level], level.toUpperCase().padEnd(5));
  const who = paint(c, actorColor(actor), actor.padEnd(ACTOR_WIDTH));
  const text = level === 'error' ? paint(c, '31', msg) : level === 'warn' ? paint(c, '33', msg) : msg;
  const order = orderId === undefined ? '' : `  ${paint(c, '1;35', `order ${String(orderId)}`)}`;
  const fields = Object.entries(rest)
    .map(([k, v]) => paint(c, '2', `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`))
    .join(' ');
  return `${time} ${lvl} ${who} ${text}${order}${fields ? `  ${fields}` : ''}`;
}
