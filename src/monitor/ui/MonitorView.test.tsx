import { render } from 'ink-testing-library';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { busySnapshot, emptySnapshot } from '../../../test/unit/monitor/fixtures.js';
import { INITIAL_UI, MonitorView, type UiState } from './MonitorView.js';

function frame(ui: Partial<UiState>, snapshot = busySnapshot(), columns = 100, rows = 40): string[] {
  const { frames, unmount } = render(
    <MonitorView
      snapshot={snapshot}
      ui={{ ...INITIAL_UI, ...ui }}
      columns={columns}
      rows={rows}
      bootstrap="127.0.0.1:9092"
      intervalMs={1000}
    />,
  );
  const seen = frames.map((f) => stripVTControlCharacters(f));
  unmount();
  expect(seen.length).toBeGreaterThan(0);
  return seen.at(-1)!.split('\n');
}

describe('MonitorView', () => {
  it('says it is connecting before the first snapshot', () => {
    const { frames, unmount } = render(
      <MonitorView
        snapshot={null}
        ui={INITIAL_UI}
        columns={100}
        rows={30}
        bootstrap="b:9092"
        intervalMs={1000}
      />,
    );
    expect(frames.join('\n')).toContain('connecting to b:9092');
    unmount();
  });

  it('shows an empty cluster: the broker, no topics, no groups, no requests yet', () => {
    const lines = frame({}, emptySnapshot());
    const text = lines.join('\n');
    expect(frame({}, emptySnapshot(), 120).join('\n')).toContain('cluster lkc-empty');
    expect(text).toContain('1 broker · 0 topics · 0 groups');
    expect(text).toContain('● live 1s');
    expect(text).toMatch(/1\*\s+127\.0\.0\.1:9092\s+running\s+0\.1\.0\s+1h 02m\s+12\s+1\.25 ms PLAINTEXT 12/);
    expect(text).toContain('no topics');
    expect(text).toContain('no consumer groups');
    expect(text).toContain('no requests yet');
    expect(lines.at(-1)).toContain('/ filter  s sort  p pause  q quit');
    // never taller than the terminal, never wider
    expect(lines.length).toBeLessThanOrEqual(39);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
  });

  it('shows a busy cluster: rates, sizes, sparklines, lag with its trend and worst partitions, latency', () => {
    const lines = frame({});
    const text = lines.join('\n');
    expect(text).toContain('40 topics · 3 groups');
    expect(text).toMatch(/Topics 1-\d+ of 40 · sort in msg\/s/);
    // sorted by produce rate: orders (200 msg/s) first
    const orders = lines.find((l) => l.startsWith('orders'))!;
    expect(orders).toMatch(/^orders\s+6\s+200\s+0\.05\s+180\s+0\.04\s+1\.50 MB [▁▂▃▄▅▆▇█]{4}/);
    expect(text).toMatch(/billing\s+Stable\s+2\s+1,234\s+\+120\/s\s+80 [▁▂▃▄▅▆▇█]{3}\s+orders-3 900, order/);
    expect(text).toMatch(/audit\s+Empty\s+0\s+5/);
    expect(text).toMatch(/Produce\s+21\s+0\.25 ms\s+0\.48 ms\s+0\.50 ms\s+0/);
    expect(text).toMatch(/Fetch\s+10\s+58\.30 ms\s+95\.80 ms\s+99\.20 ms\s+3 OFFSET_OUT_OF_RANGE 3/);
    expect(text).toContain('latency over the last interval');
    expect(lines.length).toBeLessThanOrEqual(39);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
  });

  it('shows a filtered view: only matching topics, and groups by id or by their topics', () => {
    const lines = frame({ filter: 'pay' });
    const text = lines.join('\n');
    expect(text).toContain('filter: pay');
    expect(text).toContain('Topics (1)');
    expect(lines.some((l) => l.startsWith('payments'))).toBe(true);
    expect(lines.some((l) => l.startsWith('orders'))).toBe(false);
    expect(text).toContain('Consumer groups (1)');
    expect(lines.some((l) => l.startsWith('audit'))).toBe(true);
    expect(lines.some((l) => l.startsWith('billing'))).toBe(false);

    const none = frame({ filter: 'nothing-like-this' }).join('\n');
    expect(none).toContain("no topic matches 'nothing-like-this'");
    expect(none).toContain("no group matches 'nothing-like-this'");
  });

  it('details the selected group when the groups panel has the focus', () => {
    const text = frame({ focus: 'groups' }).join('\n');
    expect(text).toContain(
      'billing worst partitions: orders-3 lag 900 (at 100 of 1,000), orders-1 lag 334 (at 200 of 534)',
    );
  });

  it('pages a long topic list around the selection and marks the focused panel', () => {
    const text = frame({
      selected: { ...INITIAL_UI.selected, topics: 39 },
      sort: { topics: 4, groups: 0, requests: 0 },
    }).join('\n');
    expect(text).toMatch(/Topics \d+-40 of 40 · sort name/);
    expect(text).toContain('payments');
    expect(text).not.toMatch(/^events-002/m);
  });

  it('says which panels need FluxMQ metrics when there are none', () => {
    const text = frame(
      {},
      busySnapshot({
        requests: null,
        latencyWindow: null,
        sources: { metrics: false, status: false, sizes: 'DescribeLogDirs' },
      }),
      140,
    ).join('\n');
    expect(text).toContain(
      "latency and errors per API needs FluxMQ's /metrics: pass --http http://HOST:PORT",
    );
    expect(text).toContain("out msg/s needs FluxMQ's /metrics");
  });

  it('fits a narrow terminal by dropping columns, and a short one by showing the focused panel only', () => {
    const narrow = frame({}, busySnapshot(), 60);
    for (const l of narrow) expect(l.length).toBeLessThanOrEqual(60);
    expect(narrow.join('\n')).toMatch(/orders\s+6\s+200/);

    const short = frame({ focus: 'groups' }, busySnapshot(), 100, 12).join('\n');
    expect(short).toContain('Consumer groups');
    expect(short).not.toContain('Topics');
    expect(short).not.toContain('Brokers');
  });
});
