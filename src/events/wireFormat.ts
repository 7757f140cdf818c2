import avro from 'avsc';
import type { KafkaClientConfig } from '../config/loadKafkaConfig.ts';
import type { Topics } from '../config/shopConfig.ts';
import { ShopError } from '../errors.ts';
import type { OutgoingMessage, Producer } from '../transport/transport.ts';
import { topicSchemas, valueSubject } from './avroSchemas.ts';
import { malformed } from './messages.ts';
import { createSchemaRegistryClient, type SchemaRegistryClient } from './schemaRegistryClient.ts';

/**
 * How message values look on the wire. Two formats, as the two versions of the original wrote them:
 * - `json`: UTF-8 JSON (the first original; the shop's default).
 * - `avro`: Confluent's wire format — magic byte 0, the schema id as 4 bytes big-endian, then the
 *   Avro binary — with the topic's schema (`schemas/*.avsc`) registered in a Schema Registry under
 *   `<topic>-value` (the newer original). Topics without a schema (logs) stay JSON.
 *
 * Readers accept both, message by message, whatever the shop writes: a value starting with the
 * magic byte 0 is Avro (its writer schema comes from the registry by id), anything else is JSON
 * (JSON text never starts with a zero byte). So a fleet moves from JSON to Avro one service at a
 * time. `decode` answers a plain object; what fits the event is checked by the parsers in
 * `messages.ts`. A value that cannot be decoded throws MALFORMED_MESSAGE (dead-lettered); a
 * registry that does not answer throws a retriable SCHEMA_REGISTRY_UNAVAILABLE (the actor restarts
 * and the message comes again).
 *
 * @example
 * const wire = createWireFormat(kafkaConfig, config.topics); // avro when the INI has [schema-registry]
 * const bytes = await wire.encode('pizza-baked', { status: 300, timestamp: Date.now() });
 * await wire.decode('pizza-baked', bytes); // { status: 300, timestamp: … }
 */
export interface WireFormat {
  readonly name: 'json' | 'avro';
  /** the registry used to read Avro values (and to register schemas, for `avro`), if any */
  readonly registry?: SchemaRegistryClient;
  /** whether `encode` writes this topic in a format other than JSON */
  encodes(topic: string): boolean;
  encode(topic: string, value: object): Promise<Uint8Array> | Uint8Array;
  decode(topic: string, bytes: Uint8Array): Promise<unknown> | unknown;
  /** Registers the schemas of every topic written in this format (fails fast at start). */
  prepare(): Promise<void>;
}

/** Confluent's magic byte: a value starting with it is schema id + Avro binary. */
export const MAGIC_BYTE = 0;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function decodeJsonValue(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8Decoder.decode(bytes);
  } catch {
    throw malformed('value is not UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw malformed('value is not JSON');
  }
}

/** Reads Avro values in Confluent's wire format, writer schemas fetched by id (and kept). */
function avroReader(registry: SchemaRegistryClient | undefined, types = new Map<number, Promise<avro.Type>>()) {
  const typeOf = (id: number) => {
    let t = types.get(id);
    if (!t) {
      t = (async () => {
        if (!registry) throw new Error('unreachable');
        const text = await registry.schemaById(id);
        try {
          return avro.Type.forSchema(JSON.parse(text));
        } catch (error) {
          throw malformed(`schema id ${id} in the registry is not an Avro schema this shop can read: ${(error as Error).message}`);
        }
      })();
      types.set(id, t);
      t.catch(() => types.delete(id));
    }
    return t;
  };
  return async (bytes: Uint8Array): Promise<unknown> => {
    if (bytes.length < 5) throw malformed('value starts with the Avro magic byte but is shorter than its 5-byte header');
    const id = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1, false);
    if (!registry) throw malformed(`value is Avro (schema id ${id}) but no [schema-registry] is configured to read it`);
    const type = await typeOf(id);
    try {
      // plain objects: avsc's records carry methods on their prototype
      return JSON.parse(JSON.stringify(type.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset + 5, bytes.byteLength - 5))));
    } catch (error) {
      throw malformed(`value is not valid Avro for schema id ${id}: ${(error as Error).message}`);
    }
  };
}

