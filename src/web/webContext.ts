import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { statusLabel } from '../config/shopConfig.ts';
import { type ActorTopology, shopTopology } from '../topology.ts';
import { createProcessMap, type ProcessMap } from './console/processMap.ts';
import { type ShopMachines, shopMachines } from './diagram/shopMachines.ts';
import { sessionFormToken } from './protect/csrf.ts';
import { readCookie, SESSION_COOKIE } from './session/sessionCookie.ts';
import type { StatusIds } from './view/orderView.ts';
import type { WebDeps } from './webDeps.ts';
import type { SignedIn } from './plugins/guardPlugin.ts';

/** What every feature plugin gets: the dependencies plus a few helpers made from them once. */
export interface WebContext extends WebDeps {
  wallClock: Clock;
  machines: ShopMachines;
  statusIds: StatusIds;
  topology: ActorTopology[];
  /** which live process hosts which actor (the presence topic, read when refreshed): the console's map, where a restock goes */
  processMap: ProcessMap;
  label(code: number | null): string;
  /** the session of a request, or undefined (no cookie, or not signed by us); routes get it from the `signedIn` guard */
  sessionOf(request: Request): SignedIn | undefined;
  newOrderId(): string;
  newCustomerId(): string;
}

export function webContext(deps: WebDeps): WebContext {
  const ids = deps.ids ?? { orderId: () => randomBytes(4).toString('hex'), customerId: () => randomBytes(16).toString('hex') };
  return {
    ...deps,
    wallClock: deps.wallClock ?? deps.clock,
    secureCookies: deps.secureCookies ?? deps.config.web.secureCookies,
    machines: deps.machines ?? shopMachines(deps.config),
    statusIds: deps.config.status.ids,
    topology: shopTopology(deps.config),
    processMap: createProcessMap({ transport: deps.transport, topic: deps.config.topics.processes }),
    label: (code) => statusLabel(deps.config, code),
    sessionOf(request) {
      const session = deps.sessions.decode(readCookie(request.headers.get('cookie'), SESSION_COOKIE));
      return session ? { ...session, csrfToken: sessionFormToken(deps.sessions, session) } : undefined;
    },
    newOrderId() {
      // 8 hex digits: 4 billion ids; retry the rare clash with an order this view knows
      for (let i = 0; i < 10; i++) {
        const id = ids.orderId();
        if (!deps.view.store.getOrder(id)) return id;
      }
      throw new Error('could not find a free order id');
    },
    newCustomerId: () => ids.customerId(),
  };
}
