import { Elysia, t } from 'elysia';
import { type Explanation, type Fault, type Faults, createFaults, POISON_KINDS, type PoisonKind } from '../console/faults.ts';
import { formBody } from '../formBody.ts';
import { HttpError, htmlResponse, redirectTo } from '../httpErrors.ts';
import { FaultList, FaultsPage } from '../pages/FaultsPage.tsx';
import { ProcessesPage, ProcessMapView } from '../pages/ProcessesPage.tsx';
import type { WebContext } from '../webContext.ts';
import { guardPlugin, type SignedIn } from './guardPlugin.ts';

const STATIONS = ['assemble', 'bake', 'delivery'] as const;
/** actors the console may kill or restart: those hosted by the actor host (not the web serving the page) */
const KILLABLE = ['assemble', 'bake', 'delivery', 'status', 'transactions', 'inventory', 'processor', 'analytics'] as const;

const orderId = t.String({ pattern: '^[0-9a-f]{8}$', error: 'an order id (8 lowercase hex)' });
const position = {
  topic: t.String({ description: 'a topic some actor reads', error: 'a topic some actor reads' }),
  partition: t.Optional(t.Integer({ minimum: 0, error: 'a partition (an integer ≥ 0)' })),
  offset: t.Optional(t.Integer({ minimum: 0, error: 'an offset (an integer ≥ 0)' })),
  order_id: t.Optional(orderId),
};
const bodies = {
  poison: t.Object(
    {
      topic: position.topic,
      kind: t.UnionEnum(POISON_KINDS as unknown as [PoisonKind, ...PoisonKind[]], { error: `one of ${POISON_KINDS.join(', ')}` }),
      key: t.Optional(orderId),
    },
    { additionalProperties: false },
  ),
  duplicate: t.Object(position, { additionalProperties: false }),
  delay: t.Object(
    { ...position, seconds: t.Integer({ minimum: 1, maximum: 3600, error: 'kitchen seconds to hold it, 1–3600' }) },
    { additionalProperties: false },
  ),
  actor: t.Object(
    { actor: t.UnionEnum([...KILLABLE] as [string, ...string[]], { error: `one of ${KILLABLE.join(', ')}` }) },
    { additionalProperties: false },
  ),
  station: t.Object(
    { station: t.UnionEnum([...STATIONS] as [string, ...string[]], { error: `one of ${STATIONS.join(', ')}` }) },
    { additionalProperties: false },
  ),
};

/** The form on the faults page: every field a string, checked by the same rules as the JSON API. */
const faultForm = t.Object(
  {
    csrf_token: t.String({ error: 'the form is missing its token: reload the page' }),
    fault: t.UnionEnum(['poison', 'duplicate', 'delay', 'kill', 'restart', 'pause', 'resume'], { error: 'which fault' }),
    topic: t.Optional(t.String()),
    kind: t.Optional(t.String()),
    key: t.Optional(t.String()),
    partition: t.Optional(t.String()),
    offset: t.Optional(t.String()),
    order_id: t.Optional(t.String()),
    seconds: t.Optional(t.String()),
    actor: t.Optional(t.String()),
    station: t.Optional(t.String()),
  },
  { additionalProperties: false },
);

function refuse(field: string, problem: string): never {
  throw new HttpError('INVALID_REQUEST', `the request is not valid: ${field} ${problem}`, 422, { problems: [{ field, problem }] });
}

const optionalInt = (value: string | undefined, field: string): number | undefined => {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d+$/.test(value.trim())) refuse(field, 'must be an integer ≥ 0');
  return Number(value.trim());
};
const optionalOrder = (value: string | undefined, field: string): string | undefined => {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^[0-9a-f]{8}$/.test(value.trim())) refuse(field, 'must be an order id (8 lowercase hex)');
  return value.trim();
};
const oneOf = <T extends string>(value: string | undefined, choices: readonly T[], field: string): T => {
  if (!value || !(choices as readonly string[]).includes(value)) refuse(field, `must be one of ${choices.join(', ')}`);
  return value as T;
};

/** A fault and what the shop did about it, for the JSON API and the page. */
export interface ExplainedFault {
  fault: Fault;
  explanation: Explanation;
}

const faultJson = ({ fault, explanation }: ExplainedFault) => ({
  id: fault.id,
  kind: fault.kind,
  at: fault.at,
  summary: fault.summary,
  ...(fault.sent ? { sent: fault.sent } : {}),
  ...(fault.orderId ? { order_id: fault.orderId } : {}),
  ...(fault.actor ? { actor: fault.actor } : {}),
  ...(fault.processes ? { processes: fault.processes } : {}),
  state: explanation.state,
  mechanism: explanation.mechanism,
  explanation: explanation.lines,
});

