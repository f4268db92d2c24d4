import { render } from 'ink-testing-library';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { busySnapshot, unreachableSnapshot } from '../../../test/unit/monitor/fixtures.js';
import type { SnapshotListener, SnapshotSource } from '../poller.js';
import type { MonitorSnapshot } from '../types.js';
import { MonitorApp } from './MonitorApp.js';

class FakeSource implements SnapshotSource {
  listener: SnapshotListener | null = null;
  paused: boolean[] = [];
  subscribe(listener: SnapshotListener): () => void {
    this.listener = listener;
    return () => (this.listener = null);
  }
  setPaused(paused: boolean): void {
    this.paused.push(paused);
  }
  push(s: MonitorSnapshot): void {
    this.listener?.(s);
  }
}

const tick = () => new Promise((r) => setTimeout(r, 30));
const KEY = {
  down: '\u001B[B',
  right: '\u001B[C',
  left: '\u001B[D',
  tab: '\t',
  enter: '\r',
  escape: '\u001B',
};

function mount() {
  const source = new FakeSource();
  let quit = 0;
  const app = render(
    <MonitorApp source={source} bootstrap="127.0.0.1:9092" intervalMs={1000} onQuit={() => quit++} />,
  );
  const frames = () => app.frames.map((f) => stripVTControlCharacters(f));
  const last = () => frames().at(-1) ?? '';
  return { source, app, frames, last, quits: () => quit };
}

describe('MonitorApp', () => {
  it('shows a broker that disappears mid-run as unreachable, with the last data, and recovers when it returns', async () => {
    const { source, app, frames } = mount();
    await tick();
    source.push(busySnapshot());
    await tick();
    source.push(unreachableSnapshot());
    await tick();
    source.push(busySnapshot({ at: '2025-01-01T12:01:00.000Z' }));
    await tick();
    const seen = frames();
    app.unmount();

    const up = seen.findIndex((f) => /1\*\s+127\.0\.0\.1:9092\s+running/.test(f));
    const down = seen.findIndex((f) => f.includes('UNREACHABLE'));
    const back = seen.findLastIndex((f) => /1\*\s+127\.0\.0\.1:9092\s+running/.test(f));
    expect(up).toBeGreaterThanOrEqual(0);
    expect(down).toBeGreaterThan(up);
    expect(back).toBeGreaterThan(down);

    const outage = seen[down]!;
    expect(outage).toMatch(/1\*\s+127\.0\.0\.1:9092\s+unreachable/);
    expect(outage).toContain(
      'showing the last data seen, retrying every 1s · cannot reach the Kafka cluster at 127.0.0.1:9092',
    );
    expect(outage).toMatch(/events-002\s+3\s+-\s+-\s+-\s+-\s+1\.50 MB/); // still listed, without rates
    expect(outage).toContain('no data while unreachable');
    expect(outage).not.toContain('needs FluxMQ');
    expect(outage).toMatch(/billing\s+Stable\s+2\s+1,234\s+-/);
    expect(seen[back]).toContain('● live 1s');
    expect(seen[back]).toMatch(/orders\s+6\s+200/);
  });

  it('moves between panels, sorts, filters, pauses and quits with the keys', async () => {
    const { source, app, last, quits } = mount();
    await tick();
    source.push(busySnapshot());
    await tick();
    expect(last()).toMatch(/Topics 1-\d+ of 40 · sort in msg\/s/);

    app.stdin.write('s');
    await tick();
    expect(last()).toContain('sort out msg/s');

    app.stdin.write(KEY.tab);
    await tick();
    // groups focused: the selected group's details show under it
    expect(last()).toContain('billing worst partitions: orders-3 lag 900');
    app.stdin.write(KEY.down);
    await tick();
    expect(last()).not.toContain('billing worst partitions');
    app.stdin.write('s');
    await tick();
    expect(last()).toMatch(/Consumer groups .*· sort trend/);

    app.stdin.write(KEY.left);
    await tick();
    app.stdin.write('/');
    await tick();
    expect(last()).toContain('type to filter');
    for (const c of 'pay') app.stdin.write(c);
    await tick();
    app.stdin.write(KEY.enter);
    await tick();
    expect(last()).toContain('filter: pay');
    expect(last()).toContain('Topics (1)');
    expect(last()).toMatch(/^payments/m);
    expect(last()).not.toMatch(/^orders/m);
    app.stdin.write(KEY.escape);
    await tick();
    expect(last()).toMatch(/Topics 1-\d+ of 40/);

    app.stdin.write('p');
    await tick();
    expect(last()).toContain('PAUSED');
    expect(source.paused).toEqual([true]);
    app.stdin.write('p');
    await tick();
    expect(last()).toContain('● live');
    expect(source.paused).toEqual([true, false]);

    app.stdin.write('q');
    await tick();
    expect(quits()).toBe(1);
    app.unmount();
  });

  it('takes a pasted chunk of keys one after the other', async () => {
    const { source, app, last } = mount();
    await tick();
    source.push(busySnapshot());
    await tick();
    app.stdin.write('/pay\r');
    await tick();
    const text = last();
    app.unmount();
    expect(text).toContain('filter: pay');
    expect(text).not.toContain('PAUSED');
    expect(source.paused).toEqual([]);
  });

  it('follows the terminal size when it is resized', async () => {
    const { source, app, last } = mount();
    await tick();
    source.push(busySnapshot());
    await tick();
    expect(last()).toContain('in msg/s trend');
    Object.defineProperty(app.stdout, 'columns', { value: 60, configurable: true });
    Object.defineProperty(app.stdout, 'rows', { value: 14, configurable: true });
    app.stdout.emit('resize');
    await tick();
    const lines = last().split('\n');
    app.unmount();
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
    expect(lines.length).toBeLessThanOrEqual(13);
    expect(lines.join('\n')).not.toContain('in msg/s trend');
    expect(lines.join('\n')).toContain('Topics');
  });
});
