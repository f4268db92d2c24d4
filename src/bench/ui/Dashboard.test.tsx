import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../stats.js';
import { BenchApp } from './BenchApp.js';
import { Dashboard } from './Dashboard.js';
import { Summary } from './Summary.js';

const snap: Snapshot = {
  elapsedMs: 65_000,
  records: 1_234_567,
  bytes: 123_456_700,
  recordsPerSec: 250_000,
  mbPerSec: 25,
  avgRecordsPerSec: 190_000,
  avgMbPerSec: 19,
  inflight: 7,
  errors: { NOT_LEADER_OR_FOLLOWER: 2 },
  latency: { count: 10, p50Ms: 1.5, p95Ms: 3, p99Ms: 4.25, p999Ms: 9, maxMs: 12, meanMs: 2 },
  progress: 0.5,
};

describe('Dashboard', () => {
  it('shows throughput, latency percentiles, in-flight, errors and progress', () => {
    const { lastFrame } = render(
      <Dashboard title="bench produce" snapshot={snap} history={[1, 5, 10]} latencyLabel="request latency" />,
    );
    const f = lastFrame()!;
    expect(f).toContain('250.0 k msg/s');
    expect(f).toContain('25.0 MB/s');
    expect(f).toContain('190.0 k msg/s');
    expect(f).toContain('p99 4.25 ms');
    expect(f).toContain('in flight 7');
    expect(f).toContain('NOT_LEADER_OR_FOLLOWER 2');
    expect(f).toContain('1:05');
    expect(f).toContain('50%');
    expect(f).toMatch(/[▁▂▃▄▅▆▇█]{3}/);
  });

  it('says it is starting before the first snapshot', () => {
    expect(
      render(<Dashboard title="x" snapshot={null} history={[]} latencyLabel="l" />).lastFrame(),
    ).toContain('starting');
  });
});

describe('BenchApp', () => {
  it('renders live snapshots, then the summary', async () => {
    let push: (s: Snapshot) => void = () => {};
    let done: (rows: [string, string][]) => void = () => {};
    const { frames, lastFrame } = render(
      <BenchApp
        title="bench"
        latencyLabel="latency"
        subscribe={(a, b) => {
          push = a;
          done = b;
        }}
      />,
    );
    await new Promise((r) => setTimeout(r, 20));
    push(snap);
    await new Promise((r) => setTimeout(r, 20));
    done([['records', '1,234,567']]);
    await new Promise((r) => setTimeout(r, 20));
    expect(frames.some((f) => f.includes('250.0 k msg/s'))).toBe(true);
    expect(lastFrame()).toContain('bench: done');
    expect(lastFrame()).toContain('1,234,567');
  });
});

describe('Summary', () => {
  it('aligns labels and values', () => {
    const f = render(
      <Summary
        title="done"
        rows={[
          ['a', '1'],
          ['longer label', '2'],
        ]}
      />,
    ).lastFrame()!;
    expect(f).toContain('a             1');
    expect(f).toContain('longer label  2');
  });
});
