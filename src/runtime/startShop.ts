import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StationName } from '../../machines/index.ts';
import { type StationActor, startStationActor } from '../actors/stationActor.ts';
import { type StatusActor, startStatusActor } from '../actors/statusActor.ts';
import { type Clock, flushPromises, systemClock } from '../clock.ts';
import type { KafkaClientConfig } from '../config/loadKafkaConfig.ts';
import { ACTOR_NAMES, type ActorName, type ShopConfig } from '../config/shopConfig.ts';
import { createWireFormat, decodingTransport, encodingProducer, type WireFormat } from '../events/wireFormat.ts';
import { createLogger, type Logger, type LoggerOptions } from '../log/logger.ts';
import { openConfiguredStateStore, openStateStore } from '../store/createStateStore.ts';
import type { StateStore } from '../store/stateStore.ts';
import { createEmbeddedLog, type EmbeddedLog } from '../transport/embeddedLog.ts';
import { createKafkaTransport, type KafkaLogLevel } from '../transport/kafkaTransport.ts';
import type { TopicSpec, Transport } from '../transport/transport.ts';
import { type CountingProducer, countingProducer } from './countingProducer.ts';
import { createLogShipper } from './logShipper.ts';
import { type ActorSpec, createSupervisor, type RunningActor, type Supervisor } from './supervisor.ts';

export interface StartShopOptions {
  config: ShopConfig;
  /** actors to run in this process (default all) */
  actors?: readonly ActorName[];
  /** a Kafka client configuration: run on Kafka instead of the embedded log */
  kafka?: KafkaClientConfig;
  /** run on this transport (tests); the shop does not close it */
  transport?: Transport;
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
  /** how values look on the wire (default: from `kafka`'s [schema-registry], else JSON) */
  wireFormat?: WireFormat;
}

/** A running shop (or the part of it this process hosts). */
export interface Shop {
  config: ShopConfig;
  transport: Transport;
  producer: CountingProducer;
  clock: Clock;
  speed: number;
  logger: Logger;
  supervisor: Supervisor;
  /** the web front end's URL, when it listens */
  url?: string;
  web(): WebActor | undefined;
  station(name: StationName): StationActor | undefined;
  status(): StatusActor | undefined;
  /**
   * Lets everything in flight finish: messages delivered, machine steps done, outputs produced.
   * With a VirtualClock this is the `settle` step between timers (`clock.advance(ms, shop.settle)`).
   */
  settle(): Promise<void>;
  stop(): Promise<void>;
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
  const clock = options.clock ?? systemClock;
  const speed = options.speed ?? config.shop.speed;
  const memory = options.memory ?? false;
  const dataDir = options.dataDir ?? config.shop.dataDir;
  const actors = new Set(options.actors ?? ACTOR_NAMES);
  const webInstanceId = options.instanceId ?? (memory ? randomBytes(4).toString('hex') : persistentInstanceId(dataDir));

  const closers: (() => Promise<void> | void)[] = [];
  const stores = new Map<string, StateStore>();
  let supervisor: Supervisor | undefined;
  const consoleLogger = options.logger ?? createLogger({ actor: 'shop', clock, ...(options.logFormat ? { format: options.logFormat } : {}) });

  let transport: Transport;
  let brokerCount: (() => Promise<number>) | undefined;
  let embedded: EmbeddedLog | undefined;
  if (options.transport) {
    transport = options.transport;
    if ('whenIdle' in transport) embedded = transport as EmbeddedLog;
  } else if (options.kafka) {
    // kafkajs logs every retried request (leader moves, a topic just created) at error level;
    // the shop reports what actually fails itself. KAFKAJS_LOG_LEVEL=warn|info|debug shows them.
    const level = process.env.KAFKAJS_LOG_LEVEL as KafkaLogLevel | undefined;
    const kafka = createKafkaTransport({ kafka: options.kafka, clock, logger: consoleLogger.child('kafka'), logLevel: level ?? 'nothing' });
    transport = kafka;
    closers.push(() => transport.close());
    brokerCount = () => kafka.brokerCount();
  } else {
    embedded = createEmbeddedLog({ ...(memory ? {} : { path: join(dataDir, 'log.db') }), clock });
    transport = embedded;
    closers.push(() => transport.close());
  }

