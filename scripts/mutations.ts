/**
 * The mutation check's fixed list (`bun run test:mutate`, scripts/mutate.ts): one-line bugs that
 * must each make the named tests fail. Each entry says where the bug goes (file and the exact text
 * it replaces, which must occur exactly once), which test files must catch it, and what it breaks,
 * so an entry whose code moved can be re-aimed from the entry alone. An original text that is no
 * longer in its file fails the check: the list cannot rot silently when code moves.
 *
 * Issue 13's planted bugs come first (all but `bun run load`'s exit code, whose test belongs to
 * src/load/runLoad.ts's owner); then bugs in behaviour the README promises.
 */
export interface Mutation {
  /** short name, printed with the result */
  id: string;
  /** repository-relative path of the file to mutate */
  file: string;
  /** exact text in `file` (must occur exactly once) */
  original: string;
  replacement: string;
  /** test files that must fail with the bug in place (run under Bun) */
  tests: string[];
  /** the behaviour the bug breaks */
  why: string;
}

export const MUTATIONS: Mutation[] = [
  {
    id: 'live-innerHTML',
    file: 'public/live.js',
    original: 'if (text !== undefined && text !== null) e.textContent = String(text);',
    replacement: 'if (text !== undefined && text !== null) e.innerHTML = String(text);',
    tests: ['test/browser/liveEscaping.browser.test.ts'],
    why: 'live updates (SSE, rendered by public/live.js) would render log lines and other pushed text as HTML: XSS',
  },
  {
    id: 'dead-letter-offset',
    file: 'src/runtime/middleware/deadLetter.ts',
    original: '[DEAD_LETTER_HEADERS.offset]: String(message.offset),',
    replacement: '[DEAD_LETTER_HEADERS.offset]: String(message.partition),',
    tests: ['test/shop/deadLetter.test.ts', 'test/shop/poisonAndCancel.test.ts'],
    why: "a dead letter's dlq.source.offset header would not point at the message it holds",
  },
  {
    id: 'dead-letter-no-commit',
    file: 'src/runtime/host/createActorHost.ts',
    original: '          if (p.offsets.size > 0) {',
    replacement: '          if (false) {',
    tests: ['test/shop/deadLetter.test.ts', 'test/runtime/actorHost.test.ts'],
    why: "a batch's offsets would not be committed with its outputs: every restart replays the partition, dead-letters its poison messages again and repeats outputs",
  },
  {
    id: 'second-signal-ignored',
    file: 'src/cli.ts',
    original: '        process.exit(130);',
    replacement: '        return;',
    tests: ['test/cliProcess.test.ts'],
    why: 'README: a second SIGINT/SIGTERM during the graceful shutdown exits at once',
  },
  {
    id: 'listen-all-interfaces',
    file: 'src/web/createWebActor.ts',
    original: 'app.listen({ port, hostname, reusePort: false, maxRequestBodySize: 1024 ** 3 });',
    replacement: "app.listen({ port, hostname: '0.0.0.0', reusePort: false, maxRequestBodySize: 1024 ** 3 });",
    tests: ['test/cliProcess.test.ts'],
    why: 'README: the web listens on 127.0.0.1 only (the bug binds every interface but still prints 127.0.0.1)',
  },
  {
    id: 'session-a-year',
    file: 'src/web/session/sessionCookie.ts',
    original: 'export const SESSION_MAX_AGE_MS = 24 * 60 * 60 * 1000;',
    replacement: 'export const SESSION_MAX_AGE_MS = 365 * 24 * 60 * 60 * 1000;',
    tests: ['test/web/sessionExpiry.test.ts'],
    why: 'README: sessions expire after a day (the production default, not a max age a test passes in)',
  },
  {
    id: 'status-retention-off',
    file: 'src/actors/statusSpec.ts',
    original: 'retentionMs: config.ordersStore.retentionHours * 3_600_000,',
    replacement: 'retentionMs: undefined,',
    tests: ['test/shop/statusRetention.test.ts'],
    why: '[state-store-orders] retention_hours: the status actor would never forget old orders (state and orders store)',
  },
  // ---- beyond the list ----
  {
    id: 'web-retention-off',
    file: 'src/web/createWebActor.ts',
    original: 'const removed = store.purgeOlderThan(clock.now() - config.ordersStore.retentionHours * 3_600_000);',
    replacement: 'const removed = 0;',
    tests: ['test/web/viewRetention.test.ts'],
    why: "retention_hours: the web view (the API's orders) would keep every order for ever",
  },
  {
    id: 'session-signature-unchecked',
    file: 'src/web/session/sessionCookie.ts',
    original: 'if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;',
    replacement: 'if (given.length !== expected.length) return undefined;',
    tests: ['test/web/session.unit.test.ts', 'test/web/webApp.test.ts'],
    why: 'a session cookie signed with any other secret (a forged one) would be accepted',
  },
  {
    id: 'other-customers-order',
    file: 'src/web/orderCommands.ts',
    original: 'if (!order || order.customerId !== session.customerId) throw orderNotFound(orderId);',
    replacement: 'if (!order) throw orderNotFound(orderId);',
    tests: ['test/web/webApp.test.ts'],
    why: "a customer could see and cancel another customer's order by its id",
  },
  {
    id: 'partition-latin1',
    file: 'src/transport/partitioner.ts',
    original: "Buffer.from(key, 'utf8')",
    replacement: "Buffer.from(key, 'latin1')",
    tests: ['test/transport/partitioner.unit.test.ts'],
    why: "non-ASCII keys would land on other partitions than Kafka's Java client and librdkafka pick (per-order ordering across clients)",
  },
  {
    id: 'state-not-restored',
    file: 'src/runtime/host/createActorHost.ts',
    original: '      const restored = await restore(partition);',
    replacement: '      const restored = 0;',
    tests: ['test/runtime/actorHost.test.ts', 'test/shop/restart.store.test.ts'],
    why: 'state follows its partition: a restarted or new owner would start from nothing (a pizza in the oven lost, counts restarted)',
  },
  {
    id: 'changelog-outside-transaction',
    file: 'src/runtime/host/createActorHost.ts',
    original: '          if (p.rows.size > 0) {',
    replacement: '          if (false) {',
    tests: ['test/runtime/actorHost.test.ts', 'test/shop/restart.store.test.ts'],
    why: "state follows its partition: state rows not written to the changelog in the batch's transaction would be lost to the next owner and to a restart",
  },
  {
    id: 'cancel-after-baked',
    file: 'machines/order.machine.ts',
    original: 'cancellable: ({ context }) => context.progress < BAKED,',
    replacement: 'cancellable: ({ context }) => context.progress <= BAKED,',
    tests: ['test/machines/order.machine.unit.test.ts', 'test/shop/poisonAndCancel.test.ts'],
    why: 'README: a cancel is accepted only before the pizza is baked; a baked pizza is delivered anyway',
  },
  {
    id: 'station-redoes-finished',
    file: 'machines/station.ts',
    original: "    if (this.isFinished(orderId)) this.ignore(orderId, 'already-finished');",
    replacement: "    if (false) this.ignore(orderId, 'already-finished');",
    tests: [
      'test/machines/assemble.machine.unit.test.ts',
      'test/machines/bake.machine.unit.test.ts',
      'test/machines/delivery.machine.unit.test.ts',
    ],
    why: 'dedupe: an input delivered again after its work finished (a restart, a rebalance) would be worked again and its output produced twice',
  },
  {
    id: 'lab-window-closes-late',
    file: 'src/lab/hoppingWindow.ts',
    original: 'closed: (start, streamTime) => start + sizeMs + graceMs <= streamTime,',
    replacement: 'closed: (start, streamTime) => start + sizeMs + graceMs < streamTime,',
    tests: ['test/lab/processor.test.ts'],
    why: 'a window would still take a transaction when stream time has reached its end plus the grace period',
  },
  {
    id: 'lab-join-forgets-max',
    file: 'src/lab/processorSpec.ts',
    original: 'agg.maxAvailable = max(agg.maxAvailable, i?.available);',
    replacement: 'agg.maxAvailable = i?.available ?? agg.maxAvailable;',
    tests: ['test/lab/processor.test.ts'],
    why: 'stock_level would be the latest joined row, not MAX(available) / MAX(capacity) over the window',
  },
  {
    id: 'lab-sink-ignores-its-offsets',
    file: 'src/lab/analyticsSink.ts',
    original: 'position: (topic, partition) => positions.get<{ next: number }>(topic, partition)?.next,',
    replacement: 'position: () => undefined,',
    tests: ['test/lab/analyticsSink.test.ts'],
    why: 'the analytics sink would apply again what its database already holds when its group has no offsets',
  },
  {
    id: 'lab-source-forgets-position',
    file: 'src/lab/inventory.ts',
    original: 'for (const m of messages) position = (JSON.parse(new TextDecoder().decode(m.value)) as { seq: number }).seq;',
    replacement: 'for (const _m of messages) position = 0;',
    tests: ['test/lab/labShop.test.ts'],
    why: 'the inventory source would publish every row again after a restart',
  },
  {
    id: 'quote-not-honoured',
    file: 'src/web/pricing.ts',
    original: 'const p = q && q.price < nowPrice.price ? q : nowPrice;',
    replacement: 'const p = nowPrice;',
    tests: ['test/lab/labWeb.test.ts'],
    why: "README: an order placed with the menu's quote pays the quoted price after the promotion ended",
  },
  {
    id: 'quote-unsigned',
    file: 'src/web/pricing.ts',
    original: 'if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw',
    replacement: 'if (false) throw',
    tests: ['test/lab/labWeb.test.ts'],
    why: 'a customer could write their own prices into the quote',
  },
  {
    id: 'lab-view-window-regresses',
    file: 'src/web/view/labView.ts',
    original: 'if (known && known.txn_per_hour > w.txn_per_hour) return current;',
    replacement: 'if (false) return current;',
    tests: ['test/web/labView.unit.test.ts'],
    why: 'a promotion row arriving after the window update that ended it would promote the product again',
  },
  {
    id: 'pause-ignored',
    file: 'src/runtime/host/createActorHost.ts',
    original: 'const full = held || (logic.full?.() ?? false);',
    replacement: 'const full = logic.full?.() ?? false;',
    tests: ['test/console/faults.test.ts'],
    why: "the console's 'pause station' would hold nothing: the station keeps taking new work",
  },
  {
    id: 'presence-no-partitions',
    file: 'src/app/startShop.ts',
    original: 'onPartitions: (ps, rebalancing) => presence.assigned(name, ps, rebalancing),',
    replacement: 'onPartitions: (_ps, rebalancing) => presence.assigned(name, [], rebalancing),',
    tests: ['test/console/faults.test.ts'],
    why: 'the process map would not show which partitions an actor instance owns after a rebalance',
  },
  {
    id: 'clock-pause-still-fires',
    file: 'src/runtime/shopClock.ts',
    original: 'if (state.paused || state.rate <= 0) return;',
    replacement: 'if (state.rate <= 0) return;',
    tests: ['test/runtime/shopClock.unit.test.ts'],
    why: 'a paused shop clock would still arm its timers on the wall clock (they wake to find shop time stood still, and wait again)',
  },
  {
    id: 'clock-step-fires-nothing',
    file: 'src/runtime/shopClock.ts',
    original: 'for (const t of timers.values()) if (t.at <= current &&',
    replacement: 'for (const t of timers.values()) if (t.at < Number.NEGATIVE_INFINITY &&',
    tests: ['test/runtime/shopClock.unit.test.ts', 'test/shop/clockControl.test.ts'],
    why: 'a step of a paused clock would move shop time without finishing what falls due',
  },
  {
    id: 'control-skips-history',
    file: 'src/control/controlChannel.ts',
    original: 'replayUntil = (await transport.endOffsets(topic)).get(0) ?? 0;',
    replacement: 'replayUntil = 0;',
    tests: ['test/runtime/controlChannel.test.ts'],
    why: 'a process would start its actors before it read the clock commands issued before it started (a paused shop would start running)',
  },
  {
    id: 'kafka-timestamps-unbounded',
    file: 'src/transport/kafka/kafkaMessages.ts',
    original: 'Math.min(timestamp, clock.now() + MAX_TIMESTAMP_LEAD_MS)',
    replacement: 'timestamp',
    tests: ['test/kafka/recordTimestamps.test.ts'],
    why: 'a shop clock sped up or stepped over an hour ahead of real time would stamp records Kafka 4 refuses: the actors would crash',
  },
  {
    id: 'session-born-in-shop-time',
    file: 'src/web/plugins/sessionPlugin.tsx',
    original: 'since: ctx.wallClock.now()',
    replacement: 'since: ctx.clock.now()',
    tests: ['test/web/clockControl.test.ts'],
    why: 'a login after a long pause of the shop clock would be born expired (its start in shop time, its expiry in wall time)',
  },
  {
    id: 'timestamp-order-never-waits',
    file: 'src/runtime/host/partitionGroup.ts',
    original: 'if (now >= q.deadline) continue;',
    replacement: 'continue;',
    tests: ['test/lab/timestampOrder.test.ts', 'test/runtime/partitionGroup.unit.test.ts'],
    why: "the processor would join a transaction fetched before its product's earlier inventory row with nulls (no waiting for an input whose end was not reached)",
  },
  {
    id: 'timestamp-order-tie',
    file: 'src/runtime/host/partitionGroup.ts',
    original: 'if (!bestRecord || r.message.timestamp < bestRecord.message.timestamp) {',
    replacement: 'if (!bestRecord || r.message.timestamp <= bestRecord.message.timestamp) {',
    tests: ['test/runtime/partitionGroup.unit.test.ts'],
    why: 'on equal timestamps a transaction would be joined before the inventory row stamped with the same time',
  },
];
