import type { StatusChanged } from './messages.ts';

/**
 * The value the status actor writes to the status topic (`pizza-status`, the newer original's
 * `PIZZA_STATUS`). Two generations of readers exist: the first original's status service read
 * the ksqlDB output, whose JSON upper-cases column names (`STATUS`, `TIMESTAMP`, and it falls back
 * to 410 "unknown" without them); our readers and the newer original read lower-case `status`,
 * `timestamp`. The JSON value carries both field sets with the same numbers, so either kind of
 * reader works unchanged. In Avro the schema is the newer original's (`schemas/pizza-status.avsc`,
 * lower-case only): the upper-case copies are not part of it and are not written.
 *
 * @example
 * statusValue(999, 1_700_000_000_000);
 * // { status: 999, timestamp: 1700000000000, STATUS: 999, TIMESTAMP: 1700000000000 }
 */
export interface StatusValue extends StatusChanged {
  STATUS: number;
  TIMESTAMP: number;
}

export function statusValue(status: number, timestamp: number): StatusValue {
  return { status, timestamp, STATUS: status, TIMESTAMP: timestamp };
}
