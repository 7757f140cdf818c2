import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OrderContext, type StationContext, type StationName, stationLoad } from '../../machines/index.ts';
import { stationSpec } from '../actors/stationSpec.ts';
import { statusSpec } from '../actors/statusSpec.ts';
import { type Clock, flushPromises, scaledMs, systemClock } from '../clock.ts';
import { type AnalyticsDb, analyticsSinkSpec, openAnalyticsDb } from '../lab/analyticsSink.ts';
import { hoppingWindow } from '../lab/hoppingWindow.ts';
import {
  type InventoryDb,
  openInventoryDb,
  restockSchedule,
  sourceOffsetsTopic,
  startInventorySource,
  stockSpec,
} from '../lab/inventory.ts';
import { processorSpec } from '../lab/processorSpec.ts';
import { transactionsSpec } from '../lab/transactionsSpec.ts';
import type { KafkaClientConfig } from '../config/loadKafkaConfig.ts';
import { ACTOR_NAMES, type ActorName, type ShopConfig } from '../config/shopConfig.ts';
import { createWireFormat, encodingProducer, type WireFormat } from '../events/wireFormat.ts';
import { createLogger, type Logger, type LoggerOptions } from '../log/logger.ts';
import { type ActorHost, type BatchingOptions, changelogTopic, createActorHost } from '../runtime/host/createActorHost.ts';
import type { KeyedEvent } from '../runtime/host/actorSpec.ts';
import { type CountingProducer, countingProducer } from '../runtime/countingProducer.ts';
import { createLogShipper } from '../runtime/logShipper.ts';
import { createPresence, type Presence } from '../runtime/presence.ts';
import { createOtlpExporter } from '../runtime/otlpExporter.ts';
import { createShopClock, type ShopClock } from '../runtime/shopClock.ts';
import { connectClock } from '../control/clockControl.ts';
import { type ControlChannel, createControlChannel } from '../control/controlChannel.ts';
import { createSupervisor, type RunningActor, type SupervisedActor, type Supervisor } from '../runtime/supervisor.ts';
import { openConfiguredStateStore, openStateStore } from '../store/createStateStore.ts';
import { type StateCache, stateCache } from '../runtime/host/stateCache.ts';
import type { StateStore } from '../store/stateStore.ts';
import { createEmbeddedLog } from '../transport/embeddedLog.ts';
import { createKafkaTransport, type KafkaLogLevel } from '../transport/kafkaTransport.ts';
import type { TopicSpec, Transport } from '../transport/transport.ts';

export interface StartShopOptions {
  config: ShopConfig;
  /** actors to run in this process (default all) */
  actors?: readonly ActorName[];
  /** a Kafka client configuration: run on Kafka instead of the embedded log */
  kafka?: KafkaClientConfig;
  /** run on this transport (tests); the shop does not close it */
  transport?: Transport;
  /** the wall clock (tests: a VirtualClock); the shop clock runs on it */
  clock?: Clock;
  /** default config.shop.speed */
  speed?: number;
  /** web port, 0 = any free port (default config.shop.webPort) */
  port?: number;
  /** false: build the web app but do not listen (tests call `shop.web.app.handle`) */
  listen?: boolean;
  /** default config.shop.dataDir */
  dataDir?: string;
  /** nothing on disk: in-memory log and stores */
  memory?: boolean;
  /** console format of the log lines (default: pretty on a terminal, else JSON) */
  logFormat?: LoggerOptions['format'];
  logger?: Logger;
  /** names this process's web instance (its own consumer group); default random */
  instanceId?: string;
  /** how actors cut what they read into transactions (default: commit after every batch) */
  batching?: Partial<BatchingOptions>;
  /** how values look on the wire (default: from `kafka`'s [schema-registry], else JSON) */
  wireFormat?: WireFormat;
  /** the presence heartbeat (wall clock; default 2 s) and clock (tests) */
  presence?: { heartbeatMs?: number; now?: () => number; heartbeat?: boolean };
}

