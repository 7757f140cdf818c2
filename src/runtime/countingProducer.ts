import type { Producer } from '../transport/transport.ts';

/** A producer that counts what it sent, per topic (for /metrics, settling tests and benchmarks). */
export interface CountingProducer extends Producer {
  readonly sent: Map<string, number>;
  total(): number;
}

export function countingProducer(inner: Producer): CountingProducer {
  const sent = new Map<string, number>();
  let total = 0;
  return {
    sent,
    total: () => total,
    async send(topic, messages) {
      const result = await inner.send(topic, messages);
      sent.set(topic, (sent.get(topic) ?? 0) + messages.length);
      total += messages.length;
      return result;
    },
  };
}
