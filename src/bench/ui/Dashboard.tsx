// The live view of a running bench: throughput (now, average, sparkline), latency percentiles,
// in-flight requests, errors by code, and elapsed time with progress toward the goal.

import { Box, Text } from 'ink';
import type { Snapshot } from '../stats.js';
import { fmtElapsed, fmtMs, fmtRate, progressBar, sparkline } from './format.js';

export interface DashboardProps {
  title: string;
  snapshot: Snapshot | null;
  /** msg/s of each past second, oldest first. */
  history: number[];
  latencyLabel: string;
}

export function Dashboard({ title, snapshot, history, latencyLabel }: DashboardProps) {
  if (!snapshot) {
    return (
      <Box>
        <Text color="cyan">{title}</Text>
        <Text> starting…</Text>
      </Box>
    );
  }
  const s = snapshot;
  const errors = Object.entries(s.errors);
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold color="cyan">
        {title}
      </Text>
      <Box>
        <Box width={34} flexDirection="column">
          <Text>
            now <Text bold>{fmtRate(s.recordsPerSec)} msg/s</Text> {s.mbPerSec.toFixed(1)} MB/s
          </Text>
          <Text>
            avg <Text bold>{fmtRate(s.avgRecordsPerSec)} msg/s</Text> {s.avgMbPerSec.toFixed(1)} MB/s
          </Text>
          <Text>total {s.records.toLocaleString('en-US')} msgs</Text>
          <Text>in flight {s.inflight}</Text>
        </Box>
        <Box flexDirection="column">
          <Text underline>{latencyLabel}</Text>
          <Text>
            p50 {fmtMs(s.latency.p50Ms)} p95 {fmtMs(s.latency.p95Ms)}
          </Text>
          <Text>
            p99 {fmtMs(s.latency.p99Ms)} p99.9 {fmtMs(s.latency.p999Ms)}
          </Text>
          <Text>max {fmtMs(s.latency.maxMs)}</Text>
        </Box>
      </Box>
      <Text color="green">{sparkline(history)}</Text>
      <Text>
        {fmtElapsed(s.elapsedMs)}{' '}
        {s.progress !== null ? `${progressBar(s.progress)} ${(s.progress * 100).toFixed(0)}%` : ''}
      </Text>
      {errors.length > 0 ? (
        <Text color="red">errors: {errors.map(([k, v]) => `${k} ${v}`).join(', ')}</Text>
      ) : (
        <Text dimColor>no errors</Text>
      )}
      <Text dimColor>MB = 10^6 bytes · Ctrl-C stops early and prints the summary</Text>
    </Box>
  );
}
