import type { Clock, TimerHandle } from '../clock.ts';
import type { ControlChannel } from '../control/controlChannel.ts';
import { isShopClock } from '../runtime/shopClock.ts';
import type { WireFormat } from '../events/wireFormat.ts';
import type { ShopConfig } from '../config/shopConfig.ts';
import type { Logger } from '../log/logger.ts';
import { SqliteStateStore } from '../store/sqliteStateStore.ts';
import type { StateStore } from '../store/stateStore.ts';
import type { Producer, Transport } from '../transport/transport.ts';
import { createLagHistory, groupReport, type LagHistory, shopGroups } from './console/consumerGroups.ts';
import { createWebApp, type WebApp } from './createWebApp.tsx';
import { shopTopology } from '../topology.ts';
import type { SpanExporter } from '../runtime/otlpExporter.ts';
import { createSessionCodec } from './session/sessionCookie.ts';
import { loadSessionSecret } from './session/sessionSecret.ts';
import type { LiveStreams } from './sse.ts';
import { createViewStore } from './view/viewStore.ts';
import { createWebView, type WebView } from './view/webView.ts';
import type { WebConsumerStats } from './webDeps.ts';
import { createActorHost } from '../runtime/host/createActorHost.ts';
import { webViewSpec } from './view/viewSpec.ts';

export interface WebActorOptions {
  config: ShopConfig;
  transport: Transport;
  /** default `transport.producer()` */
  producer?: Producer;
  /**
   * The web's own store for its view (never shared with other actors). Default: in memory, so the
   * view is rebuilt from the log at every start. A durable store resumes its consumer group.
   */
  store?: StateStore;
  /** shop time (pausable) */
  clock: Clock;
  /** real time (sessions, lag sampling, retention sweeps, SSE keep-alives); default `clock` */
  wallClock?: Clock;
  /** clock control: the process's control channel (default: none, no clock controls) */
  control?: ControlChannel;
  logger: Logger;
  /** names this web instance; its consumer group is `<groupIds.web>-<instanceId>-<viewId>` */
  instanceId: string;
  /** the speed factor, shown on the pages */
  speed?: number;
  /** where the session secret file lives (null/absent: `PIZZA_SESSION_SECRET` or a per-process secret) */
  dataDir?: string | null;
  /** overrides the secret (tests) */
  sessionSecret?: string;
  /** SSE keep-alive interval (default 15 s) */
  heartbeatMs?: number;
  /** how values look on the wire (default JSON) */
  wireFormat?: WireFormat;
  /** mark the session cookie Secure (behind HTTPS) */
  secureCookies?: boolean;
  /** where the root span of each order goes (OTLP export) */
  spans?: SpanExporter;
  /** how often the console samples the groups' lag (default 5 s on `clock`) */
  lagSampleMs?: number;
  /** hears of the view consumer's partitions after each rebalance (the process map) */
  onPartitions?(partitions: number[], rebalancing: boolean): void;
}

export interface WebActor {
  app: WebApp;
  view: WebView;
  /** this instance's consumer group */
  groupId: string;
  /** the groups' lag over the last minutes (the console's groups page) */
  lagHistory: LagHistory;
  /** Starts consuming the log into the view (topics must exist: the runtime ensures them). */
  start(): Promise<void>;
  /** Serves HTTP (0 = any free port); resolves with the URL. Bun only. */
  listen(port: number, hostname?: string): Promise<string>;
  /** Resolves when no message is being applied. */
  idle(): Promise<void>;
  /** Leaves the group, stops serving, closes the store it opened. */
  stop(): Promise<void>;
  /** Settles if the consumer fails (a bug or a broken store): the supervisor restarts the actor. */
  readonly crashed: Promise<Error>;
  stats(): WebConsumerStats;
}

const RETENTION_SWEEP_MS = 10 * 60_000;

/**
 * The `web` actor: the web app plus the consumer that builds its view from the log. Every web
 * instance reads the whole stream with a consumer group of its own (DESIGN-NOTES 1), applies each
 * message to its projections, commits, and pushes the change to live streams.
 *
 * @example
 * const web = await createWebActor({ config, transport, clock: systemClock, logger, instanceId: 'a1' });
 * await web.start();
 * console.log(await web.listen(8000)); // http://127.0.0.1:8000
 */
