import { Elysia, t } from 'elysia';
import { isShopError } from '../../errors.ts';
import { changelogTopic } from '../../runtime/host/createActorHost.ts';
import { allTopics } from '../../topology.ts';
import { BROWSE_LIMIT_MAX, type BrowseQuery, type BrowseResult, browseMessages, parseCursor } from '../console/browseMessages.ts';
import { type GroupReport, groupReport, shopGroups } from '../console/consumerGroups.ts';
import { redrive } from '../console/redrive.ts';
import { formBody } from '../formBody.ts';
import { HttpError, htmlResponse, redirectTo } from '../httpErrors.ts';
import { GroupsPage, MessagesPage } from '../pages/ConsolePages.tsx';
import { tokenForm } from '../schemas.ts';
import type { WebContext } from '../webContext.ts';
import { guardPlugin } from './guardPlugin.ts';

/** The browser's query string: every field optional, checked by `browseQuery`. */
const browseParams = t.Object(
  {
    topic: t.Optional(t.String({ description: 'a topic of the shop (default pizza-ordered)' })),
    partition: t.Optional(t.String({ description: 'one partition (default all)' })),
    from: t.Optional(t.String({ description: 'first offset, per partition' })),
    to: t.Optional(t.String({ description: 'offset to stop before, per partition' })),
    key: t.Optional(t.String({ description: 'exact key (an order id)' })),
    text: t.Optional(t.String({ description: 'text in the key, value or a header (case-insensitive)' })),
    order: t.Optional(t.String({ description: 'newest (default) or oldest' })),
    limit: t.Optional(t.String({ description: `messages per page, 1–${BROWSE_LIMIT_MAX} (default 50)` })),
    since: t.Optional(t.String({ description: 'live tail: the cursor a previous answer returned ("0:12,1:40")' })),
    redriven: t.Optional(t.String()),
  },
  { additionalProperties: false },
);

const redriveBody = t.Object(
  {
    partition: t.Integer({ minimum: 0, error: 'the partition of the dead letter (an integer ≥ 0)' }),
    offset: t.Integer({ minimum: 0, error: 'the offset of the dead letter (an integer ≥ 0)' }),
  },
  { additionalProperties: false },
);

const redriveForm = t.Object(
  { ...tokenForm.properties, partition: t.String({ pattern: '^\\d+$' }), offset: t.String({ pattern: '^\\d+$' }) },
  { additionalProperties: false },
);

/** Every topic the console may browse: the shop's, then each actor's changelog. */
function browsableTopics(ctx: WebContext): string[] {
  return [...allTopics(ctx.config), ...ctx.topology.filter((a) => a.actor !== 'web').map((a) => changelogTopic(a.groupId))];
}

function refuse(field: string, problem: string): never {
  throw new HttpError('INVALID_REQUEST', `the request is not valid: ${field} ${problem}`, 422, { problems: [{ field, problem }] });
}

function offsetParam(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) refuse(field, 'must be an integer ≥ 0');
  return Number(value);
}

/** The query string as a `BrowseQuery`, or a 422 naming the field. */
export function browseQuery(params: typeof browseParams.static, topics: string[]): BrowseQuery {
  const topic = params.topic ?? topics[0] ?? '';
  if (!topics.includes(topic)) refuse('topic', `must be one of ${topics.join(', ')}`);
  const order = params.order ?? 'newest';
  if (order !== 'newest' && order !== 'oldest') refuse('order', 'must be newest or oldest');
  const limit = offsetParam(params.limit, 'limit') ?? 50;
  if (limit < 1 || limit > BROWSE_LIMIT_MAX) refuse('limit', `must be 1 to ${BROWSE_LIMIT_MAX}`);
  const query: BrowseQuery = { topic, newestFirst: order === 'newest', limit };
  const partition = offsetParam(params.partition, 'partition');
  if (partition !== undefined) query.partition = partition;
  const from = offsetParam(params.from, 'from');
  if (from !== undefined) query.from = from;
  const to = offsetParam(params.to, 'to');
  if (to !== undefined) query.to = to;
  if (params.key) query.key = params.key;
  if (params.text) query.text = params.text;
  if (params.since !== undefined) {
    const since = parseCursor(params.since);
    if (!since) refuse('since', 'must be a cursor like 0:12,1:40');
    query.since = since;
  }
  return query;
}

/** Browses, with a missing topic or partition as a 404 rather than a 500. */
async function browse(ctx: WebContext, query: BrowseQuery): Promise<BrowseResult> {
  let result: BrowseResult;
  try {
    result = await browseMessages(ctx.transport, query, ctx.wireFormat);
  } catch (error) {
    if (isShopError(error) && error.httpStatus < 500) throw error;
    throw new HttpError('TOPIC_NOT_FOUND', `topic ${query.topic} cannot be read now (not created yet?): ${(error as Error).message}`, 404);
  }
  if (query.partition !== undefined && result.partitions.length === 0) {
    throw new HttpError('PARTITION_NOT_FOUND', `topic ${query.topic} has no partition ${query.partition}`, 404);
  }
  return result;
}

async function groups(ctx: WebContext): Promise<GroupReport[]> {
  return Promise.all(shopGroups(ctx.topology, ctx.groupId).map((g) => groupReport(ctx.transport, g)));
}

