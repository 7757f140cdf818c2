import { type logCreator, logLevel } from 'kafkajs';
import type { Logger } from '../../log/logger.ts';

/** How much of kafkajs's own logging to keep. */
export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export const KAFKAJS_LEVEL: Record<KafkaLogLevel, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/**
 * Routes kafkajs's log lines into the shop's logger (as the `kafka` actor) instead of kafkajs's
 * own JSON on stdout. kafkajs filters by level before calling this.
 */
export function kafkaJsLogCreator(logger: Logger): logCreator {
  const kafka = logger.child('kafka');
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, ...fields } = log;
      const text = `${namespace}: ${message}`;
      if (level === logLevel.ERROR) kafka.error(text, fields);
      else if (level === logLevel.WARN) kafka.warn(text, fields);
      else if (level === logLevel.INFO) kafka.info(text, fields);
      else kafka.debug(text, fields);
    };
}
