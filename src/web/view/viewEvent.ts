import type { OrderDetails } from '../../events/messages.ts';
import type { PizzaPriced } from '../../lab/labMessages.ts';
import type { LogLevel } from '../../log/logger.ts';

/** Where a message sits in the log, and which actor wrote it (from the topology). */
export interface LogPosition {
  topic: string;
  partition: number;
  offset: number;
  /** the message's timestamp (ms since epoch) */
  timestamp: number;
  /** the actor that writes this topic, or 'unknown' */
  actor: string;
}

/** The kitchen stages an order passes, named after the topic that records them. */
export type Stage = 'ordered' | 'assembled' | 'baked' | 'delivered' | 'pending' | 'cancelled';

/**
 * What the web's query side learns from the log, one event per message (decoded at the edge by
 * `decodeViewEvent`). Past tense: each records something that happened.
 */
export type ViewEvent =
  /** `pizza-ordered`: a customer placed an order (from this or another web instance) */
  | { type: 'OrderPlaced'; orderId: string; at: number; status: number; order: OrderDetails; source: LogPosition }
  /** `pizza-priced`: the web priced the order as it was placed (promotions applied) */
  | { type: 'OrderPriced'; orderId: string; at: number; price: PizzaPriced; source: LogPosition }
  /** `pizza-status`: the status actor decided the order's status */
  | { type: 'StatusChanged'; orderId: string; at: number; status: number; source: LogPosition }
  /** a stage topic: a station (or the web, for `cancelled`) recorded progress */
  | {
      type: 'StageReached';
      orderId: string;
      at: number;
      status: number;
      stage: Exclude<Stage, 'ordered'>;
      bakingTime?: number;
      source: LogPosition;
    }
  /** `station-work`: a station queued, started, finished or dropped the order's pizza */
  | {
      type: 'WorkReported';
      orderId: string;
      at: number;
      station: 'assemble' | 'bake' | 'delivery';
      work: 'queued' | 'started' | 'finished' | 'dropped';
      source: LogPosition;
    }
  /** the logs topic: a log line of some actor about an order */
  | {
      type: 'LineLogged';
      orderId: string;
      at: number;
      level: LogLevel;
      actor: string;
      msg: string;
      fields: Record<string, unknown>;
      source: LogPosition;
    };
