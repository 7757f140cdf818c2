// A consumer that stops by itself (Kafka: the group coordinator could not be found after a broker
// restart, and kafkajs gave up) hands over nothing more. The host must crash then, so that its
// supervisor starts a new member; before, the actor sat there consuming nothing while the
// supervisor thought it ran (found by the broker-restart test under load).
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { createEmbeddedLog } from '../../src/transport/embeddedLog.ts';
import type { RebalanceListener, Transport } from '../../src/transport/transport.ts';
import { counterHost, counterTopics, ensureCounterTopics } from './fixtures/counterActor.ts';

describe('a consumer that stops by itself', () => {
  it('crashes the host with the transport’s error', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const log = createEmbeddedLog({ clock });
    const topics = counterTopics('-stopped');
    await ensureCounterTopics(log, topics, 2);
    // the embedded log never gives up on a member: this transport lets the test say it did
    let listener: RebalanceListener | undefined;
    const transport: Transport = {
      ...log,
      consumer(options) {
        const consumer = log.consumer(options);
        return {
          ...consumer,
          run: (handler, l) => {
            listener = l;
            return consumer.run(handler, l);
          },
          commit: (o) => consumer.commit(o),
          pause: (tps) => consumer.pause(tps),
          resume: (tps) => consumer.resume(tps),
          assignment: () => consumer.assignment(),
          close: () => consumer.close(),
        };
      },
    };
    const host = counterHost({ transport, clock, topics, partitions: 2 });
    await host.start();
    expect(listener?.onStopped, 'the host listens for a member that stops').toBeTypeOf('function');
    listener?.onStopped?.(new Error('Failed to find group coordinator'));
    const crashed = await host.crashed;
    expect(crashed.message).toBe('Failed to find group coordinator');
    await host.stop();
    await log.close();
  });
});