  try {
    const partitions = options.kafka ? config.topicConfig.numPartitions : config.shop.localPartitions;
    let replicationFactor = options.kafka ? config.topicConfig.replicationFactor : 1;
    if (brokerCount) {
      // replication_factor = 3 suits a real cluster; a single local broker can only hold one copy.
      const brokers = await brokerCount();
      if (replicationFactor > brokers) {
        consoleLogger.warn(
          `[kafka-topic-config] replication_factor = ${replicationFactor} but the cluster has ${brokers} broker(s): new topics get ${brokers}`,
        );
        replicationFactor = brokers;
      }
    }
    const specs: TopicSpec[] = Object.values(config.topics).map((topic) => ({ topic, partitions, replicationFactor }));
    await transport.ensureTopics(specs);

    if (!options.kafka && !options.transport && actors.size < ACTOR_NAMES.length) {
      consoleLogger.warn(
        `only ${[...actors].join(', ')} run here: on the embedded log the other actors cannot reach this process; split the shop across processes with --kafka`,
      );
    }
    // JSON, or Avro with a schema registry when the Kafka INI has [schema-registry]; the actors
    // write JSON text and read JSON text, the wire format sits between them and the transport.
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

    const storePath = (name: string) => (memory ? ':memory:' : join(dataDir, name));

    const store = async (key: 'orders' | 'delivery' | 'kitchen' | 'web'): Promise<StateStore> => {
      let s = stores.get(key);
      if (!s) {
        s =
          key === 'kitchen' || key === 'web'
            ? await openStateStore({ module: 'sqlite', path: storePath(`${key}.db`), clock })
            : await openConfiguredStateStore(config, key, { memory, dataDir, clock });
        stores.set(key, s);
      }
      return s;
    };

    const running = {
      stations: new Map<StationName, StationActor>(),
      status: undefined as StatusActor | undefined,
      web: undefined as WebActor | undefined,
    };
    const specsToRun: ActorSpec[] = [];
    let listenedPort: number | undefined;
    for (const station of STATIONS) {
      if (!actors.has(station)) continue;
      const stationStore = await store(station === 'delivery' ? 'delivery' : 'kitchen');
      specsToRun.push({
        name: station,
        start: async () => {
          const actor = await startStationActor({
            station,
            config,
            transport,
            producer,
            store: stationStore,
            clock,
            logger: logger.child(station),
            speed,
            wireFormat,
          });
          running.stations.set(station, actor);
          return actor;
        },
      });
    }
    if (actors.has('status')) {
      const ordersStore = await store('orders');
      specsToRun.push({
        name: 'status',
        start: async () => {
          running.status = await startStatusActor({
            config,
            transport,
            producer,
            store: ordersStore,
            clock,
            logger: logger.child('status'),
            speed,
            wireFormat,
          });
          return running.status;
        },
      });
    }
    if (actors.has('web')) {
      specsToRun.push({
        name: 'web',
        start: async () => {
          // Loaded only where the web runs: kitchen-only processes never load Elysia.
          const { createWebActor } = await import('../web/createWebActor.ts');
          running.web = await createWebActor({
            config,
            transport: decodingTransport(transport, wireFormat, logger.child('web')),
            producer,
            clock,
            logger: logger.child('web'),
            instanceId: webInstanceId,
            speed,
            dataDir: memory ? null : dataDir,
            // On disk the view and its consumer group survive restarts: no replay of the whole log.
            ...(memory ? {} : { store: await store('web') }),
          });
          await running.web.start();
          // After a restart by the supervisor, serve again on the port the first one got.
          if (listenedPort !== undefined) await running.web.listen(listenedPort);
          return running.web;
        },
      });
    }

    const started = createSupervisor({ actors: specsToRun, logger: logger.child('supervisor'), clock });
    supervisor = started;
    await started.start();

    let url: string | undefined;
    if (running.web && options.listen !== false) {
      url = await running.web.listen(options.port ?? config.shop.webPort);
      listenedPort = Number(new URL(url).port);
    }

    const settle = async () => {
      for (let round = 0; round < 1000; round++) {
        const before = producer.total();
        await flushPromises();
        if (embedded) await embedded.whenIdle();
        for (const s of running.stations.values()) await s.idle();
        if (running.status) await running.status.idle();
        if (running.web) await running.web.idle();
        await flushPromises();
        if (embedded) await embedded.whenIdle();
        if (producer.total() === before) return;
      }
      throw new Error('shop.settle: still busy after 1000 rounds (a loop of messages?)');
    };

    let stopped = false;
    return {
      config,
      transport,
      producer,
      clock,
      speed,
      logger,
      supervisor: started,
      ...(url ? { url } : {}),
      web: () => running.web,
      station: (name) => running.stations.get(name),
      status: () => running.status,
      settle,
      async stop() {
        if (stopped) return;
        stopped = true;
        await started.stop();
        await shipper.close();
        for (const s of stores.values()) s.close();
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (error) {
    // A start that fails half way (a broker that is down, a port in use) leaves nothing running.
    await supervisor?.stop().catch(() => {});
    for (const s of stores.values()) s.close();
    for (const close of closers.reverse()) await close();
    throw error;
  }
}
