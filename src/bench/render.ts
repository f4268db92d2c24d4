// How a bench shows itself: the Ink dashboard on a TTY, one plain line per second otherwise, and
// with --json nothing but the final summary object. Also the summary rows of each result kind.

import { createElement } from 'react';
import type { E2eBenchResult } from './e2e.js';
import type { ConsumeBenchResult } from './consume.js';
import type { LatencySummary } from './histogram.js';
import type { ProduceBenchResult } from './produce.js';
import type { Snapshot } from './stats.js';
import { fmtElapsed, fmtMs, fmtRate } from './ui/format.js';

export type BenchResult = ProduceBenchResult | ConsumeBenchResult | E2eBenchResult;
export type OutputMode = 'dashboard' | 'plain' | 'json';

export function outputMode(flags: { json?: boolean; dashboard?: boolean }, isTTY: boolean): OutputMode {
  if (flags.json) return 'json';
  if (flags.dashboard === false || !isTTY) return 'plain';
  return 'dashboard';
}

export function plainLine(s: Snapshot): string {
  const pct = s.progress !== null ? ` ${(s.progress * 100).toFixed(0).padStart(3)}%` : '';
  return (
    `${fmtElapsed(s.elapsedMs)}${pct} ${fmtRate(s.recordsPerSec)} msg/s ${s.mbPerSec.toFixed(1)} MB/s` +
    ` (avg ${fmtRate(s.avgRecordsPerSec)} msg/s) p50 ${fmtMs(s.latency.p50Ms)} p99 ${fmtMs(s.latency.p99Ms)}` +
    ` in-flight ${s.inflight}` +
    (Object.keys(s.errors).length ? ` errors ${JSON.stringify(s.errors)}` : '')
  );
}

function latencyRows(prefix: string, l: LatencySummary): [string, string][] {
  return [
    [
      `${prefix} p50 / p95 / p99 / p99.9 / max`,
      [l.p50Ms, l.p95Ms, l.p99Ms, l.p999Ms, l.maxMs].map(fmtMs).join(' / '),
    ],
  ];
}

function groupRows(r: ConsumeBenchResult): [string, string][] {
  if (r.group === null) return [];
  const committed = Object.entries(r.committed ?? {})
    .map(([p, o]) => `${p}: ${o ?? 'none'}`)
    .join(', ');
  return [
    ['group', `${r.group} (joined in ${r.joinMs === null ? 'n/a' : fmtMs(r.joinMs)})`],
    ['committed offsets', committed || 'none'],
  ];
}

export function summaryRows(r: BenchResult): [string, string][] {
  switch (r.kind) {
    case 'produce':
      return [
        ['topic', `${r.topic} (${r.partitions} partitions)`],
        [
          'records',
          `${r.records.toLocaleString('en-US')} in ${(r.durationMs / 1000).toFixed(2)} s (${r.recordsPerBatch} per batch)`,
        ],
        ['throughput', `${fmtRate(r.recordsPerSec)} msg/s, ${r.mbPerSec.toFixed(1)} MB/s (MB = 10^6 bytes)`],
        ...latencyRows('request latency', r.latency),
        ['errors', Object.keys(r.errors).length ? JSON.stringify(r.errors) : 'none'],
        [
          'log end offsets grew by',
          r.logEndOffsetDelta === null ? 'n/a (acks=0)' : r.logEndOffsetDelta.toLocaleString('en-US'),
        ],
      ];
    case 'consume':
      return [
        ['topic', `${r.topic} (${r.partitions} partitions)`],
        [
          'records',
          `${r.records.toLocaleString('en-US')} of ${r.expectedRecords.toLocaleString('en-US')} expected${r.verified ? ' (verified)' : ' (MISMATCH)'}`,
        ],
        ['throughput', `${fmtRate(r.recordsPerSec)} msg/s, ${r.mbPerSec.toFixed(1)} MB/s (MB = 10^6 bytes)`],
        [r.group === null ? 'fetches' : 'batches', String(r.fetches)],
        ...groupRows(r),
        ['errors', Object.keys(r.errors).length ? JSON.stringify(r.errors) : 'none'],
      ];
    case 'e2e':
      return [
        ['topic', r.topic],
        ['rate', `${fmtRate(r.rate)} msg/s target, ${fmtRate(r.produced.recordsPerSec)} msg/s produced`],
        [
          'records',
          `${r.produced.records.toLocaleString('en-US')} produced, ${r.consumed.toLocaleString('en-US')} consumed`,
        ],
        ...latencyRows('end-to-end', r.endToEnd),
        ...latencyRows('produce request', r.produced.latency),
        [
          'bench event loop',
          `delay p50 ${r.clientEventLoopDelay.p50Ms} ms, p99 ${r.clientEventLoopDelay.p99Ms} ms, max ${r.clientEventLoopDelay.maxMs} ms`,
        ],
      ];
  }
}

/**
 * Runs `work` with live output in the chosen mode and returns its result. `write` receives plain
 * lines (stdout in plain mode); the dashboard renders with Ink.
 */
export async function runWithOutput<R extends BenchResult>(
  mode: OutputMode,
  title: string,
  latencyLabel: string,
  work: (onSnapshot: (s: Snapshot) => void) => Promise<R>,
  write: (line: string) => void,
): Promise<R> {
  if (mode === 'json') return work(() => {});
  if (mode === 'plain') {
    const result = await work((s) => write(plainLine(s)));
    for (const [k, v] of summaryRows(result)) write(`${k}: ${v}`);
    return result;
  }
  const { render } = await import('ink');
  const { BenchApp } = await import('./ui/BenchApp.js');
  let push: (s: Snapshot) => void = () => {};
  let finish: (rows: [string, string][]) => void = () => {};
  const app = render(
    createElement(BenchApp, {
      title,
      latencyLabel,
      subscribe: (onSnapshot, onDone) => {
        push = onSnapshot;
        finish = onDone;
      },
    }),
  );
  try {
    const result = await work((s) => push(s));
    finish(summaryRows(result));
    await new Promise((r) => setTimeout(r, 50));
    return result;
  } finally {
    app.unmount();
    await app.waitUntilExit().catch(() => {});
  }
}