export async function createWebActor(options: WebActorOptions): Promise<WebActor> {
  const { config, transport, clock, logger } = options;
  const wall = options.wallClock ?? clock;
  const ownsStore = options.store === undefined;
  const store = createViewStore(options.store ?? new SqliteStateStore({ path: ':memory:', clock: wall }));
  const view = createWebView(store, config.status.ids);
  const groupId = `${config.groupIds.web}-${options.instanceId}-${store.viewId}`;
  const stats = (): WebConsumerStats => {
    const m = host.metrics();
    return { consumed: m.received, malformed: m.deadLettered };
  };
  const liveStreams: LiveStreams = new Set();
  const onStop = new Set<() => void>();
  const secret = options.sessionSecret ?? loadSessionSecret({ dataDir: options.dataDir ?? null });

  const watched = shopGroups(shopTopology(config), groupId);
  const lagHistory = createLagHistory({
    clock: wall,
    ...(options.lagSampleMs !== undefined ? { everyMs: options.lagSampleMs } : {}),
    sample: async () => new Map((await Promise.all(watched.map((g) => groupReport(transport, g)))).map((r) => [r.groupId, r.lag])),
    onError: (error) => logger.debug(`lag sample failed: ${(error as Error).message}`),
  });

  const app = createWebApp({
    config,
    producer: options.producer ?? transport.producer(),
    transport,
    view,
    clock,
    wallClock: wall,
    ...(options.control && isShopClock(clock) ? { control: { channel: options.control, clock } } : {}),
    logger,
    sessions: createSessionCodec(secret, { now: () => wall.now() }),
    groupId,
    consumerStats: () => stats(),
    liveStreams,
    onStop,
    lagHistory,
    ...(options.spans ? { spans: options.spans } : {}),
    ...(options.wireFormat ? { wireFormat: options.wireFormat } : {}),
    ...(options.speed !== undefined ? { speed: options.speed } : {}),
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.secureCookies !== undefined ? { secureCookies: options.secureCookies } : {}),
  });

  const host = createActorHost(webViewSpec({ config, view, groupId }), {
    transport,
    clock,
    logger,
    deadLetterTopic: config.topics.deadLetter,
    partitions: config.shop.localPartitions,
    ...(options.wireFormat ? { wire: options.wireFormat } : {}),
    ...(options.onPartitions ? { onPartitions: options.onPartitions } : {}),
  });
  let sweep: TimerHandle | undefined;
  let stopped = false;

  const retention = () => {
    if (stopped) return;
    // orders carry shop-time timestamps; the sweep itself is plumbing (wall time)
    const removed = store.purgeOlderThan(clock.now() - config.ordersStore.retentionHours * 3_600_000);
    if (removed) logger.info(`retention: removed ${removed} orders older than ${config.ordersStore.retentionHours} h from the web view`);
    sweep = wall.setTimeout(retention, RETENTION_SWEEP_MS);
  };

  return {
    app,
    view,
    groupId,
    lagHistory,
    crashed: host.crashed,
    async start() {
      await host.start();
      sweep = wall.setTimeout(retention, RETENTION_SWEEP_MS);
      lagHistory.start();
      logger.info(`web view consuming as group ${groupId}`);
    },
    async listen(port, hostname = '127.0.0.1') {
      // reusePort off: a second shop on a taken port must fail, not silently share it.
      // maxRequestBodySize: Bun answers bodies over it with an empty 413 before the app sees them;
      // the app refuses a declared length over 4 KiB (JSON 413) and a body of unknown length (411)
      // before reading a byte, so Bun's own limit only needs to stay out of the way.
      app.listen({ port, hostname, reusePort: false, maxRequestBodySize: 1024 ** 3 });
      const actual = app.server?.port ?? port;
      return `http://${hostname}:${actual}`;
    },
    async idle() {
      await host.idle();
      await lagHistory.idle();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (sweep !== undefined) wall.clearTimeout(sweep);
      lagHistory.stop();
      for (const cancel of onStop) cancel();
      await host.stop();
      // live streams never finish by themselves: end them, then let requests in flight finish
      for (const close of [...liveStreams]) close();
      if (app.server) await app.stop();
      if (ownsStore) store.close();
    },
    stats,
  };
}