/**
 * The console's live process map and fault injection: `GET /console/processes` and
 * `GET /console/faults` (each with a `/fragment` the page's script refreshes every second), their
 * JSON twins under `/api/console/`, and the faults as `POST /api/console/faults/<kind>` (JSON) and
 * `POST /console/faults` (the page's forms, with the session's form token).
 */
export function faultsPlugin(ctx: WebContext) {
  const processMap = ctx.processMap;
  const faults: Faults = createFaults({
    config: ctx.config,
    transport: ctx.transport,
    producer: ctx.producer,
    clock: ctx.clock,
    speed: ctx.speed ?? 1,
    topology: ctx.topology,
    processMap,
    controls: ctx.control?.channel,
  });
  // a copy held for later must not go out from a stopped web (nor keep its process waiting for it)
  ctx.onStop?.add(() => faults.stop());
  const deadLetterTopic = ctx.config.topics.deadLetter;
  const map = async () => {
    await processMap.refresh();
    return processMap.snapshot();
  };
  const explained = async (list: Fault[]): Promise<ExplainedFault[]> => {
    await processMap.refresh();
    return Promise.all(
      list.map(async (fault) => ({
        fault,
        explanation: await faults
          .explain(fault)
          .catch(
            (error: unknown): Explanation => ({ state: 'waiting', mechanism: '', lines: [`cannot look now: ${(error as Error).message}`] }),
          ),
      })),
    );
  };
  // every fault is rate-limited: a kill or restart in a loop would keep an actor (and its group) rebalancing for good
  const api = { signedIn: 'api' as const, parse: 'json' as const, limit: 'fault' as const };
  const issuer = (session: SignedIn) => `${session.username} via the console`;
  const done = (fault: Fault) => redirectTo(`/console/faults?done=${encodeURIComponent(fault.id)}`);

  return new Elysia({ name: 'web.faults', seed: ctx })
    .use(guardPlugin(ctx))
    .get(
      '/console/processes',
      async ({ session }) => htmlResponse(await (<ProcessesPage session={session} deadLetterTopic={deadLetterTopic} map={await map()} />)),
      { signedIn: 'page', detail: { hide: true } },
    )
    .get('/console/processes/fragment', async () => htmlResponse(await (<ProcessMapView map={await map()} />)), {
      signedIn: 'page',
      detail: { hide: true },
    })
    .get('/api/console/processes', async () => map(), {
      signedIn: 'api',
      detail: {
        summary:
          'The live process map: every process with its actors, their partitions and state, heartbeat age (stale = gone), partition owners, recent changes',
        tags: ['console'],
      },
    })
    .get(
      '/console/faults',
      async ({ session, query }) =>
        htmlResponse(
          await (
            <FaultsPage
              session={session}
              deadLetterTopic={deadLetterTopic}
              topics={faults.readTopics}
              stations={[...STATIONS]}
              actors={[...KILLABLE]}
              faults={await explained(faults.list())}
              done={query.done}
            />
          ),
        ),
      { signedIn: 'page', query: t.Object({ done: t.Optional(t.String()) }), detail: { hide: true } },
    )
    .get('/console/faults/fragment', async () => htmlResponse(await (<FaultList faults={await explained(faults.list())} />)), {
      signedIn: 'page',
      detail: { hide: true },
    })
    .get('/api/console/faults', async () => ({ faults: (await explained(faults.list())).map(faultJson) }), {
      signedIn: 'api',
      detail: { summary: 'Faults injected from this web, newest first, each with what the shop did about it', tags: ['console'] },
    })
    .get(
      '/api/console/faults/:id',
      async ({ params }) => {
        const fault = faults.get(params.id);
        if (!fault) throw new HttpError('FAULT_NOT_FOUND', `no fault ${params.id} (this web remembers its last 50)`, 404);
        const [one] = await explained([fault]);
        return faultJson(one as ExplainedFault);
      },
      { signedIn: 'api', detail: { summary: 'One fault and what the shop did about it, observed now', tags: ['console'] } },
    )
    .post(
      '/api/console/faults/poison',
      async ({ body, status }) =>
        status(201, faultJson((await explained([await faults.poison(body.topic, body.kind, body.key)]))[0] as ExplainedFault)),
      {
        ...api,
        body: bodies.poison,
        detail: {
          summary: 'Injects a poison message (not-json, wrong-schema, no-key) into a topic: its readers dead-letter it',
          tags: ['console'],
        },
      },
    )
    .post(
      '/api/console/faults/duplicate',
      async ({ body, status }) => {
        const fault = await faults.duplicate({
          topic: body.topic,
          partition: body.partition,
          offset: body.offset,
          orderId: body.order_id,
        } as never);
        return status(201, faultJson((await explained([fault]))[0] as ExplainedFault));
      },
      {
        ...api,
        body: bodies.duplicate,
        detail: {
          summary: 'Writes a copy of a message (by position, or the latest of an order on the topic): its readers dedupe it',
          tags: ['console'],
        },
      },
    )
    .post(
      '/api/console/faults/delay',
      async ({ body, status }) => {
        const fault = await faults.delay(
          { topic: body.topic, partition: body.partition, offset: body.offset, orderId: body.order_id } as never,
          body.seconds,
        );
        return status(202, faultJson((await explained([fault]))[0] as ExplainedFault));
      },
      {
        ...api,
        body: bodies.delay,
        detail: { summary: 'Writes a copy of a message N kitchen seconds later (a late redelivery): handled as late', tags: ['console'] },
      },
    )
    .post(
      '/api/console/faults/kill',
      async ({ body, status, session }) =>
        status(202, faultJson((await explained([await faults.kill(body.actor, issuer(session))]))[0] as ExplainedFault)),
      {
        ...api,
        body: bodies.actor,
        detail: {
          summary: 'Crashes an actor in every process hosting it: the supervisor restarts it, state restores from its changelog',
          tags: ['console'],
        },
      },
    )
    .post(
      '/api/console/faults/restart',
      async ({ body, status, session }) =>
        status(202, faultJson((await explained([await faults.restart(body.actor, issuer(session))]))[0] as ExplainedFault)),
      {
        ...api,
        body: bodies.actor,
        detail: { summary: 'Stops an actor gracefully and starts it again, wherever it runs', tags: ['console'] },
      },
    )
    .post(
      '/api/console/faults/pause',
      async ({ body, status, session }) =>
        status(202, faultJson((await explained([await faults.pause(body.station, true, issuer(session))]))[0] as ExplainedFault)),
      {
        ...api,
        body: bodies.station,
        detail: { summary: 'Holds a station’s work topics: it takes no new pizzas until resumed', tags: ['console'] },
      },
    )
    .post(
      '/api/console/faults/resume',
      async ({ body, status, session }) =>
        status(202, faultJson((await explained([await faults.pause(body.station, false, issuer(session))]))[0] as ExplainedFault)),
      { ...api, body: bodies.station, detail: { summary: 'Releases a paused station', tags: ['console'] } },
    )
    .post(
      '/console/faults',
      async ({ body, session }) => {
        const by = issuer(session);
        const target = () => {
          const topic = oneOf(body.topic, faults.readTopics, 'topic');
          const orderIdValue = optionalOrder(body.order_id, 'order_id');
          const partition = optionalInt(body.partition, 'partition');
          const offset = optionalInt(body.offset, 'offset');
          return { topic, ...(orderIdValue ? { orderId: orderIdValue } : { partition, offset }) } as never;
        };
        switch (body.fault) {
          case 'poison':
            return done(
              await faults.poison(
                oneOf(body.topic, faults.readTopics, 'topic'),
                oneOf(body.kind, POISON_KINDS, 'kind'),
                optionalOrder(body.key, 'key'),
              ),
            );
          case 'duplicate':
            return done(await faults.duplicate(target()));
          case 'delay': {
            const seconds = optionalInt(body.seconds, 'seconds');
            if (seconds === undefined || seconds < 1 || seconds > 3600) refuse('seconds', 'must be 1–3600');
            return done(await faults.delay(target(), seconds));
          }
          case 'kill':
            return done(await faults.kill(oneOf(body.actor, KILLABLE, 'actor'), by));
          case 'restart':
            return done(await faults.restart(oneOf(body.actor, KILLABLE, 'actor'), by));
          case 'pause':
          case 'resume':
            return done(await faults.pause(oneOf(body.station, STATIONS, 'station'), body.fault === 'pause', by));
        }
      },
      {
        parse: ({ request }) => formBody(request),
        body: faultForm,
        signedIn: 'page',
        formToken: 'session',
        limit: 'fault',
        detail: { hide: true },
      },
    );
}
