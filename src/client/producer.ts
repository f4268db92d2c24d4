// A simple producer for tools (`fluxmq produce`): records go to an explicit partition, to the
// partition of their key (Kafka's murmur2 partitioner, so keys land where the Java client puts them)
// or round-robin. Each partition's records are sent in order as batches of bounded size, in the
// codec asked for, to the partition's leader; acks=0 sends without waiting for an answer.

import { ErrorCode } from '../protocol/errors.js';
import { ApiKey, type ProduceResponse } from '../protocol/messages/index.js';
import type { CompressionType } from '../protocol/records/compression/types.js';
import { encodeRecordBatch, type RecordHeader } from '../protocol/records/record-batch.js';
import { topicMetadata } from './admin/topics.js';
import { leaderOf } from './admin/offsets.js';
import type { ClusterClient } from './cluster.js';
import { check, KafkaRequestError } from './errors.js';
import { partitionForKey } from './partitioner.js';

export interface ProduceRecord {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** Overrides the partitioner. */
  partition?: number;
  timestamp?: number;
}

export interface ProduceOptions {
  acks: 0 | 1 | -1;
  compression?: CompressionType;
  timeoutMs?: number;
  /** Upper bound of the record bytes in one batch (default 512 KiB, under Kafka's 1 MB message.max.bytes). */
  maxBatchBytes?: number;
}

export interface ProducedPartition {
  partition: number;
  /** Offset of the first record (-1 with acks=0). */
  baseOffset: number;
  count: number;
}

export interface ProduceResult {
  topic: string;
  count: number;
  acks: number;
  partitions: ProducedPartition[];
}

const RECORD_OVERHEAD = 24;

function sizeOf(r: ProduceRecord): number {
  let n = RECORD_OVERHEAD + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers ?? []) n += h.key.length + (h.value?.length ?? 0) + 8;
  return n;
}

/** Sends `records` to `topic` (creating it if the broker auto-creates topics). */
export async function produce(
  client: ClusterClient,
  topic: string,
  records: ProduceRecord[],
  opts: ProduceOptions,
): Promise<ProduceResult> {
  const meta = await client.refreshMetadata([topic], true).then(async (m) => {
    const t = m.topics.find((x) => x.name === topic);
    // a topic just auto-created may report LEADER_NOT_AVAILABLE once
    if (t && t.errorCode === ErrorCode.LEADER_NOT_AVAILABLE) return topicMetadata(client, [topic]);
    if (t && t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
      throw new KafkaRequestError(
        t.errorCode,
        `produce to topic '${topic}'`,
        `Topic '${topic}' does not exist and the broker does not create topics automatically.`,
      );
    }
    check(t?.errorCode, `produce to topic '${topic}'`);
    return m;
  });
  const partitionCount = meta.topics.find((t) => t.name === topic)!.partitions.length;
  const byPartition = new Map<number, ProduceRecord[]>();
  let next = 0;
  for (const r of records) {
    let p: number;
    if (r.partition !== undefined) p = r.partition;
    else if (r.key) p = partitionForKey(r.key, partitionCount);
    else p = next++ % partitionCount;
    if (p < 0 || p >= partitionCount) {
      throw new KafkaRequestError(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        `produce to ${topic}-${p}`,
        `Topic '${topic}' has ${partitionCount} partition(s): 0 to ${partitionCount - 1}.`,
      );
    }
    let list = byPartition.get(p);
    if (!list) byPartition.set(p, (list = []));
    list.push(r);
  }

  // split each partition's records into batches, in order
  const maxBytes = opts.maxBatchBytes ?? 512 * 1024;
  const batches = new Map<number, ProduceRecord[][]>();
  for (const [p, list] of byPartition) {
    const out: ProduceRecord[][] = [];
    let cur: ProduceRecord[] = [];
    let bytes = 0;
    for (const r of list) {
      const s = sizeOf(r);
      if (cur.length > 0 && bytes + s > maxBytes) {
        out.push(cur);
        cur = [];
        bytes = 0;
      }
      cur.push(r);
      bytes += s;
    }
    if (cur.length > 0) out.push(cur);
    batches.set(p, out);
  }

  const results = new Map<number, ProducedPartition>();
  const leadersUsed = new Set<number>();
  // round i sends the i-th batch of every partition (one request per leader), so order holds
  for (let round = 0; ; round++) {
    const byLeader = new Map<number, { partition: number; records: ProduceRecord[] }[]>();
    for (const [p, list] of batches) {
      const b = list[round];
      if (!b) continue;
      const leader = leaderOf(meta, topic, p);
      let l = byLeader.get(leader);
      if (!l) byLeader.set(leader, (l = []));
      l.push({ partition: p, records: b });
    }
    if (byLeader.size === 0) break;
    await Promise.all(
      [...byLeader].map(async ([leader, list]) => {
        const partitionData = await Promise.all(
          list.map(async (b) => ({
            index: b.partition,
            records: await encodeRecordBatch({
              records: b.records.map((r) => ({
                key: r.key ?? null,
                value: r.value,
                headers: r.headers,
                timestamp: r.timestamp,
              })),
              compression: opts.compression ?? 'none',
            }),
          })),
        );
        const body = () => ({
          transactionalId: null,
          acks: opts.acks,
          timeoutMs: opts.timeoutMs ?? 30_000,
          topicData: [{ name: topic, partitionData }],
        });
        if (opts.acks === 0) {
          leadersUsed.add(leader);
          await client.send(leader, ApiKey.Produce, body, { min: 3 });
          for (const b of list) addResult(results, b.partition, -1, b.records.length);
          return;
        }
        const { response } = await client.request<ProduceResponse>(leader, ApiKey.Produce, body, { min: 3 });
        for (const pr of response.responses[0]?.partitionResponses ?? []) {
          check(pr.errorCode, `produce to ${topic}-${pr.index}`, pr.errorMessage);
          const b = list.find((x) => x.partition === pr.index)!;
          addResult(results, pr.index, pr.baseOffset, b.records.length);
        }
      }),
    );
  }
  // acks=0 gets no answer: a request after it on the same connection is answered only once the
  // broker has read (and handled) the produce requests before it, so the data is not lost on close
  await Promise.all(
    [...leadersUsed].map((leader) => client.request(leader, ApiKey.ApiVersions, () => ({}), { max: 0 })),
  );
  const partitions = [...results.values()].sort((a, b) => a.partition - b.partition);
  return { topic, count: records.length, acks: opts.acks, partitions };
}

function addResult(
  results: Map<number, ProducedPartition>,
  partition: number,
  baseOffset: number,
  count: number,
): void {
  const r = results.get(partition);
  if (r) r.count += count;
  else results.set(partition, { partition, baseOffset, count });
}
