import type { Clock } from '../clock.ts';
import type { ControlChannel } from '../control/controlChannel.ts';
import type { ShopClock } from '../runtime/shopClock.ts';
import type { ShopConfig } from '../config/shopConfig.ts';
import type { WireFormat } from '../events/wireFormat.ts';
import type { Logger } from '../log/logger.ts';
import type { LagHistory } from './console/consumerGroups.ts';
import type { SpanExporter } from '../runtime/otlpExporter.ts';
import type { Producer, Transport } from '../transport/transport.ts';
import type { ShopMachines } from './diagram/shopMachines.ts';
import type { SessionCodec } from './session/sessionCookie.ts';
import type { LiveStreams } from './sse.ts';
import type { WebView } from './view/webView.ts';

/** Counters of the web's consumer, for /metrics. */
export interface WebConsumerStats {
  /** messages consumed by this web instance, by topic */
  consumed: Map<string, number>;
  /** messages the view could not decode (counted, logged, skipped) */
  malformed: number;
}

/**
 * Everything the web app is a function of. `createWebApp(deps)` builds the Elysia app from these
 * and never listens; `createWebActor` makes them from the configuration and the transport.
 *
 * @example
 * const app = createWebApp({ config, producer: transport.producer(), transport, view, clock, logger,
 *   sessions: createSessionCodec(secret), groupId: 'pizza-webapp-1-ab12cd34', machines });
 * const res = await app.handle(new Request('http://localhost/health-check')); // 'Ok'
 */
export interface WebDeps {
  config: ShopConfig;
  producer: Producer;
  /** for /metrics and the console: end and committed offsets (lag), reads without a group, group members */
  transport: Pick<Transport, 'endOffsets' | 'committedOffsets' | 'read' | 'capabilities'>;
  /** to show Avro values in the message browser (default: values are JSON or text) */
  wireFormat?: WireFormat;
  /** lag of the shop's groups over the last minutes (the console's groups page); sampled by the web actor */
  lagHistory?: LagHistory;
  /** where the root span of each order goes (OTLP export); default none */
  spans?: SpanExporter;
  view: WebView;
  /** shop time (pausable; see src/runtime/shopClock.ts): the kitchen board, order timestamps, promotions */
  clock: Clock;
  /** real time: sessions, rate limits, SSE keep-alives, lag sampling; default `clock` */
  wallClock?: Clock;
  /** the control channel and the shop clock it steers (the header's clock controls, `/api/clock`); absent: no clock control */
  control?: WebControl;
  logger: Logger;
  sessions: SessionCodec;
  /** this web instance's consumer group (for its lag) */
  groupId: string;
  /** the statecharts the pages draw; default the shop's machines (`shopMachines(config)`) */
  machines?: ShopMachines;
  /** the consumer's counters; absent when the web runs without a consumer (some tests) */
  consumerStats?: () => WebConsumerStats;
  /** mark cookies Secure (serve over HTTPS); default `[shop] secure_cookies` (false) */
  secureCookies?: boolean;
  /** id makers, replaceable in tests; default: random hex */
  ids?: { orderId(): string; customerId(): string };
  /** where open SSE streams register, so the actor can end them when it stops */
  liveStreams?: LiveStreams;
  /** what the plugins cancel when the actor stops (the console's held fault copies) */
  onStop?: Set<() => void>;
  /** SSE keep-alive comment interval; default 15 s (on `wallClock`) */
  heartbeatMs?: number;
  /** the speed factor the shop runs at, shown on pages */
  speed?: number;
}

/** What the web steers: the process's control channel and its shop clock. */
export interface WebControl {
  channel: ControlChannel;
  clock: ShopClock;
}
