import { Elysia } from 'elysia';
import { allTopics, sideTopics } from '../../topology.ts';
import { flowDiagram } from '../diagram/shopDiagrams.ts';
import { htmlResponse } from '../httpErrors.ts';
import { FlowPage } from '../pages/FlowPage.tsx';
import { errorSchema, flowSchema } from '../schemas.ts';
import type { WebContext } from '../webContext.ts';
import { guardPlugin } from './guardPlugin.ts';

/** Messages on each topic of the shop: the end offsets summed over partitions. */
export async function topicCounts(ctx: WebContext): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  await Promise.all(
    allTopics(ctx.config).map(async (topic) => {
      try {
        const ends = await ctx.transport.endOffsets(topic);
        counts.set(
          topic,
          [...ends.values()].reduce((a, b) => a + b, 0),
        );
      } catch {
        // a topic that does not exist yet holds no message
        counts.set(topic, 0);
      }
    }),
  );
  return counts;
}

/** Flow / lineage: `GET /flow` and `GET /api/flow` — which actor writes and reads which topic, with message counts. */
export function flowPlugin(ctx: WebContext) {
  const side = sideTopics(ctx.config);
  return new Elysia({ name: 'web.flow', seed: ctx })
    .use(guardPlugin(ctx))
    .get(
      '/flow',
      async ({ session }) => {
        const counts = await topicCounts(ctx);
        return htmlResponse(
          await (
            <FlowPage
              session={session}
              topology={ctx.topology}
              counts={counts}
              diagram={await flowDiagram(ctx.topology, counts)}
              side={side}
            />
          ),
        );
      },
      { signedIn: 'page', detail: { hide: true } },
    )
    .get(
      '/api/flow',
      async () => {
        const counts = await topicCounts(ctx);
        return {
          actors: ctx.topology.map((a) => ({
            actor: a.actor,
            group_id: a.groupId,
            consumes: a.consumes,
            observes: a.observes,
            produces: a.produces,
            role: a.role,
          })),
          side_topics: { logs: side.logs, dead_letter: side.deadLetter },
          messages: Object.fromEntries(counts),
        };
      },
      {
        signedIn: 'api',
        response: { 200: flowSchema, 401: errorSchema },
        detail: { summary: 'Which actor writes and reads which topic, with message counts', tags: ['flow'] },
      },
    );
}
