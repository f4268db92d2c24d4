// Small helpers over FluxMQ's own client connection for tests.
import { KafkaConnection } from '../../src/client/connection.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/records/record-batch.js';

export async function connectTo(port: number): Promise<KafkaConnection> {
  return KafkaConnection.connect('127.0.0.1', port, { requestTimeoutMs: 10_000 });
}

export async function createTopic(c: KafkaConnection, name: string, numPartitions = 1): Promise<void> {
  const res = await c.request(ApiKey.CreateTopics, 5, {
    topics: [{ name, numPartitions, replicationFactor: 1 }],
    timeoutMs: 5000,
  });
  const code = res.topics[0].errorCode;
  if (code !== 0) throw new Error(`CreateTopics ${name}: error ${code}`);
}

export async function produceValues(
  c: KafkaConnection,
  topic: string,
  partition: number,
  values: string[],
  acks = 1,
) {
  const records = await encodeRecordBatch({ records: values.map((v) => ({ value: v })) });
  const res = await c.request(ApiKey.Produce, 9, {
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  return res.responses[0].partitionResponses[0] as { errorCode: number; baseOffset: number };
}

export async function logEndOffset(c: KafkaConnection, topic: string, partition = 0): Promise<number> {
  const res = await c.request(ApiKey.ListOffsets, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1 }] }],
  });
  const p = res.topics[0].partitions[0];
  if (p.errorCode !== 0) throw new Error(`ListOffsets error ${p.errorCode}`);
  return p.offset;
}

/** Every record of a partition from offset 0, via Fetch v12 and the record batch decoder. */
export async function fetchAll(
  c: KafkaConnection,
  topic: string,
  partition = 0,
): Promise<{ offset: number; value: string | null }[]> {
  const out: { offset: number; value: string | null }[] = [];
  let offset = 0;
  for (;;) {
    const res = await c.request(ApiKey.Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 4 * 1024 * 1024,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        { topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 4 * 1024 * 1024 }] },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    const p = res.responses[0].partitions[0];
    if (p.errorCode !== 0) throw new Error(`Fetch error ${p.errorCode} at offset ${offset}`);
    const batches = await decodeRecordBatches(p.records ?? Buffer.alloc(0));
    let progressed = false;
    for (const b of batches) {
      for (const r of b.records) {
        if (r.offset < offset) continue;
        out.push({ offset: r.offset, value: r.value === null ? null : r.value.toString() });
        offset = r.offset + 1;
        progressed = true;
      }
      // a batch may end past its last record (compaction keeps emptied batches' offsets)
      const next = b.baseOffset + b.lastOffsetDelta + 1;
      if (next > offset) {
        offset = next;
        progressed = true;
      }
    }
    if (offset >= p.highWatermark) return out;
    if (!progressed) throw new Error(`no progress at offset ${offset}, high watermark ${p.highWatermark}`);
  }
}
