// The consume workload as a consumer-group member: the client's GroupConsumer finds the coordinator,
// joins the group, gets the partitions, and reads each from the group's committed offset (the
// earliest offset when it has none) to the log end offset seen at the start, committing every
// --commit-interval and on leaving. The count is verified like the direct fetches. The bench expects
// to be the group's only member: with others it sees only its share and stops at --idle-timeout,
// unverified.

import { committedOffsets } from '../client/admin/groups.js';
import { tpKey } from '../client/admin/offsets.js';
import { GroupConsumer, type ConsumedBatch, type ConsumerLogger } from '../client/consumer/index.js';
import { KafkaError, errorName } from '../protocol/errors.js';
import {
  consumeSummary,
  expectedRecords,
  type ConsumeBenchResult,
  type ConsumeHooks,
} from './consume-result.js';
import { EARLIEST, LATEST, listOffsets } from './offsets.js';
import { DEFAULT_COMMIT_INTERVAL_MS, DEFAULT_IDLE_TIMEOUT_MS, type ConsumeBenchOptions } from './options.js';
import { BenchStats } from './stats.js';
import { BENCH_CLIENT_ID, type Topology } from './topology.js';

/** The group's committed offset of each partition of the topology's topic. */
async function groupOffsets(topology: Topology, topic: string, group: string): Promise<Map<number, number>> {
  const all = await committedOffsets(topology.client, group);
  const out = new Map<number, number>();
  for (const p of topology.partitions) {
    const c = all.get(tpKey(topic, p.partition));
    if (c) out.set(p.partition, c.offset);
  }
  return out;
}

/** Counts the consumer's retried errors (by Kafka error name) in the bench's error totals. */
function errorCounter(stats: BenchStats): ConsumerLogger {
  const count = (obj: object) => {
    const { err, error } = obj as { err?: unknown; error?: unknown };
    if (err instanceof KafkaError) stats.error(errorName(err.code));
    else if (err instanceof Error) stats.error(err.name);
    else if (typeof error === 'string') stats.error(error);
  };
  return { debug() {}, info() {}, warn: count, error: count };
}

/** Key and value bytes of the messages below `stop`, and how many there are. */
function measure(batch: ConsumedBatch, stop: number): { records: number; bytes: number } {
  let records = 0;
  let bytes = 0;
  for (const m of batch.messages) {
    if (m.offset >= stop) break;
    records++;
    bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
  }
  return { records, bytes };
}

export async function runGroupConsume(
  o: ConsumeBenchOptions,
  group: string,
  topology: Topology,
  hooks: ConsumeHooks,
): Promise<ConsumeBenchResult> {
  const start = await listOffsets(topology, o.topic, EARLIEST);
  const end = await listOffsets(topology, o.topic, LATEST);
  const before = await groupOffsets(topology, o.topic, group);
  const from = new Map([...start].map(([p, s]) => [p, Math.max(s, before.get(p) ?? s)]));
  const expected = expectedRecords(from, end, o.records);
  const stats = new BenchStats({ records: expected });
  const t0 = performance.now();
  let started = t0;
  let ended: number | null = null;
  let joinMs: number | null = null;
  let batches = 0;

  if (expected > 0 && !hooks.signal?.aborted) {
    const consumer = new GroupConsumer({
      bootstrap: o.bootstrap,
      groupId: group,
      topics: [o.topic],
      clientId: BENCH_CLIENT_ID,
      security: o.security,
      autoOffsetReset: 'earliest',
      autoCommitIntervalMs: o.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS,
      maxBytes: o.maxBytes,
      maxPartitionBytes: o.partitionMaxBytes,
      logger: errorCounter(stats),
      onAssigned: () => {
        if (joinMs !== null) return;
        started = performance.now();
        joinMs = started - t0;
      },
    });
    let idle: NodeJS.Timeout | null = null;
    const stop = () => {
      ended ??= performance.now();
      void consumer.close();
    };
    const armIdle = () => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(stop, o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    };
    hooks.signal?.addEventListener('abort', stop, { once: true });
    const ticker = hooks.onSnapshot ? setInterval(() => hooks.onSnapshot!(stats.snapshot()), 1000) : null;
    armIdle();
    try {
      await consumer.run((batch) => {
        batches++;
        const { records, bytes } = measure(batch, end.get(batch.partition) ?? 0);
        stats.add(records, bytes);
        armIdle();
        if (stats.records >= expected) stop();
      });
    } finally {
      if (idle) clearTimeout(idle);
      if (ticker) clearInterval(ticker);
      hooks.signal?.removeEventListener('abort', stop);
      await consumer.close();
    }
  }
  const durationMs = (ended ?? performance.now()) - started;
  const after = await groupOffsets(topology, o.topic, group);
  return {
    ...consumeSummary(o, topology.partitions.length, stats, expected, durationMs),
    fetches: batches,
    group,
    committed: Object.fromEntries(
      topology.partitions.map((p) => [p.partition, after.get(p.partition) ?? null]),
    ),
    joinMs: joinMs === null ? null : Math.round(joinMs),
  };
}
