// Shared parts of the fault suite (test/faults/): producing unique values while counting what the
// broker acknowledged, reading a partition back, and the one-line summary every scenario prints:
//
//   FAULT <scenario>: acknowledged N, read back N, lost 0, duplicated 0[, more counters]
//
// "lost" counts acknowledged values missing, or not at the offset the broker acknowledged;
// "duplicated" counts values stored more than once (each value is produced by one attempt only).
import type { KafkaConnection } from '../../src/client/connection.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { decodeRecordBatches, encodeRecordBatch } from '../../src/protocol/records/record-batch.js';

export interface StoredRecord {
  offset: number;
  key: string | null;
  value: string | null;
}

export interface AckTally {
  /** value -> offset the broker acknowledged for it */
  acked: Map<string, number>;
  /** values sent whose request failed or timed out (they may or may not be stored) */
  unacked: Set<string>;
  timeouts: number;
  errors: Map<number, number>;
}

export function newTally(): AckTally {
  return { acked: new Map(), unacked: new Set(), timeouts: 0, errors: new Map() };
}

export interface ProduceLoopOptions {
  topic: string;
  partition: number;
  acks: 1 | -1;
  /** Requests in flight at once. */
  inflight?: number;
  recordsPerBatch?: number;
  /** Value prefix; values are `${prefix}-${n}`. */
  prefix: string;
  /** Stops sending new requests once this returns true. */
  stop: () => boolean;
  /** Pause of each lane after each request (to bound the rate); none by default. */
  delayMs?: number;
}

/**
 * Sends batches of unique values, `inflight` requests at a time, each value in one request only
 * (never retried), until `stop()` or the connection is gone. Resolves when every lane has ended.
 */
export async function produceLoop(c: KafkaConnection, tally: AckTally, o: ProduceLoopOptions): Promise<void> {
  let seq = 0;
  const perBatch = o.recordsPerBatch ?? 10;
  const lane = async (): Promise<void> => {
    while (!o.stop() && !c.closed) {
      const values = Array.from({ length: perBatch }, () => `${o.prefix}-${seq++}`);
      const records = await encodeRecordBatch({ records: values.map((v) => ({ value: v })) });
      try {
        const res = await c.request(ApiKey.Produce, 9, {
          acks: o.acks,
          timeoutMs: 5000,
          topicData: [{ name: o.topic, partitionData: [{ index: o.partition, records }] }],
        });
        const p = res.responses[0].partitionResponses[0] as { errorCode: number; baseOffset: number };
        if (p.errorCode !== 0) {
          tally.errors.set(p.errorCode, (tally.errors.get(p.errorCode) ?? 0) + 1);
          for (const v of values) tally.unacked.add(v);
          continue;
        }
        values.forEach((v, i) => tally.acked.set(v, p.baseOffset + i));
      } catch (err) {
        if ((err as Error).name === 'RequestTimeoutError') tally.timeouts++;
        for (const v of values) tally.unacked.add(v);
      }
      if (o.delayMs) await sleep(o.delayMs);
    }
  };
  await Promise.allSettled(Array.from({ length: o.inflight ?? 8 }, lane));
}

/** Every record of a partition from its log start offset (Fetch v12), keys and values as strings. */
export async function readBack(c: KafkaConnection, topic: string, partition = 0): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let offset = 0;
  for (;;) {
    const res = await c.request(ApiKey.Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 8 * 1024 * 1024,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        { topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 8 * 1024 * 1024 }] },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    const p = res.responses[0].partitions[0];
    if (p.errorCode === 1 && offset === 0 && p.logStartOffset > 0) {
      offset = Number(p.logStartOffset); // OFFSET_OUT_OF_RANGE below the log start
      continue;
    }
    if (p.errorCode !== 0) throw new Error(`Fetch error ${p.errorCode} at offset ${offset}`);
    const before = offset;
    for (const b of await decodeRecordBatches(p.records ?? Buffer.alloc(0))) {
      for (const r of b.records) {
        if (r.offset < offset) continue;
        out.push({
          offset: r.offset,
          key: r.key === null ? null : r.key.toString(),
          value: r.value === null ? null : r.value.toString(),
        });
        offset = r.offset + 1;
      }
      offset = Math.max(offset, b.baseOffset + b.lastOffsetDelta + 1);
    }
    if (offset >= Number(p.highWatermark)) return out;
    if (offset === before)
      throw new Error(`no progress at offset ${offset}, high watermark ${p.highWatermark}`);
  }
}

export interface Verdict {
  acknowledged: number;
  readBack: number;
  lost: number;
  duplicated: number;
  /** Stored values that were never acknowledged (in flight at a crash or a timeout): allowed. */
  unackedPresent: number;
  /** Offsets that do not strictly increase in the read. */
  outOfOrder: number;
}

/** Compares what was acknowledged with what a full read returned (only values starting with `prefix`). */
export function verify(tally: AckTally, records: StoredRecord[], prefix = ''): Verdict {
  const seen = new Map<string, number[]>();
  let outOfOrder = 0;
  let prev = -1;
  for (const r of records) {
    if (r.offset <= prev) outOfOrder++;
    prev = r.offset;
    if (r.value === null || !r.value.startsWith(prefix)) continue;
    const at = seen.get(r.value);
    if (at) at.push(r.offset);
    else seen.set(r.value, [r.offset]);
  }
  let readBackCount = 0;
  let lost = 0;
  for (const [value, offset] of tally.acked) {
    const at = seen.get(value);
    if (at && at.includes(offset)) readBackCount++;
    else lost++;
  }
  let duplicated = 0;
  let unackedPresent = 0;
  for (const [value, at] of seen) {
    if (at.length > 1) duplicated += at.length - 1;
    if (!tally.acked.has(value)) unackedPresent++;
  }
  return {
    acknowledged: tally.acked.size,
    readBack: readBackCount,
    lost,
    duplicated,
    unackedPresent,
    outOfOrder,
  };
}

/** Prints the scenario's summary line and returns it. */
export function summary(scenario: string, v: Verdict, extra: Record<string, number | string> = {}): string {
  const more = Object.entries(extra)
    .map(([k, n]) => `, ${k} ${n}`)
    .join('');
  const line =
    `FAULT ${scenario}: acknowledged ${v.acknowledged}, read back ${v.readBack}, lost ${v.lost}, ` +
    `duplicated ${v.duplicated}${more}`;
  console.log(line);
  return line;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
