import { Elysia } from 'elysia';
import { stationDiagrams } from '../diagram/shopDiagrams.ts';
import { stationStates } from '../diagram/stationStates.ts';
import { htmlResponse } from '../httpErrors.ts';
import { KitchenPage } from '../pages/KitchenPage.tsx';
import { errorSchema, kitchenSchema } from '../schemas.ts';
import { STATIONS, type StationPizza, type StationSummary, summarizeStation } from '../view/kitchenBoard.ts';
import type { WebContext } from '../webContext.ts';
import { guardPlugin } from './guardPlugin.ts';

/** Every station's summary now, with the states its diagram lights. */
export function kitchenSummaries(ctx: WebContext): { summary: StationSummary; current: string[] }[] {
  const board = ctx.view.store.getKitchen();
  const now = ctx.clock.now();
  return STATIONS.map((station) => {
    const summary = summarizeStation(board, station, ctx.config.capacity[station], now);
    return { summary, current: stationStates(ctx.machines.stations[station], summary) };
  });
}

/** One pizza at a station: `since` it entered; `started_at` from the station's line; `inferred` when it wrote none. */
const pizzaJson = (p: StationPizza) => ({ order_id: p.orderId, since: p.since, started_at: p.startedAt, inferred: p.inferred });

/**
 * The kitchen board JSON (`GET /api/kitchen`, and the snapshot of `GET /api/kitchen/events`).
 * `listLimit` caps the pizzas listed per station and kind (the counts stay exact): the live board
 * shows the first ones, and a queue of thousands is not sent to every stream.
 */
export function kitchenJson(ctx: WebContext, listLimit = Number.POSITIVE_INFINITY) {
  return {
    at: ctx.clock.now(),
    stations: kitchenSummaries(ctx).map(({ summary: s, current }) => ({
      station: s.station,
      capacity: s.capacity,
      in_progress: s.inProgress.slice(0, listLimit).map(pizzaJson),
      queued: s.queued.slice(0, listLimit).map(pizzaJson),
      in_progress_count: s.inProgress.length,
      queue_length: s.queueLength,
      done_last_minute: s.perMinute,
      done: s.done,
      states: current,
    })),
  };
}

/** The kitchen board: `GET /kitchen` and `GET /api/kitchen`. */
export function kitchenPlugin(ctx: WebContext) {
  return new Elysia({ name: 'web.kitchen', seed: ctx })
    .use(guardPlugin(ctx))
    .get(
      '/kitchen',
      async ({ session }) => {
        const stations = await Promise.all(
          kitchenSummaries(ctx).map(async ({ summary, current }) => ({
            summary,
            current,
            diagrams: await stationDiagrams(ctx.machines, summary.station),
          })),
        );
        return htmlResponse(await (<KitchenPage session={session} stations={stations} speed={ctx.speed} />));
      },
      { signedIn: 'page', detail: { hide: true } },
    )
    .get('/api/kitchen', () => kitchenJson(ctx), {
      signedIn: 'api',
      response: { 200: kitchenSchema, 401: errorSchema },
      detail: { summary: "The kitchen board: every station's pizzas, queue and throughput", tags: ['kitchen'] },
    });
}
