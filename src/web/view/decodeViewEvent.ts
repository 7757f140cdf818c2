import type { ShopConfig } from '../../config/shopConfig.ts';
import { CATALOGUE } from '../../events/catalogue.ts';
import { malformed, parseOrderId, parsePizzaAssembled, parsePizzaOrdered, parseStatusChanged } from '../../events/messages.ts';
import type { LogLevel } from '../../log/logger.ts';
import { type ActorTopology, producerOf } from '../../topology.ts';
import type { DeliveredMessage } from '../../transport/transport.ts';
import type { LabViewEvent } from './labView.ts';
import type { LogPosition, Stage, ViewEvent } from './viewEvent.ts';

const LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error'];

/**
 * Turns one message of any topic the web reads into a ViewEvent, at the edge: a value that does
 * not fit the wire format throws MALFORMED_MESSAGE; a message the view has no use for (a log line
 * about no order) gives null.
 *
 * @example
 * const decode = viewEventDecoder(config, shopTopology(config));
 * decode(message); // { type: 'StatusChanged', orderId: '1a2b3c4d', status: 200, … }
 */
export function viewEventDecoder(
  config: Pick<ShopConfig, 'topics'>,
  topology: ActorTopology[],
): (message: DeliveredMessage) => ViewEvent | LabViewEvent | null {
  const t = config.topics;
  const stages = new Map<string, Exclude<Stage, 'ordered'>>([
    [t.pizzaAssembled, 'assembled'],
    [t.pizzaBaked, 'baked'],
    [t.pizzaDelivered, 'delivered'],
    [t.pizzaPending, 'pending'],
    [t.pizzaCancelled, 'cancelled'],
  ]);
  return (message) => {
    const source: LogPosition = {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      timestamp: message.timestamp,
      actor: producerOf(topology, message.topic) ?? 'unknown',
    };
    if (message.topic === t.logs) return decodeLogLine(message, source);
    const lab = decodeLabMessage(t, message);
    if (lab !== undefined) return lab;
    const orderId = parseOrderId(message.key);
    if (message.topic === t.stationWork) {
      const v = CATALOGUE.stationWork.codec.decode(message.value);
      return { type: 'WorkReported', orderId, at: v.timestamp, station: v.station, work: v.work, source: { ...source, actor: v.station } };
    }
    if (message.topic === t.pizzaOrdered) {
      const v = parsePizzaOrdered(message.value);
      return { type: 'OrderPlaced', orderId, at: v.timestamp, status: v.status, order: v.order, source };
    }
    if (message.topic === t.pizzaPriced) {
      const price = CATALOGUE.pizzaPriced.codec.decode(message.value);
      return { type: 'OrderPriced', orderId, at: price.timestamp, price, source };
    }
    if (message.topic === t.pizzaStatus) {
      const v = parseStatusChanged(message.value);
      return { type: 'StatusChanged', orderId, at: v.timestamp, status: v.status, source };
    }
    const stage = stages.get(message.topic);
    if (!stage) return null;
    if (stage === 'assembled') {
      const v = parsePizzaAssembled(message.value);
      return { type: 'StageReached', orderId, at: v.timestamp, status: v.status, stage, bakingTime: v.baking_time, source };
    }
    const v = parseStatusChanged(message.value);
    return { type: 'StageReached', orderId, at: v.timestamp, status: v.status, stage, source };
  };
}

/** The lab's topics (keyed by product or customer, not by order); undefined for any other topic. */
function decodeLabMessage(t: ShopConfig['topics'], message: DeliveredMessage): LabViewEvent | undefined {
  const product = () => {
    if (message.key === null || message.key.length === 0) throw malformed('a product message needs its product id as key');
    return message.key;
  };
  if (message.topic === t.inventory) {
    const productId = product();
    return {
      type: 'InventoryChanged',
      productId,
      row: message.value.length === 0 ? null : CATALOGUE.inventory.codec.decode(message.value),
    };
  }
  if (message.topic === t.productTxnPerHour)
    return { type: 'WindowCounted', productId: product(), window: CATALOGUE.productTxnPerHour.codec.decode(message.value) };
  if (message.topic === t.promotions)
    return { type: 'Promoted', productId: product(), promotion: CATALOGUE.promotions.codec.decode(message.value) };
  if (message.topic === t.clicks) return { type: 'ClickRecorded', click: CATALOGUE.clicks.codec.decode(message.value) };
  return undefined;
}

function decodeLogLine(message: DeliveredMessage, source: LogPosition): ViewEvent | null {
  let line: unknown;
  try {
    line = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(message.value));
  } catch {
    throw malformed('log line is not JSON');
  }
  if (line === null || typeof line !== 'object' || Array.isArray(line)) throw malformed('log line is not a JSON object');
  const { at, level, actor, msg, orderId, ...fields } = line as Record<string, unknown>;
  if (
    typeof at !== 'number' ||
    typeof actor !== 'string' ||
    typeof msg !== 'string' ||
    typeof level !== 'string' ||
    !LEVELS.includes(level)
  ) {
    throw malformed('log line needs at, level, actor and msg');
  }
  const id = typeof orderId === 'string' ? orderId : message.key;
  if (id === null || !/^[0-9a-f]{8}$/.test(id)) return null;
  return { type: 'LineLogged', orderId: id, at, level: level as LogLevel, actor, msg, fields, source: { ...source, actor } };
}
