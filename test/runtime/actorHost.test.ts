import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { ShopError } from '../../src/errors.ts';
import { createLogger, type LogLine } from '../../src/log/logger.ts';
import { createActorHost } from '../../src/runtime/actorHost.ts';
import { createEmbeddedLog, type EmbeddedLog } from '../../src/transport/embeddedLog.ts';
import type { DeliveredMessage, Producer, Transport } from '../../src/transport/transport.ts';
import { outageTransport } from '../support/outageTransport.ts';
import { waitFor } from '../support/waitFor.ts';

// Regressions found by test/scaleout/brokerRestart.test.ts: during a broker outage a commit
// failed inside the message handler, the consumer stopped, and the actor neither went on nor
// crashed (so the supervisor never restarted it).

const logs: EmbeddedLog[] = [];
afterEach(async () => {
  for (const log of logs.splice(0)) await log.close();
});

/** The embedded log in memory, with commits failing while `outage.commits` is set. */
function flakyLog(outage: { commits: boolean }): Transport {
  const log = createEmbeddedLog();
  logs.push(log);
  return outageTransport(log, outage);
}

function host(transport: Transport, handle: (m: DeliveredMessage) => Promise<'done'>, producer: Producer = transport.producer()) {
  const lines: LogLine[] = [];
  const logger = createLogger({ actor: 'status', format: 'silent', sinks: [(l) => lines.push(l)] });
  const h = createActorHost({
    name: 'status',
    transport,
    producer,
    groupId: 'g',
    topics: ['in'],
    deadLetterTopic: 'dead',
    clock: systemClock,
    logger,
    handle,
  });
  return { host: h, lines };
}

describe('actor host when the broker fails under it', () => {
  it('a failed commit after a handled message is a warning: the actor goes on, a later commit covers it', async () => {
    const outage = { commits: true };
    const transport = flakyLog(outage);
    await transport.ensureTopics([{ topic: 'in', partitions: 1 }, { topic: 'dead', partitions: 1 }]);
    const handled: number[] = [];
    const { host: h, lines } = host(transport, async (m) => {
      handled.push(m.offset);
      return 'done';
    });
    let crashed: Error | undefined;
    h.crashed.then((e) => {
      crashed = e;
    });
    await h.start();
    await transport.producer().send('in', [{ key: 'a', value: '1' }]);
    await waitFor(() => handled.length === 1, { timeoutMs: 5_000, message: () => `handled ${handled}` });
    await waitFor(() => lines.some((l) => l.msg.startsWith('commit failed for in[0]@0')), { timeoutMs: 5_000, message: 'the failed commit is logged' });

    outage.commits = false;
    await transport.producer().send('in', [{ key: 'a', value: '2' }]);
    await waitFor(() => handled.length === 2, { timeoutMs: 5_000, message: () => `the actor went on after the failed commit: handled ${handled}` });
    await waitFor(async () => (await transport.committedOffsets('g', 'in')).get(0) === 2, { timeoutMs: 5_000, message: 'the next commit covers both' });
    expect(crashed).toBeUndefined();
    await h.stop();
  });

  it('a handler step that fails outside the actor (the dead-letter send) crashes the actor, so it is restarted', async () => {
    const transport = flakyLog({ commits: false });
    await transport.ensureTopics([{ topic: 'in', partitions: 1 }, { topic: 'dead', partitions: 1 }]);
    const failing: Producer = {
      send: async () => {
        throw new ShopError('SEND_FAILED', 'kafka: send failed: connect ECONNREFUSED', { retriable: true });
      },
    };
    const { host: h } = host(
      transport,
      async () => {
        throw new ShopError('MALFORMED_MESSAGE', 'not JSON');
      },
      failing,
    );
    await h.start();
    let crashed: Error | undefined;
    h.crashed.then((e) => {
      crashed = e;
    });
    await transport.producer().send('in', [{ key: 'a', value: 'garbage' }]);
    await waitFor(() => crashed !== undefined, { timeoutMs: 5_000, message: 'the actor did not crash: its consumer stopped silently' });
    expect(crashed?.message).toContain('send failed');
    await h.stop();
  });
});