const groupJson = (g: GroupReport, history: { at: number; lag: number }[]) => ({
  group_id: g.groupId,
  actor: g.actor,
  topics: g.topics,
  state: g.state,
  lag: g.lag,
  members: g.members.map((m) => ({ member_id: m.memberId, client_id: m.clientId, host: m.host, assignment: m.assignment })),
  partitions: g.partitions.map((p) => ({
    topic: p.topic,
    partition: p.partition,
    committed: p.committed,
    end: p.end,
    lag: p.lag,
    member_id: p.memberId,
  })),
  lag_history: history,
});

/**
 * The teaching console: `GET /console` (message browser; the dead-letter topic with redrive),
 * `GET /console/groups` (consumer groups and lag), and their JSON twins under `/api/console/`.
 */
export function consolePlugin(ctx: WebContext) {
  const topics = browsableTopics(ctx);
  const deadLetterTopic = ctx.config.topics.deadLetter;
  const doRedrive = (partition: number, offset: number) =>
    redrive(
      { transport: ctx.transport, producer: ctx.producer, now: ctx.clock.now(), deadLetterTopic, topics: allTopics(ctx.config) },
      partition,
      offset,
    );
  const history = (groupId: string) => ctx.lagHistory?.series(groupId) ?? [];

  return new Elysia({ name: 'web.console', seed: ctx })
    .use(guardPlugin(ctx))
    .get(
      '/console',
      async ({ session, query }) => {
        const q = browseQuery({ ...query, since: undefined } as typeof browseParams.static, topics);
        const result = await browse(ctx, q);
        return htmlResponse(
          await (
            <MessagesPage
              session={session}
              topics={topics}
              deadLetterTopic={deadLetterTopic}
              query={q}
              result={result}
              notice={query.redriven ? `Redriven: ${query.redriven}` : undefined}
            />
          ),
        );
      },
      { signedIn: 'page', query: browseParams, detail: { hide: true } },
    )
    .get(
      '/api/console/topics',
      async () => ({
        dead_letter_topic: deadLetterTopic,
        topics: await Promise.all(
          topics.map(async (topic) => {
            try {
              const ends = await ctx.transport.endOffsets(topic);
              const partitions = [...ends].sort((a, b) => a[0] - b[0]).map(([partition, end]) => ({ partition, end }));
              return { topic, exists: true, partitions, messages: partitions.reduce((n, p) => n + p.end, 0) };
            } catch {
              return { topic, exists: false, partitions: [], messages: 0 };
            }
          }),
        ),
      }),
      {
        signedIn: 'api',
        detail: { summary: 'The topics the console can browse, with their partitions and end offsets', tags: ['console'] },
      },
    )
    .get(
      '/api/console/messages',
      async ({ query }) => {
        const result = await browse(ctx, browseQuery(query, topics));
        return {
          topic: result.topic,
          partitions: result.partitions,
          messages: result.messages,
          scanned: result.scanned,
          truncated: result.truncated,
          cursor: result.cursor,
        };
      },
      {
        signedIn: 'api',
        query: browseParams,
        detail: {
          summary:
            'Messages of a topic: by partition and offset range, key and text; newest first, oldest first, or after a cursor (live tail)',
          tags: ['console'],
        },
      },
    )
    .get(
      '/console/groups',
      async ({ session }) => {
        const reports = await groups(ctx);
        return htmlResponse(
          await (
            <GroupsPage
              session={session}
              deadLetterTopic={deadLetterTopic}
              groups={reports.map((g) => ({ ...g, history: history(g.groupId) }))}
              windowMs={ctx.lagHistory?.windowMs ?? 10 * 60_000}
              now={ctx.wallClock.now()}
            />
          ),
        );
      },
      { signedIn: 'page', detail: { hide: true } },
    )
    .get(
      '/api/console/groups',
      async () => ({
        window_ms: ctx.lagHistory?.windowMs ?? null,
        groups: (await groups(ctx)).map((g) => groupJson(g, history(g.groupId))),
      }),
      {
        signedIn: 'api',
        detail: {
          summary:
            "The shop's consumer groups: members, assignment, committed and end offsets, lag per partition, lag over the last minutes",
          tags: ['console'],
        },
      },
    )
    .post(
      '/api/console/redrive',
      async ({ body, status }) => {
        const done = await doRedrive(body.partition, body.offset);
        return status(201, { from: done.from, to: done.to });
      },
      {
        parse: 'json',
        body: redriveBody,
        signedIn: 'api',
        detail: {
          summary: 'Republishes a dead letter to its source topic (from its dlq.source.topic header), marked with redriven.from',
          tags: ['console'],
        },
      },
    )
    .post(
      '/console/redrive',
      async ({ body }) => {
        const done = await doRedrive(Number(body.partition), Number(body.offset));
        const notice = `${done.from} → ${done.to.topic}[${done.to.partition}]@${done.to.offset}`;
        return redirectTo(`/console?topic=${encodeURIComponent(deadLetterTopic)}&redriven=${encodeURIComponent(notice)}`);
      },
      {
        parse: ({ request }) => formBody(request),
        body: redriveForm,
        signedIn: 'page',
        formToken: 'session',
        detail: { hide: true },
      },
    );
}
