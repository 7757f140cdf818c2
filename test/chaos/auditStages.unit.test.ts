import { describe, expect, it } from 'vitest';
import { auditStages, type StageMessage } from '../../scripts/chaos/auditStages.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';

const config = loadConfig('config_sys/default.ini');
const t = config.topics;
const ids = config.status.ids;
let offset = 0;
const msg = (topic: string, key: string, status: number): StageMessage => ({
  topic,
  partition: 0,
  offset: offset++,
  key,
  value: JSON.stringify({ status, timestamp: 1 }),
});
/** The messages of an order that went through every stage once. */
const happy = (id: string): StageMessage[] => [
  msg(t.pizzaOrdered, id, ids.order_placed),
  msg(t.pizzaStatus, id, ids.order_placed),
  msg(t.pizzaAssembled, id, ids.pizza_assembled),
  msg(t.pizzaStatus, id, ids.pizza_assembled),
  msg(t.pizzaBaked, id, ids.pizza_baked),
  msg(t.pizzaStatus, id, ids.pizza_baked),
  msg(t.pizzaDelivered, id, ids.delivered),
  msg(t.pizzaStatus, id, ids.delivered),
];

describe('auditStages', () => {
  it('counts a clean run: everything accepted delivered, nothing lost or duplicated', () => {
    const audit = auditStages(config, [...happy('aaaaaaaa'), ...happy('bbbbbbbb')], ['aaaaaaaa', 'bbbbbbbb']);
    expect(audit).toMatchObject({ accepted: 2, delivered: 2, cancelled: 0, lost: [], duplicates: [], notOnLog: [], unknownToClient: [] });
    expect(audit.finalStatus).toEqual([{ status: ids.delivered, label: `delivered (${ids.delivered})`, orders: 2 }]);
  });

  it('an accepted order never delivered is lost, a cancelled one is not; one the client got 201 for but never on the log is lost too', () => {
    const stalled = happy('cccccccc').slice(0, 5);
    const cancelled = [
      msg(t.pizzaOrdered, 'dddddddd', ids.order_placed),
      msg(t.pizzaCancelled, 'dddddddd', ids.cancelled),
      msg(t.pizzaStatus, 'dddddddd', ids.cancelled),
    ];
    const audit = auditStages(config, [...stalled, ...cancelled], ['cccccccc', 'dddddddd', 'eeeeeeee']);
    expect(audit.accepted).toBe(3);
    expect(audit.cancelled).toBe(1);
    expect(audit.lost.sort()).toEqual(['cccccccc', 'eeeeeeee']);
    expect(audit.notOnLog).toEqual(['eeeeeeee']);
    const finals = Object.fromEntries(audit.finalStatus.map((s) => [s.label, s.orders]));
    expect(finals).toEqual({
      [`pizza_assembled (${ids.pizza_assembled})`]: 1,
      [`cancelled (${ids.cancelled})`]: 1,
      'no status published': 1,
    });
  });

  it('a second message per order on a stage topic is a duplicate; on pizza-status only a status repeated back to back is', () => {
    const twiceBaked = [...happy('ffffffff'), msg(t.pizzaBaked, 'ffffffff', ids.pizza_baked)];
    // stuck and back is two changes, not a duplicate; delivered twice in a row is
    const stuckAndBack = [...happy('12345678'), msg(t.pizzaStatus, '12345678', ids.stuck), msg(t.pizzaStatus, '12345678', ids.delivered)];
    const twiceDelivered = [...happy('9abcdef0'), msg(t.pizzaStatus, '9abcdef0', ids.delivered)];
    const audit = auditStages(config, [...twiceBaked, ...stuckAndBack, ...twiceDelivered], ['ffffffff', '12345678', '9abcdef0']);
    expect(audit.lost).toEqual([]);
    expect(audit.duplicates).toEqual([
      { topic: t.pizzaBaked, orders: 1, extra: 1, examples: ['ffffffff'] },
      { topic: t.pizzaStatus, orders: 1, extra: 1, examples: ['9abcdef0'] },
    ]);
  });

  it('an order on pizza-ordered the client never learnt (a retried placement) is accepted and audited like the rest', () => {
    const audit = auditStages(config, [...happy('aaaaaaaa'), ...happy('bbbbbbbb').slice(0, 1)], ['aaaaaaaa']);
    expect(audit.unknownToClient).toEqual(['bbbbbbbb']);
    expect(audit.accepted).toBe(2);
    expect(audit.lost).toEqual(['bbbbbbbb']);
  });
});
