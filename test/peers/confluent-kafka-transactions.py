"""confluent-kafka-python (librdkafka's transactional producer and read_committed consumer) against
a broker: consume-transform-produce in transactions, the first one aborted and redone, offsets
committed with the transaction. Prints one JSON object with what it saw; the test checks it.
Usage: confluent-kafka-transactions.py BOOTSTRAP PREFIX"""
import json
import sys

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, prefix = sys.argv[1], sys.argv[2]
source, sink, group = prefix + "-in", prefix + "-out", prefix + "-transform"
out = {}

admin = AdminClient({"bootstrap.servers": bootstrap})
for f in admin.create_topics([NewTopic(source, 2, 1), NewTopic(sink, 2, 1)]).values():
    f.result()

producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "compression.type": "zstd"})
for i in range(500):
    producer.produce(source, key=str(i), value=f"in-{i}")
producer.flush(30)

consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "isolation.level": "read_committed",
})
consumer.subscribe([source])
txn = Producer({"bootstrap.servers": bootstrap, "transactional.id": prefix + "-txn", "compression.type": "lz4"})
txn.init_transactions(30)
transformed, aborted = 0, 0
while transformed < 500:
    msgs = [m for m in consumer.consume(100, timeout=10) if not m.error()]
    if not msgs:
        break
    txn.begin_transaction()
    for m in msgs:
        txn.produce(sink, key=m.key(), value=m.value().replace(b"in-", b"out-"))
    if aborted == 0:
        # the first transaction is aborted: its records must never be read, its input is redone
        txn.abort_transaction(30)
        aborted = len(msgs)
        firsts = {}
        for m in msgs:
            firsts.setdefault(m.partition(), m)
        for m in firsts.values():
            consumer.seek(TopicPartition(m.topic(), m.partition(), m.offset()))
        continue
    txn.send_offsets_to_transaction(consumer.position(consumer.assignment()), consumer.consumer_group_metadata(), 30)
    txn.commit_transaction(30)
    transformed += len(msgs)
out["aborted"] = aborted
out["transformed"] = transformed
out["committed"] = sorted([tp.partition, tp.offset] for tp in consumer.committed(consumer.assignment(), timeout=10))
consumer.close()

reader = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": prefix + "-reader",
    "auto.offset.reset": "earliest",
    "isolation.level": "read_committed",
})
reader.subscribe([sink])
values = []
idle = 0
while True:
    # once all 500 are in, one short poll more: anything after them would be a duplicate or aborted
    msgs = [m for m in reader.consume(500, timeout=1 if len(values) >= 500 else 5) if not m.error()]
    values += [m.value().decode() for m in msgs]
    idle = 0 if msgs else idle + 1
    if not msgs and (len(values) >= 500 or idle >= 3):
        break
reader.close()
out["readCommitted"] = values
print(json.dumps(out))
