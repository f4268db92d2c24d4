// End to end: produce at a fixed --rate with a send time stamped into each batch, consume the same
// partitions concurrently from their end offsets, and record (receive time - send time) for every
// record in an HDR histogram. Producer and consumer share this process's clock, so no skew.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ErrorCode, errorName } from '../protocol/errors.js';
import { ApiKey } from '../protocol/messages/index.js';
import { forEachBatch } from './batches.js';
import { CONSUME_APIS, FETCH_VERSION, fetchRequestBody, type FetchResponse } from './consume.js';
import { LatencyHistogram, type LatencySummary } from './histogram.js';
import { readSendTime } from './megabatch.js';
import { LATEST, listOffsets } from './offsets.js';
import type { ProduceBenchOptions } from './options.js';
import { runProduceBench, type ProduceBenchResult } from './produce.js';
import { BenchStats, type Snapshot } from './stats.js';
import { connectTopology } from './topology.js';

export interface E2eBenchResult {
  kind: 'e2e';
  topic: string;
  rate: number;
  produced: ProduceBenchResult;
  consumed: number;
  /** End-to-end latency per record: consumer receive time minus producer send time. */
  endToEnd: LatencySummary;
  /**
   * This process's own event-loop delay during the run (ms): a receive noticed late adds to the
   * measured latency, so a tail here is the generator's, not the broker's.
   */
  clientEventLoopDelay: { p50Ms: number; p99Ms: number; maxMs: number };
}

const nowMicros = () => (performance.timeOrigin + performance.now()) * 1000;

export async function runE2eBench(
  o: ProduceBenchOptions & { rate: number },
  hooks: { onSnapshot?: (s: Snapshot) => void; signal?: AbortSignal } = {},
): Promise<E2eBenchResult> {
  const topology = await connectTopology({
    bootstrap: o.bootstrap,
    topic: o.topic,
    security: o.security,
    createPartitions: o.partitions,
    connectionsPerBroker: 1,
    requires: CONSUME_APIS,
  });
  const endToEnd = new LatencyHistogram();
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const stats = new BenchStats({ records: o.records, durationMs: o.durationMs });
  let acked = 0;
  let consumed = 0;
  let producing = true;
  try {
    const start = await listOffsets(topology, o.topic, LATEST);
    const consumers = topology.partitions.map(async (route) => {
      let offset = start.get(route.partition)!;
      for (;;) {
        if (!producing && consumed >= acked) return;
        const res = await route.connections[0]!.request<FetchResponse>(
          ApiKey.Fetch,
          FETCH_VERSION,
          fetchRequestBody(o.topic, route.partition, offset, {
            maxBytes: 64 << 20,
            partitionMaxBytes: 16 << 20,
            minBytes: 1,
            maxWaitMs: 100,
          }),
        );
        const received = nowMicros();
        const p = res.responses[0]?.partitions[0];
        const code = res.errorCode || (p?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
        if (code !== ErrorCode.NONE)
          throw new Error(`fetch ${o.topic}/${route.partition}: ${errorName(code)}`);
        const records = p!.records ?? Buffer.alloc(0);
        offset = forEachBatch(records, offset, (b) => {
          endToEnd.record(received - readSendTime(records, b.at), b.records);
          consumed += b.records;
        });
      }
    });
    const produced = await runProduceBench(
      { ...o, stampSendTime: true, compression: 'none' },
      {
        signal: hooks.signal,
        stats,
        onSnapshot: hooks.onSnapshot
          ? (s) => hooks.onSnapshot!({ ...s, latency: endToEnd.summary() })
          : undefined,
        onAck: (_p, n) => (acked += n),
      },
    );
    producing = false;
    const deadline = Date.now() + 30_000;
    await Promise.race([
      Promise.all(consumers),
      new Promise<void>((_, reject) => {
        const t = setInterval(() => {
          if (Date.now() > deadline) {
            clearInterval(t);
            reject(new Error(`consumed ${consumed} of ${acked} acknowledged records within 30 s`));
          } else if (consumed >= acked) clearInterval(t);
        }, 100);
      }),
    ]);
    loopDelay.disable();
    const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;
    return {
      kind: 'e2e',
      topic: o.topic,
      rate: o.rate,
      produced,
      consumed,
      endToEnd: endToEnd.summary(),
      clientEventLoopDelay: {
        p50Ms: ms(loopDelay.percentile(50)),
        p99Ms: ms(loopDelay.percentile(99)),
        maxMs: ms(loopDelay.max),
      },
    };
  } finally {
    loopDelay.disable();
    producing = false;
    topology.close();
  }
}
