"""Confluent's Python Schema Registry client, AvroSerializer and AvroDeserializer against a registry.

Usage: registry_clients.py <registry url> <schemas dir> <hex of an Avro value written by the shop>
Prints one JSON line: what the checks saw. Written here for the shop's tests (issue 9).
"""
import json
import sys

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

url, schemas_dir, shop_value_hex = sys.argv[1], sys.argv[2], sys.argv[3]
client = SchemaRegistryClient({"url": url})
with open(f"{schemas_dir}/pizza-assembled.avsc") as f:
    assembled = f.read()

out = {}
ctx = SerializationContext("py-assembled", MessageField.VALUE)
serializer = AvroSerializer(client, assembled, lambda obj, ctx: obj)
written = serializer({"status": 200, "baking_time": 13, "timestamp": 1700000000000}, ctx)
out["written_hex"] = written.hex()
out["subjects"] = client.get_subjects()
latest = client.get_latest_version("py-assembled-value")
out["latest"] = {"version": latest.version, "id": latest.schema_id}

# a fresh client (no cache): the schema comes from the registry by id
deserializer = AvroDeserializer(SchemaRegistryClient({"url": url}))
out["read_back"] = deserializer(written, ctx)
out["read_shop"] = deserializer(bytes.fromhex(shop_value_hex), SerializationContext("pizza-baked", MessageField.VALUE))

base = json.loads(assembled)
with_default = dict(base, fields=base["fields"] + [{"name": "oven", "type": "string", "default": "one"}])
without_default = dict(base, fields=base["fields"] + [{"name": "oven", "type": "string"}])
out["compatible_with_default"] = client.test_compatibility("py-assembled-value", Schema(json.dumps(with_default), "AVRO"))
out["compatible_without_default"] = client.test_compatibility("py-assembled-value", Schema(json.dumps(without_default), "AVRO"))
try:
    client.register_schema("py-assembled-value", Schema(json.dumps(without_default), "AVRO"))
    out["incompatible_register"] = "accepted"
except SchemaRegistryError as e:
    out["incompatible_register"] = e.http_status_code
out["level"] = client.get_compatibility()
print(json.dumps(out))
