import { Elysia } from 'elysia';
import { STATUS_NAMES } from '../../config/shopConfig.ts';
import { readsOf } from '../../topology.ts';
import { statusName } from '../orderJson.ts';
import { type MetricFamily, PROMETHEUS_CONTENT_TYPE, prometheusText } from '../prometheus.ts';
import type { WebContext } from '../webContext.ts';
import { topicCounts } from './flowPlugin.tsx';
import { kitchenSummaries } from './kitchenPlugin.tsx';

/** Consumer lag of a group on a topic: end offsets minus committed offsets (all of it when none are committed). */
async function lag(ctx: WebContext, groupId: string, topic: string): Promise<number> {
  const [ends, committed] = await Promise.all([ctx.transport.endOffsets(topic), ctx.transport.committedOffsets(groupId, topic)]);
  let total = 0;
  for (const [partition, end] of ends) total += Math.max(0, end - (committed.get(partition) ?? 0));
  return total;
}

/**
 * `GET /metrics` in the Prometheus text format: messages per topic, orders per status (this web's
 * view), the stations' queues as the log shows them, and the consumer lag of every actor's group
 * (from the topology) and of this web instance.
 */
export function metricsPlugin(ctx: WebContext) {
  return new Elysia({ name: 'web.metrics', seed: ctx }).get(
    '/metrics',
    async () => {
      const families: MetricFamily[] = [];
      const counts = await topicCounts(ctx);
      families.push({
        name: 'pizza_topic_messages',
        help: 'Messages on each topic (end offsets summed over partitions).',
        type: 'gauge',
        samples: [...counts].map(([topic, value]) => ({ labels: { topic }, value })),
      });
      const stats = ctx.consumerStats?.();
      if (stats) {
        families.push({
          name: 'pizza_web_consumed_total',
          help: 'Messages this web instance consumed, by topic.',
          type: 'counter',
          samples: [...stats.consumed].map(([topic, value]) => ({ labels: { topic }, value })),
        });
        families.push({
          name: 'pizza_web_malformed_total',
          help: 'Messages this web instance could not read (skipped).',
          type: 'counter',
          samples: [{ value: stats.malformed }],
        });
      }
      const byStatus = ctx.view.store.countByStatus();
      const statusSamples: MetricFamily['samples'] = STATUS_NAMES.map((name) => {
        const code = ctx.statusIds[name];
        return { labels: { status: code, name }, value: byStatus.get(code) ?? 0 };
      });
      for (const [code, value] of byStatus) {
        if (code === null) statusSamples.push({ labels: { status: 'none', name: 'awaiting_order' }, value });
        else if (!statusName(ctx.config, code)) statusSamples.push({ labels: { status: code, name: 'other' }, value });
      }
      families.push({
        name: 'pizza_orders',
        help: "Orders in this web instance's view, by status.",
        type: 'gauge',
        samples: statusSamples,
      });

      const stations = kitchenSummaries(ctx).map((k) => k.summary);
      families.push(
        {
          name: 'pizza_station_queue_length',
          help: 'Pizzas waiting at a station (log view).',
          type: 'gauge',
          samples: stations.map((s) => ({ labels: { station: s.station }, value: s.queueLength })),
        },
        {
          name: 'pizza_station_in_progress',
          help: 'Pizzas a station works on (log view).',
          type: 'gauge',
          samples: stations.map((s) => ({ labels: { station: s.station }, value: s.inProgress.length })),
        },
        {
          name: 'pizza_station_capacity',
          help: 'Pizzas one station instance works on at once (configuration).',
          type: 'gauge',
          samples: stations.map((s) => ({ labels: { station: s.station }, value: s.capacity })),
        },
        {
          name: 'pizza_station_done_total',
          help: 'Pizzas a station finished (log view).',
          type: 'counter',
          samples: stations.map((s) => ({ labels: { station: s.station }, value: s.done })),
        },
      );

      const web = ctx.topology.find((a) => a.actor === 'web');
      const groups = [
        ...ctx.topology.filter((a) => a.actor !== 'web').map((a) => ({ group: a.groupId, actor: a.actor as string, topics: a.consumes })),
        {
          group: ctx.groupId,
          actor: 'web',
          topics: web ? readsOf(web) : [],
        },
      ];
      const lagSamples: MetricFamily['samples'] = [];
      for (const g of groups) {
        for (const topic of g.topics) {
          try {
            lagSamples.push({ labels: { group: g.group, actor: g.actor, topic }, value: await lag(ctx, g.group, topic) });
          } catch {
            // a topic that does not exist yet has no lag to report
          }
        }
      }
      families.push({
        name: 'pizza_consumer_lag',
        help: 'Messages not yet committed by a consumer group, by topic.',
        type: 'gauge',
        samples: lagSamples,
      });
      families.push({
        name: 'pizza_web_live_streams',
        help: 'Open live-update streams (SSE) on this web instance.',
        type: 'gauge',
        // kitchen streams share one view listener (the kitchen feed): count the streams themselves
        samples: [{ value: ctx.liveStreams?.size ?? ctx.view.listeners() }],
      });
      return new Response(prometheusText(families), { headers: { 'content-type': PROMETHEUS_CONTENT_TYPE } });
    },
    { detail: { summary: 'Prometheus metrics (text exposition format)', tags: ['operations'] } },
  );
}
