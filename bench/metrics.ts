// Cost of the broker's metrics: what every request pays (stats lookup, counters, latency histogram,
// the walk for error codes in the response, the clock read) and what one /metrics scrape costs on the
// event loop as the partition count grows. Each figure is the median of several timed runs.
//
//   npm run build && node dist/bench/metrics.js      (or: npx tsx bench/metrics.ts)
//   options: --json   --runs N (default 7)

import { performance } from 'node:perf_hooks';
import { BrokerMetrics } from '../src/observability/metrics.js';
import type { BrokerMetricsSource, PartitionLogView } from '../src/observability/sources.js';

const json = process.argv.includes('--json');
const runsAt = process.argv.indexOf('--runs');
const runs = runsAt >= 0 ? Number(process.argv[runsAt + 1]) : 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const produceResponse = {
  responses: [
    {
      name: 'orders',
      partitionResponses: [
        {
          index: 0,
          errorCode: 0,
          baseOffset: 5,
          logAppendTimeMs: -1,
          logStartOffset: 0,
          recordErrors: [],
          errorMessage: null,
        },
      ],
    },
  ],
  throttleTimeMs: 0,
};

/** ns per request of the bookkeeping Connection does, with and without the clock read and error walk. */
function perRequest(
  metrics: BrokerMetrics,
  mode: 'counters' | 'with response walk' | 'with clock read',
): number {
  const n = 2_000_000;
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const stats = metrics.request(0, 9)!;
      stats.received(120);
      const seconds = mode === 'with clock read' ? performance.now() / 1e9 : 0.0002;
      stats.completed(seconds, mode === 'counters' ? null : produceResponse);
      stats.sent(60);
    }
    samples.push(((performance.now() - t0) * 1e6) / n);
  }
  return median(samples);
}

function source(partitions: number): BrokerMetricsSource {
  const views: PartitionLogView[] = Array.from({ length: partitions }, (_, i) => ({
    topic: `topic-${i % 100}`,
    partition: Math.floor(i / 100),
    logStartOffset: 0,
    logEndOffset: 123_456,
    size: 987_654_321,
    segmentCount: 3,
    isOffline: false,
  }));
  const topics = [...new Set(views.map((v) => v.topic))];
  return {
    nodeId: 1,
    clusterId: 'bench',
    version: '0',
    partitions: () => views,
    topicNames: () => topics,
    hasTopic: () => true,
    fetchPurgatorySize: () => 0,
    groups: () => undefined,
    ready: () => true,
  };
}

/** ms per scrape (fluxmq_* series only, no process metrics) and the exposition size. */
async function scrape(partitions: number, partitionLevel: boolean): Promise<{ ms: number; bytes: number }> {
  const metrics = new BrokerMetrics({ partitionLevel, processMetrics: false });
  for (let k = 0; k < 20; k++) for (let v = 0; v < 3; v++) metrics.request(k, v + 3)?.completed(0.001, null);
  metrics.attach(source(partitions));
  const bytes = (await metrics.expose()).length;
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await metrics.expose();
    samples.push(performance.now() - t0);
  }
  metrics.close();
  return { ms: median(samples), bytes };
}

const metrics = new BrokerMetrics({ processMetrics: false });
const requestRows = (['counters', 'with response walk', 'with clock read'] as const).map((mode) => ({
  mode,
  nsPerRequest: Number(perRequest(metrics, mode).toFixed(1)),
}));
metrics.close();

const scrapeRows: { partitions: number; partitionLevel: boolean; ms: number; bytes: number }[] = [];
for (const partitions of [100, 1000, 10_000]) {
  for (const partitionLevel of [true, false]) {
    const r = await scrape(partitions, partitionLevel);
    scrapeRows.push({ partitions, partitionLevel, ms: Number(r.ms.toFixed(2)), bytes: r.bytes });
  }
}

if (json) {
  console.log(
    JSON.stringify({ node: process.version, runs, perRequest: requestRows, scrape: scrapeRows }, null, 2),
  );
} else {
  console.log(`Node ${process.version}, median of ${runs} runs\n`);
  console.log('per request (Produce v9 stats)      ns');
  for (const r of requestRows) console.log(`  ${r.mode.padEnd(32)} ${r.nsPerRequest.toFixed(1).padStart(6)}`);
  console.log('\nscrape (fluxmq_* series)   partition series   ms      bytes');
  for (const r of scrapeRows) {
    console.log(
      `  ${String(r.partitions).padStart(6)} partitions   ${String(r.partitionLevel).padEnd(16)} ${r.ms.toFixed(2).padStart(6)} ${String(r.bytes).padStart(10)}`,
    );
  }
}
