// The consume workload: reads every partition of a topic from its earliest offset to the log end
// offset seen at the start (or until --records), one fetch loop per partition, counting records
// from batch headers, and verifies the count against the offsets.

import { ErrorCode, errorName } from '../protocol/errors.js';
import { ApiKey } from '../protocol/messages/index.js';
import { forEachBatch } from './batches.js';
import { EARLIEST, LATEST, listOffsets } from './offsets.js';
import { BenchStats, type Snapshot } from './stats.js';
import { connectTopology } from './topology.js';

export interface ConsumeBenchOptions {
  bootstrap: string;
  topic: string;
  /** Stop after this many records (default: everything up to the log end at start). */
  records?: number;
  /** Fetch max_bytes and per-partition max bytes. */
  maxBytes: number;
  partitionMaxBytes: number;
}

export interface ConsumeBenchResult {
  kind: 'consume';
  topic: string;
  partitions: number;
  records: number;
  /** Record batch bytes received (MB = 10^6 bytes). */
  bytes: number;
  expectedRecords: number;
  verified: boolean;
  fetches: number;
  durationMs: number;
  recordsPerSec: number;
  mbPerSec: number;
  errors: Record<string, number>;
}

export const FETCH_VERSION = 11;

export function fetchRequestBody(
  topic: string,
  partition: number,
  fetchOffset: number,
  o: { maxBytes: number; partitionMaxBytes: number; minBytes?: number; maxWaitMs?: number },
) {
  return {
    replicaId: -1,
    maxWaitMs: o.maxWaitMs ?? 500,
    minBytes: o.minBytes ?? 1,
    maxBytes: o.maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: [
          {
            partition,
            fetchOffset,
            currentLeaderEpoch: -1,
            logStartOffset: -1,
            partitionMaxBytes: o.partitionMaxBytes,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
}

export interface FetchResponse {
  errorCode: number;
  responses: { partitions: { errorCode: number; highWatermark: number; records: Buffer | null }[] }[];
}

export async function runConsumeBench(
  o: ConsumeBenchOptions,
  hooks: { onSnapshot?: (s: Snapshot) => void; signal?: AbortSignal } = {},
): Promise<ConsumeBenchResult> {
  const topology = await connectTopology({ bootstrap: o.bootstrap, topic: o.topic, connectionsPerBroker: 1 });
  try {
    const start = await listOffsets(topology, o.topic, EARLIEST);
    const end = await listOffsets(topology, o.topic, LATEST);
    let available = 0;
    for (const p of topology.partitions) available += end.get(p.partition)! - start.get(p.partition)!;
    const expected = o.records !== undefined ? Math.min(o.records, available) : available;
    const stats = new BenchStats({ records: expected });
    let fetches = 0;
    const ticker = hooks.onSnapshot ? setInterval(() => hooks.onSnapshot!(stats.snapshot()), 1000) : null;
    const started = performance.now();
    try {
      await Promise.all(
        topology.partitions.map(async (route) => {
          let offset = start.get(route.partition)!;
          const stop = end.get(route.partition)!;
          while (offset < stop && stats.records < expected && !hooks.signal?.aborted) {
            stats.inflight++;
            fetches++;
            const res = await route.connections[0]!.request<FetchResponse>(
              ApiKey.Fetch,
              FETCH_VERSION,
              fetchRequestBody(o.topic, route.partition, offset, o),
            ).finally(() => stats.inflight--);
            const p = res.responses[0]?.partitions[0];
            const code = res.errorCode || (p?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
            if (code !== ErrorCode.NONE) {
              stats.error(errorName(code));
              throw new Error(`fetch ${o.topic}/${route.partition} at ${offset}: ${errorName(code)}`);
            }
            const records = p!.records ?? Buffer.alloc(0);
            offset = forEachBatch(records, offset, (b) => {
              const within = Math.max(
                0,
                Math.min(b.lastOffset, stop - 1) - Math.max(b.baseOffset, offset) + 1,
              );
              stats.add(Math.min(b.records, within), 0);
            });
            stats.bytes += records.length;
          }
        }),
      );
    } finally {
      if (ticker) clearInterval(ticker);
    }
    const durationMs = performance.now() - started;
    return {
      kind: 'consume',
      topic: o.topic,
      partitions: topology.partitions.length,
      records: stats.records,
      bytes: stats.bytes,
      expectedRecords: expected,
      verified: o.records !== undefined ? stats.records >= expected : stats.records === expected,
      fetches,
      durationMs: Math.round(durationMs),
      recordsPerSec: Math.round(stats.records / (durationMs / 1000)),
      mbPerSec: Math.round((stats.bytes / (durationMs / 1000) / 1e6) * 100) / 100,
      errors: { ...stats.errors },
    };
  } finally {
    topology.close();
  }
}