/** A running shop (or the part of it this process hosts). */
export interface Shop {
  config: ShopConfig;
  transport: Transport;
  producer: CountingProducer;
  /** shop time: pausable, steppable, with a speed multiplier (the control topic's clock commands) */
  clock: ShopClock;
  wallClock: Clock;
  /** this process's control channel: every process applies the control topic's commands */
  control: ControlChannel;
  speed: number;
  logger: Logger;
  supervisor: Supervisor;
  /** the web front end's URL, when it listens */
  url?: string;
  web(): WebActor | undefined;
  /** the host of an actor running in this process */
  actor(name: Exclude<ActorName, 'web'>): ActorHost | undefined;
  /** the lab's databases as this process sees them (issue 11) */
  lab: ShopLab;
  /** how busy a station running here is (pizzas working and queued, capacity) */
  stationLoad(name: StationName): { working: number; queued: number; capacity: number } | undefined;
  /** messages this process wrote: plain sends (placements, log lines) and committed transactions (outputs, changelogs) */
  messagesWritten(): number;
  /** what the status actor here knows of an order (its machine's context), if it owns the order */
  order(orderId: string): OrderContext | undefined;
  /** what this process publishes on the presence topic (the console's process map) */
  presence: Presence;
  /** the controls the console's faults use on the actors of this process */
  controls: ShopControls;
  /**
   * Lets everything in flight finish: messages delivered, machine steps done, outputs produced.
   * With a VirtualClock this is the `settle` step between timers (`clock.advance(ms, shop.settle)`).
   */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * What the console's fault injection does to the actors of one process (issue 12). Each says
 * whether the actor runs here (false: nothing done).
 */
export interface ShopControls {
  /** actors running in this process */
  hosted(): string[];
  /** crashes an actor as a failure would; the supervisor restarts it with backoff */
  kill(actor: string, reason: string): boolean;
  /** stops an actor gracefully and starts it again */
  restart(actor: string): Promise<boolean>;
  /** holds (true) or releases a station's work topics; kept across its restarts */
  pause(station: string, paused: boolean): boolean;
  /** stations whose work is held */
  paused(): string[];
}

/**
 * The stream-processing lab's databases and controls, for tests (the web reads the lab from the log
 * and restocks over the control channel). Each database is open
 * only in the process whose actors use it: the inventory database where the inventory actor runs
 * (source, stock keeper, restock), the analytics database where the analytics sink runs.
 */
export interface ShopLab {
  /** open here when the analytics sink runs here */
  analytics?: AnalyticsDb;
  /** open here when the inventory actor runs here */
  inventory?: InventoryDb;
  /** runs the inventory source's poll now (when it runs here): how many rows it published */
  pollInventory(): Promise<number>;
}

/** The web front end as the shop hosts it (src/web/createWebActor.ts). */
export interface WebActor extends RunningActor {
  start(): Promise<void>;
  /** Serves HTTP on the port (0 = any free one); resolves with the URL. */
  listen(port: number): Promise<string>;
  idle(): Promise<void>;
}

/** This data directory's web instance id: the same after a restart, so its consumer group resumes. */
function persistentInstanceId(dataDir: string): string {
  const file = join(dataDir, 'instance-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{8}$/.test(id)) return id;
  } catch {
    // first start on this data directory
  }
  const id = randomBytes(4).toString('hex');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${id}\n`);
  return id;
}

const STATIONS: readonly StationName[] = ['assemble', 'bake', 'delivery'];

/**
 * Starts the shop's actors in this process on the configured transport: the embedded log (durable
 * in `<data>/log.db`, or in memory) unless a Kafka configuration is given. Topics are created from
 * the configuration first (DESIGN-NOTES 9), then the supervisor starts the actors.
 *
 * @example
 * const shop = await startShop({ config: loadConfig(), memory: true, speed: 10, port: 0 });
 * console.log(shop.url);
 * await shop.stop();
 */
export async function startShop(options: StartShopOptions): Promise<Shop> {
  const { config } = options;
  // the wall clock; the shop's behaviour runs on the shop clock made on it (src/runtime/shopClock.ts
  // says which user reads which)
  const clock = options.clock ?? systemClock;
  const shopClock = createShopClock(clock);
  const speed = options.speed ?? config.shop.speed;
  const memory = options.memory ?? false;
  const dataDir = options.dataDir ?? config.shop.dataDir;
  const actors = new Set(options.actors ?? ACTOR_NAMES);
  const webInstanceId = options.instanceId ?? (memory ? randomBytes(4).toString('hex') : persistentInstanceId(dataDir));

  const closers: (() => Promise<void> | void)[] = [];
  const stores: StateStore[] = [];
  let supervisor: Supervisor | undefined;
  const consoleLogger =
    options.logger ?? createLogger({ actor: 'shop', clock, ...(options.logFormat ? { format: options.logFormat } : {}) });

  let transport: Transport;
  if (options.transport) {
    transport = options.transport;
  } else if (options.kafka) {
    // kafkajs logs every retried request (leader moves, a topic just created) at error level;
    // the shop reports what actually fails itself. KAFKAJS_LOG_LEVEL=warn|info|debug shows them.
    const level = process.env.KAFKAJS_LOG_LEVEL as KafkaLogLevel | undefined;
    const kafka = createKafkaTransport({ kafka: options.kafka, clock, logger: consoleLogger.child('kafka'), logLevel: level ?? 'nothing' });
    transport = kafka;
    closers.push(() => transport.close());
  } else {
    transport = createEmbeddedLog({ ...(memory ? {} : { path: join(dataDir, 'log.db') }), clock });
    closers.push(() => transport.close());
  }
  const { whenIdle, brokerCount } = transport.capabilities;

  try {
    const partitions = options.kafka ? config.topicConfig.numPartitions : config.shop.localPartitions;
    let replicationFactor = options.kafka ? config.topicConfig.replicationFactor : 1;
    if (brokerCount) {
      // replication_factor = 3 suits a real cluster; a single local broker can only hold one copy.
      const brokers = await brokerCount.call(transport.capabilities);
      if (replicationFactor > brokers) {
        consoleLogger.warn(
          `[kafka-topic-config] replication_factor = ${replicationFactor} but the cluster has ${brokers} broker(s): new topics get ${brokers}`,
        );
        replicationFactor = brokers;
      }
    }
    const hosted = STATIONS.filter((s) => actors.has(s)).map((s) => config.groupIds[s]);
    if (actors.has('status')) hosted.push(config.groupIds.status);
    for (const a of ['transactions', 'processor'] as const) if (actors.has(a)) hosted.push(config.groupIds[a]);
    const specs: TopicSpec[] = [
      // the inventory topic is a table: compacted, like the lab's source connector's topic
      ...Object.values(config.topics).map((topic) => ({
        topic,
        // the control topic has one order of commands for every process; presence is a handful of
        // keys (one per process): one partition keeps its readers simple
        partitions: topic === config.topics.control || topic === config.topics.processes ? 1 : partitions,
        replicationFactor,
        // compacted: control with unique keys (one per command, nothing is ever dropped), presence the latest per process
        ...(topic === config.topics.inventory || topic === config.topics.control || topic === config.topics.processes
          ? { cleanupPolicy: 'compact' as const }
          : {}),
      })),
      { topic: sourceOffsetsTopic(config.groupIds.inventory), partitions: 1, replicationFactor, cleanupPolicy: 'compact' as const },
      // each actor's state, compacted (its partitions are its input partitions)
      ...hosted.map((group) => ({ topic: changelogTopic(group), partitions, replicationFactor, cleanupPolicy: 'compact' as const })),
    ];
    await transport.ensureTopics(specs);

    if (!options.kafka && !options.transport && actors.size < ACTOR_NAMES.length) {
      consoleLogger.warn(
        `only ${[...actors].join(', ')} run here: on the embedded log the other actors cannot reach this process; split the shop across processes with --kafka`,
      );
    }
    // JSON, or Avro with a schema registry when the Kafka INI has [schema-registry]: the actors
    // read and write JSON, the host (and the web's producer) translate at the edge.
    const wireFormat = options.wireFormat ?? createWireFormat(options.kafka, config.topics);
    await wireFormat.prepare();
    if (wireFormat.registry) consoleLogger.info(`values are ${wireFormat.name} on the wire; schema registry ${wireFormat.registry.url}`);
    const producer = countingProducer(encodingProducer(transport.producer(), wireFormat));
    const shipper = createLogShipper(producer, config.topics.logs);
    const logger = createLogger({
      actor: 'shop',
      clock,
      sinks: [shipper.sink],
      ...(options.logFormat ? { format: options.logFormat } : {}),
    });

    // spans to an OpenTelemetry collector when [tracing] otlp_endpoint names one
    const spans = config.tracing.otlpEndpoint
      ? createOtlpExporter({ endpoint: config.tracing.otlpEndpoint, serviceName: 'pizza-shop', logger: logger.child('tracing') })
      : undefined;
    if (spans) {
      closers.unshift(() => spans.close());
      consoleLogger.info(`exporting spans to ${config.tracing.otlpEndpoint} (OTLP/HTTP)`);
    }

    // what this process hosts, for the console's process map (a plain producer: JSON, no transaction)
    const presence = createPresence({
      producer: transport.producer(),
      topic: config.topics.processes,
      transport: options.kafka ? 'kafka' : 'embedded',
      logger: consoleLogger.child('presence'),
      // the embedded log keeps every beat (it does not compact) and has one process: beat slowly there
      heartbeatMs: options.kafka || options.transport ? 2_000 : 10_000,
      ...options.presence,
    });
    closers.push(() => presence.stop());
    /** what the console's faults do here; set once the supervisor runs */
    let controls: ShopControls | undefined;
    /** stations paused from the console: a restarted instance starts held too */
    const held = new Set<string>();
    const hosts = new Map<string, ActorHost>();
    /** Holds or releases a station's work here (a later instance of it starts held too). */
    const pauseStation = (station: string, on: boolean): boolean => {
      if (!(STATIONS as readonly string[]).includes(station) || !actors.has(station as ActorName)) return false;
      if (on) held.add(station);
      else held.delete(station);
      hosts.get(station)?.hold(on);
      presence.paused(station, on);
      return true;
    };

    // Clock commands before any actor starts: a process started while the shop is paused starts paused.
    const control = createControlChannel({
      transport,
      producer,
      topic: config.topics.control,
      wall: clock,
      logger: logger.child('control'),
      processId: `shop-${webInstanceId}`,
    });
    connectClock(control, shopClock);
    // fault injection (the console): to this process when addressed to it or to every process
    const here = (command: { process?: string }) => command.process === undefined || command.process === presence.processId;
    control.on('actor.kill', (command, delivery) => {
      if (!delivery.replay && here(command)) controls?.kill(command.actor, `killed from the console by ${command.issuer}`);
    });
    control.on('actor.restart', (command, delivery) => {
      // not awaited: a graceful restart takes a rebalance, the channel goes on with the next command
      if (!delivery.replay && here(command)) void controls?.restart(command.actor);
    });
    control.on('station.pause', (command) => {
      if (here(command)) pauseStation(command.station, true);
    });
    control.on('station.resume', (command) => {
      if (here(command)) pauseStation(command.station, false);
    });
    /** the lab's restock where the inventory database is open (set below); elsewhere the command is not for us */
    let restockHere: ((products: readonly string[] | undefined, issuer: string) => void) | undefined;
    control.on('inventory.restock', (command, delivery) => {
      if (!delivery.replay) restockHere?.(command.products, command.issuer);
    });
    closers.push(() => control.stop());
    await control.start();
    {
      const s = shopClock.state();
      logger
        .child('control')
        .info(`shop clock ${s.paused ? 'paused' : `running ×${s.rate}`} at ${new Date(shopClock.now()).toISOString()}`, {
          paused: s.paused,
          rate: s.rate,
          shopTime: shopClock.now(),
        });
    }

    const storePath = (name: string) => (memory ? ':memory:' : join(dataDir, name));

    const hostDeps = {
      transport,
      clock: shopClock,
      deadLetterTopic: config.topics.deadLetter,
      partitions,
      wire: wireFormat,
      ...(spans ? { spans } : {}),
      batching: { maxMessages: config.shop.batchMaxMessages, lingerMs: config.shop.batchLingerMs, ...options.batching },
    };
    const supervised: SupervisedActor[] = [];
    /**
     * Each actor's local copy of its state (the changelog stays the truth): the configured stores
     * for status (`[state-store-orders]`) and delivery (`[state-store-delivery]`), kitchen.db for
     * the others. None in memory: a restart there starts from nothing anyway.
     */
    const caches = new Map<ActorName, StateCache>();
    const cacheOf = async (name: ActorName): Promise<StateCache | undefined> => {
      if (memory) return undefined;
      const known = caches.get(name);
      if (known) return known;
      const store =
        name === 'status' || name === 'delivery'
          ? await openConfiguredStateStore(config, name === 'status' ? 'orders' : 'delivery', { dataDir, clock })
          : await openStateStore({ module: 'sqlite', path: storePath('kitchen.db'), clock });
      stores.push(store);
      const collection =
        name === 'status' ? config.ordersStore.tableStatus : name === 'delivery' ? config.deliveryStore.table : `station_${name}`;
      const cache = stateCache(store, collection);
      caches.set(name, cache);
      return cache;
    };
    const host = <E extends KeyedEvent, X extends KeyedEvent>(
      name: ActorName,
      make: (log: Logger) => Parameters<typeof createActorHost<E, X>>[0],
    ) => {
      supervised.push({
        name,
        start: async () => {
          const log = logger.child(name);
          const cache = await cacheOf(name);
          const spec = make(log);
          presence.started(name, spec.groupId);
          const h = createActorHost(spec, {
            ...hostDeps,
            logger: log,
            ...(cache ? { cache } : {}),
            held: held.has(name),
            onPartitions: (ps, rebalancing) => presence.assigned(name, ps, rebalancing),
            onRestored: (rows) => presence.restored(name, rows),
          });
          hosts.set(name, h as unknown as ActorHost);
          try {
            await h.start();
          } catch (error) {
            await h.stop().catch(() => undefined);
            presence.crashed(name, error as Error);
            throw error;
          }
          h.crashed.then((error) => presence.crashed(name, error));
          return h;
        },
      });
    };
    for (const station of STATIONS) {
      if (!actors.has(station)) continue;
      host(station, (log) =>
        stationSpec(station, { config, speed, instance: `${config.clientIds[station]}-${webInstanceId}`, logger: log }),
      );
    }
    if (actors.has('status')) host('status', (log) => statusSpec({ config, speed, logger: log }));

    // ---- the stream-processing lab (issue 11)
    const lab = config.lab;
    // durations scale with speed like every other; at speed 0 (no waiting) windows keep their real size
    const labMs = (minutes: number) => (speed > 0 ? scaledMs(minutes * 60, speed) : minutes * 60_000);
    let source: Awaited<ReturnType<typeof startInventorySource>> | undefined;
    // each database only where its actors run: a `--actors bake` process creates no lab file
    const inventoryDb = actors.has('inventory') ? openInventoryDb(storePath(lab.inventoryDb)) : undefined;
    if (inventoryDb) {
      closers.push(() => inventoryDb.close());
      inventoryDb.seed(config.menu, lab);
      restockHere = (products, issuer) => {
        const n = inventoryDb.restock(products);
        logger.child('inventory').info(`restocked ${n} product(s) for ${issuer}`, { products: products ?? 'all' });
        // publish now rather than at the next poll; a failed poll is the scheduled one's to report
        void source?.poll().catch(() => undefined);
      };
    }
    const analyticsDb = actors.has('analytics') ? openAnalyticsDb(storePath(lab.analyticsDb)) : undefined;
    if (analyticsDb) closers.push(() => analyticsDb.close());
    if (actors.has('transactions')) host('transactions', () => transactionsSpec({ config }));
    if (actors.has('processor')) {
      const windows = hoppingWindow({
        sizeMs: labMs(lab.windowSizeMinutes),
        advanceMs: labMs(lab.windowAdvanceMinutes),
        graceMs: labMs(lab.windowGraceMinutes),
      });
      host('processor', () =>
        processorSpec({
          groupId: config.groupIds.processor,
          clientId: config.clientIds.processor,
          topics: config.topics,
          windows,
          maxIdleMs: lab.maxTaskIdleMs,
        }),
      );
    }
    if (analyticsDb) {
      host('analytics', () =>
        analyticsSinkSpec({
          config,
          analytics: analyticsDb,
          now: () => shopClock.now(),
        }),
      );
    }
    if (inventoryDb) {
      // the source (table → topic), the stock keeper (assembled pizzas use their items) and the
      // restock schedule run and restart together
      supervised.push({
        name: 'inventory',
        start: async () => {
          const log = logger.child('inventory');
          const spec = stockSpec({ config, inventory: inventoryDb });
          presence.started('inventory', spec.groupId);
          const stock = createActorHost(spec, {
            ...hostDeps,
            logger: log,
            onPartitions: (ps, rebalancing) => presence.assigned('inventory', ps, rebalancing),
          });
          hosts.set('inventory', stock as unknown as ActorHost);
          await stock.start();
          const started = await startInventorySource({
            transport,
            clock, // the poll is a connector reading a table: plumbing, wall time
            logger: log,
            inventory: inventoryDb,
            topic: config.topics.inventory,
            groupId: config.groupIds.inventory,
            pollMs: speed > 0 ? scaledMs(lab.inventoryPollSeconds, speed) || 1 : lab.inventoryPollSeconds * 1000,
          }).catch(async (error: unknown) => {
            await stock.stop();
            throw error;
          });
          source = started;
          const crashed = Promise.race([stock.crashed, started.crashed]);
          crashed.then((error) => presence.crashed('inventory', error));
          const stopRestock = restockSchedule(
            shopClock,
            inventoryDb,
            lab.restockEveryMinutes > 0 ? labMs(lab.restockEveryMinutes) : 0,
            log,
          );
          return {
            crashed,
            async stop() {
              stopRestock();
              await started.stop();
              await stock.stop();
            },
          };
        },
      });
    }
    const shopLab: ShopLab = {
      ...(analyticsDb ? { analytics: analyticsDb } : {}),
      ...(inventoryDb ? { inventory: inventoryDb } : {}),
      pollInventory: async () => (source ? source.poll() : 0),
    };

    const running = { web: undefined as WebActor | undefined };
    const webStore = async () => {
      const s = await openStateStore({ module: 'sqlite', path: storePath('web.db'), clock });
      stores.push(s);
      return s;
    };
    let listenedPort: number | undefined;
    if (actors.has('web')) {
      supervised.push({
        name: 'web',
        start: async () => {
          // Loaded only where the web runs: kitchen-only processes never load Elysia.
          const { createWebActor } = await import('../web/createWebActor.ts');
          presence.started('web', `${config.groupIds.web}-${webInstanceId}`);
          running.web = await createWebActor({
            onPartitions: (ps, rebalancing) => presence.assigned('web', ps, rebalancing),
            config,
            transport,
            producer,
            clock: shopClock,
            wallClock: clock,
            control,
            logger: logger.child('web'),
            instanceId: webInstanceId,
            speed,
            wireFormat,
            ...(spans ? { spans } : {}),
            dataDir: memory ? null : dataDir,
            // On disk the view and its consumer group survive restarts: no replay of the whole log.
            ...(memory ? {} : { store: await webStore() }),
          });
          await running.web.start();
          running.web.crashed.then((error) => presence.crashed('web', error));
          // After a restart by the supervisor, serve again on the port the first one got.
          if (listenedPort !== undefined) await running.web.listen(listenedPort);
          return running.web;
        },
      });
    }

    const started = createSupervisor({ actors: supervised, logger: logger.child('supervisor'), clock });
    supervisor = started;
    await started.start();

    let url: string | undefined;
    if (running.web && options.listen !== false) {
      url = await running.web.listen(options.port ?? config.shop.webPort);
      listenedPort = Number(new URL(url).port);
      presence.webUrl(url);
    }
    await presence.publish();

    controls = {
      hosted: () =>
        started
          .states()
          .filter((s) => s.state !== 'stopped')
          .map((s) => s.name),
      kill: (actor, reason) => started.kill(actor, new Error(reason)),
      restart: (actor) => started.restart(actor),
      pause: pauseStation,
      paused: () => [...held],
    };

    /** messages produced so far, in transactions or not: settle waits until this stops moving */
    const activity = () => {
      let n = producer.total();
      for (const h of hosts.values()) n += h.metrics().transactions;
      return n;
    };
    const settle = async () => {
      for (let round = 0; round < 1000; round++) {
        const before = activity();
        await flushPromises();
        if (whenIdle) await whenIdle.call(transport.capabilities);
        for (const h of hosts.values()) await h.idle();
        if (running.web) await running.web.idle();
        await flushPromises();
        if (whenIdle) await whenIdle.call(transport.capabilities);
        if (activity() === before) return;
      }
      throw new Error('shop.settle: still busy after 1000 rounds (a loop of messages?)');
    };

    let stopped = false;
    return {
      config,
      transport,
      producer,
      clock: shopClock,
      wallClock: clock,
      control,
      speed,
      logger,
      supervisor: started,
      ...(url ? { url } : {}),
      web: () => running.web,
      actor: (name) => hosts.get(name),
      messagesWritten: () => producer.total() + [...hosts.values()].reduce((n, h) => n + h.metrics().written, 0),
      lab: shopLab,
      presence,
      controls: controls as ShopControls,
      stationLoad: (name) => {
        const context = hosts.get(name)?.inspect() as StationContext | undefined;
        return context ? stationLoad(context) : undefined;
      },
      order: (orderId) => {
        const row = hosts.get('status')?.rows([orderId]).get(orderId) as { context?: OrderContext } | null | undefined;
        return row?.context;
      },
      settle,
      async stop() {
        if (stopped) return;
        stopped = true;
        await started.stop();
        for (const s of started.states()) presence.stopped(s.name);
        await shipper.close();
        for (const s of stores) s.close();
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (error) {
    // A start that fails half way (a broker that is down, a port in use) leaves nothing running.
    await supervisor?.stop().catch(() => {});
    for (const s of stores) s.close();
    for (const close of closers.reverse()) await close();
    throw error;
  }
}
