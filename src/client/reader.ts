// Reads partitions directly (no consumer group) for tools (`fluxmq consume`): start positions from
// ListOffsets (beginning, end, an offset, or the first record at or after a time), then Fetch from
// each partition's leader, decoding the record batches. Control batches (transaction markers) are
// skipped. It stops after a number of records, at the end of every partition, after a quiet period,
// or when aborted.

import { ErrorCode } from '../protocol/errors.js';
import { ApiKey, type FetchResponse, type MetadataResponse } from '../protocol/messages/index.js';
import { decodeRecordBatches } from '../protocol/records/record-batch.js';
import { EARLIEST, LATEST, leaderOf, listOffsets, tpKey } from './admin/offsets.js';
import { topicMetadata } from './admin/topics.js';
import type { ClusterClient } from './cluster.js';
import { check, KafkaRequestError } from './errors.js';

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  /** null when the source does not say (group reads). */
  timestampType: 'CreateTime' | 'LogAppendTime' | null;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

export type StartPosition =
  | { from: 'beginning' }
  | { from: 'end' }
  | { from: 'offset'; offset: number }
  | { from: 'timestamp'; timestamp: number };

export interface ReadOptions {
  /** Stop after this many records. */
  maxMessages?: number;
  /** Stop once every partition has been read up to its end. */
  exitAtEnd?: boolean;
  /** Stop after this long without a record. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  /** Told when a position was out of range and moved to the log start. */
  onReset?: (topic: string, partition: number, from: number, to: number) => void;
}

interface Position {
  partition: number;
  offset: number;
  highWatermark: number;
}

const MAX_WAIT_MS = 500;
const PARTITION_MAX_BYTES = 1024 * 1024;

export class PartitionReader {
  private constructor(
    private readonly client: ClusterClient,
    private meta: MetadataResponse,
    readonly topic: string,
    private readonly positions: Position[],
  ) {}

  /** Resolves the start position of each partition (all of the topic's when `partitions` is omitted). */
  static async open(
    client: ClusterClient,
    topic: string,
    start: StartPosition,
    partitions?: number[],
  ): Promise<PartitionReader> {
    const meta = await topicMetadata(client, [topic]);
    const t = meta.topics.find((x) => x.name === topic)!;
    const all = t.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
    for (const p of partitions ?? []) {
      if (!all.includes(p)) {
        throw new KafkaRequestError(
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          `read ${topic}-${p}`,
          `Topic '${topic}' has ${all.length} partition(s): 0 to ${all.length - 1}.`,
        );
      }
    }
    const chosen = partitions && partitions.length > 0 ? partitions : all;
    const refs = chosen.map((partition) => ({ topic, partition }));
    const [earliest, latest] = await Promise.all([
      listOffsets(client, refs, EARLIEST, meta),
      listOffsets(client, refs, LATEST, meta),
    ]);
    const byTime = start.from === 'timestamp' ? await listOffsets(client, refs, start.timestamp, meta) : null;
    const positions = chosen.map((partition) => {
      const key = tpKey(topic, partition);
      const lo = earliest.get(key)!;
      const hi = latest.get(key)!;
      let offset: number;
      switch (start.from) {
        case 'beginning':
          offset = lo;
          break;
        case 'end':
          offset = hi;
          break;
        case 'offset':
          offset = Math.min(Math.max(start.offset, lo), hi);
          break;
        case 'timestamp': {
          const o = byTime!.get(key)!;
          offset = o < 0 ? hi : o;
          break;
        }
      }
      return { partition, offset, highWatermark: hi };
    });
    return new PartitionReader(client, meta, topic, positions);
  }

  /** Where each partition starts (for progress notes). */
  get startOffsets(): { partition: number; offset: number }[] {
    return this.positions.map((p) => ({ partition: p.partition, offset: p.offset }));
  }

  private atEnd(): boolean {
    return this.positions.every((p) => p.offset >= p.highWatermark);
  }

  async *records(opts: ReadOptions = {}): AsyncGenerator<ConsumedRecord> {
    let delivered = 0;
    let lastRecordAt = Date.now();
    const topicId = this.meta.topics.find((t) => t.name === this.topic)?.topicId;
    for (;;) {
      if (opts.signal?.aborted) return;
      if (opts.maxMessages !== undefined && delivered >= opts.maxMessages) return;
      if (opts.exitAtEnd && this.atEnd()) return;
      if (opts.idleTimeoutMs !== undefined && Date.now() - lastRecordAt >= opts.idleTimeoutMs) return;

      const byLeader = new Map<number, Position[]>();
      for (const p of this.positions) {
        const leader = leaderOf(this.meta, this.topic, p.partition);
        let list = byLeader.get(leader);
        if (!list) byLeader.set(leader, (list = []));
        list.push(p);
      }
      const batches = await Promise.all(
        [...byLeader].map(async ([leader, list]) => {
          const wait = opts.exitAtEnd && list.every((p) => p.offset >= p.highWatermark) ? 0 : MAX_WAIT_MS;
          const { response } = await this.client.request<FetchResponse>(
            leader,
            ApiKey.Fetch,
            () => ({
              replicaId: -1,
              maxWaitMs: wait,
              minBytes: 1,
              maxBytes: 16 * PARTITION_MAX_BYTES,
              isolationLevel: 0,
              sessionId: 0,
              sessionEpoch: -1,
              topics: [
                {
                  topic: this.topic,
                  topicId,
                  partitions: list.map((p) => ({
                    partition: p.partition,
                    currentLeaderEpoch: -1,
                    fetchOffset: p.offset,
                    lastFetchedEpoch: -1,
                    logStartOffset: -1,
                    partitionMaxBytes: PARTITION_MAX_BYTES,
                  })),
                },
              ],
              forgottenTopicsData: [],
              rackId: '',
            }),
            { min: 4 },
          );
          check(response.errorCode, `fetch from ${this.topic}`);
          return response;
        }),
      );
      const out: ConsumedRecord[] = [];
      for (const response of batches) {
        for (const t of response.responses) {
          for (const pd of t.partitions) {
            const pos = this.positions.find((p) => p.partition === pd.partitionIndex);
            if (!pos) continue;
            if (pd.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE && pd.logStartOffset >= 0) {
              opts.onReset?.(this.topic, pos.partition, pos.offset, pd.logStartOffset);
              pos.offset = pd.logStartOffset;
              continue;
            }
            if (
              pd.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER ||
              pd.errorCode === ErrorCode.LEADER_NOT_AVAILABLE
            ) {
              this.meta = await topicMetadata(this.client, [this.topic]);
              continue;
            }
            check(pd.errorCode, `fetch from ${this.topic}-${pd.partitionIndex}`);
            pos.highWatermark = pd.highWatermark;
            if (!pd.records || pd.records.length === 0) continue;
            for (const b of await decodeRecordBatches(pd.records)) {
              const next = b.baseOffset + b.lastOffsetDelta + 1;
              if (!b.isControl) {
                for (const r of b.records) {
                  if (r.offset < pos.offset) continue;
                  out.push({
                    topic: this.topic,
                    partition: pos.partition,
                    offset: r.offset,
                    timestamp: r.timestamp,
                    timestampType: b.timestampType === 'log-append' ? 'LogAppendTime' : 'CreateTime',
                    key: r.key,
                    value: r.value,
                    headers: r.headers,
                  });
                }
              }
              if (next > pos.offset) pos.offset = next;
            }
          }
        }
      }
      for (const r of out) {
        if (opts.maxMessages !== undefined && delivered >= opts.maxMessages) return;
        delivered++;
        lastRecordAt = Date.now();
        yield r;
      }
    }
  }
}
