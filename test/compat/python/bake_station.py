"""A bake station written here in Python on confluent-kafka (librdkafka), standing in for ours.

It behaves as the original's bake service: reads pizza-assembled, waits baking_time (times --speed),
writes pizza-baked {status, timestamp} keyed by the order id with the Java partitioner
(murmur2_random), then commits the input. JSON by default; with --registry, Avro in Confluent's wire
format through AvroSerializer/AvroDeserializer, as the newer original. It ignores pizza-cancelled
and writes no log lines, as the original does. Runs until SIGTERM.

Usage: bake_station.py --bootstrap H:P --group G --in TOPIC --out TOPIC [--registry URL --schema FILE] [--speed S]
"""
import argparse
import json
import signal
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap", required=True)
parser.add_argument("--group", required=True)
parser.add_argument("--in", dest="topic_in", required=True)
parser.add_argument("--out", dest="topic_out", required=True)
parser.add_argument("--registry")
parser.add_argument("--schema")
parser.add_argument("--speed", type=float, default=0.0)
parser.add_argument("--status", type=int, default=300)
args = parser.parse_args()

producer = Producer({"bootstrap.servers": args.bootstrap, "partitioner": "murmur2_random", "client.id": "py-bake"})
consumer = Consumer(
    {
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        "client.id": "py-bake",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    }
)

if args.registry:
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    registry = SchemaRegistryClient({"url": args.registry})
    with open(args.schema) as f:
        serializer = AvroSerializer(registry, f.read(), lambda obj, ctx: obj)
    deserializer = AvroDeserializer(registry)

    def decode(msg):
        return deserializer(msg.value(), SerializationContext(msg.topic(), MessageField.VALUE))

    def encode(value):
        return serializer(value, SerializationContext(args.topic_out, MessageField.VALUE))
else:

    def decode(msg):
        return json.loads(msg.value())

    def encode(value):
        return json.dumps(value).encode()


running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)

consumer.subscribe([args.topic_in])
print(json.dumps({"event": "subscribed", "topic": args.topic_in}), flush=True)
while running:
    msg = consumer.poll(0.2)
    if msg is None:
        continue
    if msg.error():
        if msg.error().code() != KafkaError._PARTITION_EOF:
            print(json.dumps({"event": "error", "error": str(msg.error())}), flush=True)
        continue
    order_id = msg.key().decode()
    value = decode(msg)
    time.sleep(max(0.0, float(value["baking_time"]) * args.speed))
    producer.produce(args.topic_out, key=order_id, value=encode({"status": args.status, "timestamp": int(time.time() * 1000)}))
    producer.flush()
    consumer.commit(message=msg, asynchronous=False)
    print(json.dumps({"event": "baked", "order_id": order_id, "partition": msg.partition()}), flush=True)

consumer.close()
sys.exit(0)
