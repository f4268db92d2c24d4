import { describe, expect, it } from 'vitest';
import { UnreachableError } from '../../../src/client/errors.js';
import { MonitorModel } from '../../../src/monitor/model.js';
import { Poller } from '../../../src/monitor/poller.js';
import type { RawSample, Sampler } from '../../../src/monitor/probe.js';
import type { MonitorSnapshot } from '../../../src/monitor/types.js';

/** A sampler whose log end offset grows by `perPoll` each poll; `down` makes it unreachable. */
class FakeSampler implements Sampler {
  polls: number[] = [];
  offset = 0;
  down = false;
  throwNext = false;
  closed = false;
  constructor(private readonly perPoll = 100) {}

  async sample(): Promise<RawSample> {
    this.polls.push(Date.now());
    if (this.throwNext) {
      this.throwNext = false;
      throw new Error('decoder exploded');
    }
    this.offset += this.perPoll;
    const reachable = !this.down;
    return {
      atMs: Date.now(),
      reachable,
      error: reachable ? null : 'cannot reach the Kafka cluster at x',
      clusterId: 'c',
      controllerId: 1,
      brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null, reachable, error: null, http: null }],
      topics: reachable
        ? [{ name: 't', internal: false, partitions: [{ partition: 0, leader: 1, endOffset: this.offset }] }]
        : null,
      groups: reachable ? [] : null,
      logDirSizes: null,
      notes: [],
    };
  }

  close(): void {
    this.closed = true;
  }
}

const poller = (s: Sampler, intervalMs: number) =>
  new Poller(s, new MonitorModel({ bootstrap: 'x', intervalMs }), intervalMs);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Poller', () => {
  it('takes two polls an interval apart for one snapshot with rates', async () => {
    const s = new FakeSampler(50);
    const p = poller(s, 200);
    const snap = await p.twoPolls();
    expect(s.polls).toHaveLength(2);
    expect(s.polls[1]! - s.polls[0]!).toBeGreaterThanOrEqual(190);
    expect(snap.sampleSeconds).toBeGreaterThan(0.18);
    expect(snap.topics[0]!.produceRate).toBeCloseTo(50 / snap.sampleSeconds!, 5);
    await p.stop();
    expect(s.closed).toBe(true);
  });

  it('refuses a one-shot snapshot when the first poll cannot reach the cluster', async () => {
    const s = new FakeSampler();
    s.down = true;
    await expect(poller(s, 1000).twoPolls()).rejects.toBeInstanceOf(UnreachableError);
    expect(s.polls).toHaveLength(1);
  });

  it('polls every interval, pauses without polling, resumes at once, and survives a throwing sampler', async () => {
    const s = new FakeSampler();
    const p = poller(s, 30);
    const seen: MonitorSnapshot[] = [];
    p.subscribe((x) => seen.push(x));
    p.start();
    await sleep(140);
    expect(s.polls.length).toBeGreaterThanOrEqual(3);

    p.setPaused(true);
    await sleep(40);
    const paused = s.polls.length;
    await sleep(120);
    expect(s.polls.length).toBe(paused);

    s.throwNext = true;
    p.setPaused(false);
    await sleep(10);
    expect(s.polls.length).toBe(paused + 1);
    expect(seen.at(-1)).toMatchObject({ reachable: false, error: 'decoder exploded' });
    expect(seen.at(-1)!.brokers).toEqual([
      expect.objectContaining({ id: 1, reachable: false, error: 'decoder exploded' }),
    ]);
    await sleep(80);
    expect(seen.at(-1)!.reachable).toBe(true);

    // a late subscriber gets the latest snapshot at once
    let late: MonitorSnapshot | null = null;
    p.subscribe((x) => (late = x));
    expect(late).toBe(p.latest);

    await p.stop();
    const stopped = s.polls.length;
    await sleep(80);
    expect(s.polls.length).toBe(stopped);
  });
});
