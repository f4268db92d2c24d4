import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../../src/bench/histogram.js';
import {
  checkProduceOptions,
  parseAcks,
  parseDuration,
  type ProduceBenchOptions,
} from '../../../src/bench/options.js';
import { RateLimiter } from '../../../src/bench/rate-limiter.js';

describe('LatencyHistogram', () => {
  it('reports percentiles of a known distribution within HDR precision', () => {
    const h = new LatencyHistogram();
    for (let us = 1; us <= 10_000; us++) h.record(us); // 1 us .. 10 ms, uniform
    const s = h.summary();
    expect(s.count).toBe(10_000);
    expect(s.p50Ms).toBeCloseTo(5, 1);
    expect(s.p95Ms).toBeCloseTo(9.5, 1);
    expect(s.p99Ms).toBeCloseTo(9.9, 1);
    expect(s.p999Ms).toBeCloseTo(9.99, 1);
    expect(s.maxMs).toBeCloseTo(10, 1);
  });

  it('weights a value by its count (one batch = many records)', () => {
    const h = new LatencyHistogram();
    h.record(1000, 99);
    h.record(50_000, 1);
    expect(h.summary().p50Ms).toBeCloseTo(1, 2);
    expect(h.summary().p99Ms).toBeCloseTo(1, 2);
    expect(h.summary().maxMs).toBeCloseTo(50, 0);
    expect(h.count).toBe(100);
  });

  it('is all zeros when empty', () => {
    expect(new LatencyHistogram().summary()).toMatchObject({ count: 0, p99Ms: 0, maxMs: 0 });
  });
});

describe('RateLimiter', () => {
  it('paces to the rate and allows at most one second of burst', () => {
    let t = 0;
    const r = new RateLimiter(1000, () => t);
    expect(r.acquire(100)).toBeCloseTo(100);
    t = 100;
    expect(r.acquire(100)).toBeCloseTo(100);
    t = 10_000; // long stall: the bucket holds only one second's worth
    expect(r.acquire(1000)).toBe(0);
    expect(r.acquire(500)).toBeCloseTo(500);
  });
});

describe('bench options', () => {
  const base: ProduceBenchOptions = {
    bootstrap: 'h:1',
    topic: 't',
    partitions: 1,
    recordSize: 100,
    records: 10,
    acks: -1,
    compression: 'none',
    batchBytes: 1000,
    lingerMs: 5,
    inflight: 1,
    connections: 1,
  };
  it('parses durations and acks', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('3')).toBe(3000);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
    expect(parseAcks('all')).toBe(-1);
    expect(() => parseAcks('2')).toThrow(/acks/);
  });
  it('rejects impossible combinations with a message naming the flag', () => {
    expect(checkProduceOptions(base)).toBe(base);
    expect(() => checkProduceOptions({ ...base, records: undefined })).toThrow(/--records or --duration/);
    expect(() => checkProduceOptions({ ...base, inflight: 0 })).toThrow(/--inflight/);
    expect(() => checkProduceOptions({ ...base, compression: 'brotli' as never })).toThrow(/--compression/);
    expect(() => checkProduceOptions({ ...base, stampSendTime: true, compression: 'gzip' })).toThrow(
      /compression none/,
    );
  });
});
