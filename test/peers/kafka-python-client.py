"""kafka-python (its own protocol code, not librdkafka) against a broker: admin, produce with and
without gzip, a consumer group that commits, group and offset admin, topic deletion. Prints one
JSON object with what it saw; the test checks it. Usage: kafka-python-client.py BOOTSTRAP PREFIX"""
import json
import sys

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

bootstrap, prefix = sys.argv[1], sys.argv[2]
topic, group = prefix + "-orders", prefix + "-billing"
out = {}

admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kafka-python-check")
out["apiVersion"] = list(admin.config["api_version"])
admin.create_topics([NewTopic(topic, 3, 1, topic_configs={"retention.ms": "3600000"})])
out["topicListed"] = topic in admin.list_topics()
configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])[0]
out["retentionMs"] = next(e[1] for e in configs.resources[0][4] if e[0] == "retention.ms")

sent = []
for codec in (None, "gzip"):
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type=codec, linger_ms=5)
    futures = []
    for i in range(500):
        key, value = f"k{i}".encode(), f"{codec}-{i}".encode()
        futures.append(producer.send(topic, key=key, value=value, headers=[("n", str(i).encode())]))
    producer.flush()
    for f in futures:
        md = f.get(timeout=30)
        sent.append([md.partition, md.offset])
    producer.close()
out["sent"] = len(sent)
out["sentPartitions"] = sorted({p for p, _ in sent})

consumer = KafkaConsumer(
    topic,
    bootstrap_servers=bootstrap,
    group_id=group,
    auto_offset_reset="earliest",
    enable_auto_commit=False,
    consumer_timeout_ms=10000,
)
received = []
for m in consumer:
    received.append([m.partition, m.offset, m.key.decode(), m.value.decode(), dict(m.headers)["n"].decode()])
    if len(received) == len(sent):
        break
consumer.commit()
out["received"] = received
out["committed"] = sorted([tp.partition, consumer.committed(tp)] for tp in consumer.assignment())
consumer.close()

out["groups"] = [g for g, _ in admin.list_consumer_groups()]
described = admin.describe_consumer_groups([group])[0]
out["groupState"] = described.state
out["groupOffsets"] = sorted([tp.partition, o.offset] for tp, o in admin.list_consumer_group_offsets(group).items())
admin.delete_topics([topic])
out["listedAfterDelete"] = topic in admin.list_topics()
admin.close()
print(json.dumps(out))
