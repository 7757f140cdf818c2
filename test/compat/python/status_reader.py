"""Reads the shop's status topic the way the original's status services do, printing one JSON line per message.

JSON (the first original): the value's upper-case `STATUS` as its ksqlDB wrote it, 410 (unknown) when
it is missing. Avro (the newer original): AvroDeserializer through the registry, lower-case `status`.
Exits 0 once every order named by --expect has status 999, or 1 after --timeout seconds.

Usage: status_reader.py --bootstrap H:P --topic T --expect id,id,... [--registry URL] [--timeout S]
"""
import argparse
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap", required=True)
parser.add_argument("--topic", required=True)
parser.add_argument("--expect", required=True)
parser.add_argument("--registry")
parser.add_argument("--timeout", type=float, default=90)
args = parser.parse_args()

consumer = Consumer(
    {
        "bootstrap.servers": args.bootstrap,
        "group.id": f"py-status-{uuid.uuid4().hex[:8]}",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    }
)
if args.registry:
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    deserializer = AvroDeserializer(SchemaRegistryClient({"url": args.registry}))

    def status_of(msg):
        return deserializer(msg.value(), SerializationContext(msg.topic(), MessageField.VALUE)).get("status", 410)
else:

    def status_of(msg):
        return json.loads(msg.value()).get("STATUS", 410)


expected = set(args.expect.split(","))
latest = {}
consumer.subscribe([args.topic])
deadline = time.time() + args.timeout
while time.time() < deadline:
    msg = consumer.poll(0.2)
    if msg is None or (msg.error() and msg.error().code() == KafkaError._PARTITION_EOF):
        continue
    if msg.error():
        print(json.dumps({"event": "error", "error": str(msg.error())}), flush=True)
        continue
    order_id = msg.key().decode()
    latest[order_id] = status_of(msg)
    print(json.dumps({"order_id": order_id, "status": latest[order_id], "partition": msg.partition()}), flush=True)
    if all(latest.get(o) == 999 for o in expected):
        consumer.close()
        sys.exit(0)
consumer.close()
print(json.dumps({"event": "timeout", "latest": latest}), flush=True)
sys.exit(1)
