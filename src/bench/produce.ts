// The produce workload: lanes of pipelined Produce requests (connections x inflight), each lane
// re-sending its own pre-encoded MegaBatch frames with a fresh correlation id, round-robin over the
// partitions, optionally rate limited. Request latency goes into an HDR histogram; totals are
// checked against the partitions' log end offsets before and after the run.

import { ErrorCode, errorName } from '../protocol/errors.js';
import { ApiKey } from '../protocol/messages/index.js';
import type { LatencySummary } from './histogram.js';
import {
  buildMegaBatch,
  cloneFrame,
  PRODUCE_VERSION,
  stampSendTime,
  type MegaBatchFrame,
} from './megabatch.js';
import { LATEST, listOffsets, sumOffsets } from './offsets.js';
import { checkProduceOptions, recordsPerBatch, type ProduceBenchOptions } from './options.js';
import { RateLimiter } from './rate-limiter.js';
import { BenchStats, type Snapshot } from './stats.js';
import { connectTopology, type PartitionRoute } from './topology.js';

export interface ProduceBenchResult {
  kind: 'produce';
  topic: string;
  partitions: number;
  records: number;
  /** Record value bytes acknowledged (MB = 10^6 bytes). */
  bytes: number;
  requests: number;
  recordsPerBatch: number;
  durationMs: number;
  recordsPerSec: number;
  mbPerSec: number;
  latency: LatencySummary;
  errors: Record<string, number>;
  /** Growth of the partitions' log end offsets during the run (acks != 0), to compare with `records`. */
  logEndOffsetDelta: number | null;
}

interface ProduceResponse {
  responses: { partitionResponses: { errorCode: number }[] }[];
}

export interface RunHooks {
  onSnapshot?: (s: Snapshot) => void;
  signal?: AbortSignal;
  /** Called once per acknowledged batch with its partition (e2e uses this to know what to expect). */
  onAck?: (partition: number, records: number) => void;
  stats?: BenchStats;
}

const nowMicros = () => (performance.timeOrigin + performance.now()) * 1000;

export async function runProduceBench(
  options: ProduceBenchOptions,
  hooks: RunHooks = {},
): Promise<ProduceBenchResult> {
  const o = checkProduceOptions(options);
  const topology = await connectTopology({
    bootstrap: o.bootstrap,
    topic: o.topic,
    security: o.security,
    createPartitions: o.partitions,
    connectionsPerBroker: o.connections,
    requires: [{ apiKey: ApiKey.Produce, version: PRODUCE_VERSION }],
  });
  try {
    const perBatch = recordsPerBatch(o);
    const before = o.acks !== 0 ? sumOffsets(await listOffsets(topology, o.topic, LATEST)) : 0;
    const spec = (partition: number, recordCount: number) =>
      buildMegaBatch({
        topic: o.topic,
        partition,
        recordCount,
        recordSize: o.recordSize,
        acks: o.acks,
        compression: o.compression,
      });
    const full = await Promise.all(topology.partitions.map((p) => spec(p.partition, perBatch)));
    const tailCount = o.records !== undefined ? o.records % perBatch : 0;
    const tail =
      tailCount > 0 ? await Promise.all(topology.partitions.map((p) => spec(p.partition, tailCount))) : [];

    const stats = hooks.stats ?? new BenchStats({ records: o.records, durationMs: o.durationMs });
    const limiter = o.rate !== undefined ? new RateLimiter(o.rate) : null;
    const deadline = o.durationMs !== undefined ? performance.now() + o.durationMs : Infinity;
    let reserved = 0;
    let nextPartition = 0;
    let requests = 0;
    let failure: Error | null = null;

    const reserve = (): number => {
      if (failure || hooks.signal?.aborted || performance.now() >= deadline) return 0;
      const left = o.records !== undefined ? o.records - reserved : Infinity;
      const n = Math.min(perBatch, left);
      if (n <= 0) return 0;
      reserved += n;
      return n;
    };

    const lane = async (laneIndex: number): Promise<void> => {
      // each lane owns its frames: a frame must not change while the socket may still hold it
      const own = full.map(cloneFrame);
      const ownTail = tail.map(cloneFrame);
      for (;;) {
        const n = reserve();
        if (n === 0) return;
        const i = nextPartition++ % topology.partitions.length;
        const route: PartitionRoute = topology.partitions[i]!;
        const f: MegaBatchFrame = n === perBatch ? own[i]! : ownTail[i]!;
        if (limiter) {
          const wait = limiter.acquire(n);
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        if (o.stampSendTime) stampSendTime(f, nowMicros());
        const conn = route.connections[laneIndex % route.connections.length]!;
        requests++;
        if (o.acks === 0) {
          conn.sendRaw(Buffer.from(f.frame));
          stats.add(n, f.payloadBytes);
          hooks.onAck?.(route.partition, n);
          continue;
        }
        stats.inflight++;
        const t0 = performance.now();
        try {
          const res = await conn.requestFrame<ProduceResponse>(f.frame, ApiKey.Produce, PRODUCE_VERSION);
          const code = res.responses[0]?.partitionResponses[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
          stats.latency.record((performance.now() - t0) * 1000);
          if (code === ErrorCode.NONE) {
            stats.add(n, f.payloadBytes);
            hooks.onAck?.(route.partition, n);
          } else {
            stats.error(errorName(code));
          }
        } catch (err) {
          failure ??= err as Error;
          return;
        } finally {
          stats.inflight--;
        }
      }
    };

    const ticker = hooks.onSnapshot ? setInterval(() => hooks.onSnapshot!(stats.snapshot()), 1000) : null;
    const started = performance.now();
    try {
      const lanes = o.connections * o.inflight;
      await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
    } finally {
      if (ticker) clearInterval(ticker);
    }
    const durationMs = performance.now() - started;
    if (failure) throw failure;
    const after = o.acks !== 0 ? sumOffsets(await listOffsets(topology, o.topic, LATEST)) : 0;
    return {
      kind: 'produce',
      topic: o.topic,
      partitions: topology.partitions.length,
      records: stats.records,
      bytes: stats.bytes,
      requests,
      recordsPerBatch: perBatch,
      durationMs: Math.round(durationMs),
      recordsPerSec: Math.round(stats.records / (durationMs / 1000)),
      mbPerSec: Math.round((stats.bytes / (durationMs / 1000) / 1e6) * 100) / 100,
      latency: stats.latency.summary(),
      errors: { ...stats.errors },
      logEndOffsetDelta: o.acks !== 0 ? after - before : null,
    };
  } finally {
    topology.close();
  }
}
