import { Kafka, logLevel } from 'kafkajs';
import { quietKafkaJsTimerWarning } from '../../src/transport/kafka/quietKafkaJsTimerWarning.ts';

/**
 * True when a Kafka broker at `bootstrap` ("host:port") answers a metadata request within
 * `timeoutMs`. One attempt, no retries, kafkajs logging off: for readiness polls and for tests
 * deciding whether a broker is there.
 *
 * @example
 * if (!(await brokerAnswers('127.0.0.1:9092'))) console.warn('no broker');
 */
export async function brokerAnswers(bootstrap: string, timeoutMs = 2_000): Promise<boolean> {
  quietKafkaJsTimerWarning();
  const kafka = new Kafka({
    clientId: 'pizza-shop-probe',
    brokers: bootstrap.split(',').map((b) => b.trim()),
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs + 500);
  });
  const probe = (async () => {
    try {
      await admin.connect();
      await admin.listTopics();
      return true;
    } catch {
      return false;
    }
  })();
  try {
    return await Promise.race([probe, timedOut]);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => {});
  }
}
