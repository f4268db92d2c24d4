// The consume workload: reads every partition of a topic from its earliest offset to the log end
// offset seen at the start (or until --records), one fetch loop per partition, counting records
// from batch headers, and verifies the count against the offsets. With --group it reads as a
// member of that consumer group instead (group-consume.ts).

import { ErrorCode, errorName } from '../protocol/errors.js';
import { ApiKey } from '../protocol/messages/index.js';
import { forEachBatch } from './batches.js';
import {
  consumeSummary,
  expectedRecords,
  type ConsumeBenchResult,
  type ConsumeHooks,
} from './consume-result.js';
import { runGroupConsume } from './group-consume.js';
import { EARLIEST, LATEST, listOffsets } from './offsets.js';
import { checkConsumeOptions, type ConsumeBenchOptions } from './options.js';
import { BenchStats } from './stats.js';
import { connectTopology } from './topology.js';

export type { ConsumeBenchOptions, ConsumeBenchResult, ConsumeHooks };

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

export const CONSUME_APIS = [{ apiKey: ApiKey.Fetch, version: FETCH_VERSION }];

export async function runConsumeBench(
  options: ConsumeBenchOptions,
  hooks: ConsumeHooks = {},
): Promise<ConsumeBenchResult> {
  const o = checkConsumeOptions(options);
  const group = o.group;
  const topology = await connectTopology({
    bootstrap: o.bootstrap,
    topic: o.topic,
    security: o.security,
    connectionsPerBroker: group === undefined ? 1 : 0,
    requires: group === undefined ? CONSUME_APIS : [],
  });
  try {
    if (group !== undefined) return await runGroupConsume(o, group, topology, hooks);
    const start = await listOffsets(topology, o.topic, EARLIEST);
    const end = await listOffsets(topology, o.topic, LATEST);
    const expected = expectedRecords(start, end, o.records);
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
    return {
      ...consumeSummary(o, topology.partitions.length, stats, expected, performance.now() - started),
      fetches,
      group: null,
      committed: null,
      joinMs: null,
    };
  } finally {
    topology.close();
  }
}