/** JSON on the wire; Avro values are still read when a registry is given. */
export function jsonWireFormat(registry?: SchemaRegistryClient): WireFormat {
  const readAvro = avroReader(registry);
  return {
    name: 'json',
    ...(registry ? { registry } : {}),
    encodes: () => false,
    encode: (_topic, value) => utf8Encoder.encode(JSON.stringify(value)),
    decode: (_topic, bytes) => (bytes[0] === MAGIC_BYTE ? readAvro(bytes) : decodeJsonValue(bytes)),
    prepare: async () => {},
  };
}

/** Avro in Confluent's wire format for every topic with a schema (`schemas`: topic → schema text). */
export function avroWireFormat(registry: SchemaRegistryClient, schemas: Map<string, string>): WireFormat {
  // the schemas this format registered are known by id: reading the shop's own values asks the registry nothing
  const known = new Map<number, Promise<avro.Type>>();
  const readAvro = avroReader(registry, known);
  const writers = new Map<string, Promise<{ id: number; type: avro.Type }>>();
  const writerOf = (topic: string, schema: string) => {
    let w = writers.get(topic);
    if (!w) {
      w = registry.register(valueSubject(topic), schema).then((id) => {
        const type = avro.Type.forSchema(JSON.parse(schema));
        known.set(id, Promise.resolve(type));
        return { id, type };
      });
      writers.set(topic, w);
      w.catch(() => writers.delete(topic));
    }
    return w;
  };
  return {
    name: 'avro',
    registry,
    encodes: (topic) => schemas.has(topic),
    async encode(topic, value) {
      const schema = schemas.get(topic);
      if (schema === undefined) return utf8Encoder.encode(JSON.stringify(value));
      const { id, type } = await writerOf(topic, schema);
      let body: Buffer;
      try {
        // fields the schema does not name (the status value's upper-case copies) are not written
        body = type.toBuffer(value);
      } catch (error) {
        throw new ShopError('AVRO_ENCODE_FAILED', `a value for ${topic} does not fit its schema: ${(error as Error).message}`);
      }
      const out = new Uint8Array(5 + body.length);
      new DataView(out.buffer).setUint32(1, id, false);
      out[0] = MAGIC_BYTE;
      out.set(body, 5);
      return out;
    },
    decode: (_topic, bytes) => (bytes[0] === MAGIC_BYTE ? readAvro(bytes) : decodeJsonValue(bytes)),
    async prepare() {
      await Promise.all([...schemas].map(([topic, schema]) => writerOf(topic, schema)));
    },
  };
}

/**
 * The wire format of a Kafka client configuration: Avro with its `[schema-registry]` (`url`,
 * `basic.auth.user.info`), as the newer original; JSON otherwise (and always on the embedded log).
 */
export function createWireFormat(kafka: KafkaClientConfig | undefined, topics: Topics): WireFormat {
  const sr = kafka?.schemaRegistry;
  if (!sr) return jsonWireFormat();
  const registry = createSchemaRegistryClient({
    url: sr.url,
    ...(sr.basicAuthUserInfo ? { basicAuthUserInfo: sr.basicAuthUserInfo } : {}),
  });
  return avroWireFormat(registry, topicSchemas(topics));
}

/**
 * For writers that produce JSON text (the current actors and the web): a producer that re-encodes
 * each value in the wire format. With `json` it is the producer itself.
 */
export function encodingProducer(producer: Producer, wire: WireFormat): Producer {
  if (wire.name === 'json') return producer;
  return {
    async send(topic, messages) {
      // log lines and dead letters (which keep the bytes they came with) go as they are
      if (!wire.encodes(topic)) return producer.send(topic, messages);
      const encoded: OutgoingMessage[] = await Promise.all(
        messages.map(async (m) => {
          const text = typeof m.value === 'string' ? m.value : m.value[0] === MAGIC_BYTE ? null : utf8Decoder.decode(m.value);
          if (text === null) return m; // already in the wire format
          return { ...m, value: await wire.encode(topic, JSON.parse(text) as object) };
        }),
      );
      return producer.send(topic, encoded);
    },
  };
}
