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
  sinks?: LogSink[];
}

export function createLogger(options: LoggerOptions): Logger {
  const clock = options.clock ?? systemClock;
  const envLevel = process.env.LOG_LEVEL as LogLevel | undefined;
  const level = options.level ?? (envLevel && envLevel in RANK ? envLevel : 'info');
  const format = options.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const sinks = options.sinks ?? [];

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
      out.write(format === 'json' ? `${JSON.stringify(line)}\n` : `${pretty(line)}\n`);
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

function pretty(line: LogLine): string {
  const { at, level, actor, msg, ...rest } = line;
  const time = new Date(at).toISOString().slice(11, 23);
  const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
  return `${time} ${level.toUpperCase().padEnd(5)} ${actor}: ${msg}${extra}`;
}
