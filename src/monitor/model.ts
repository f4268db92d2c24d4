// From raw polls to what the monitor shows: rates are deltas between two consecutive polls that
// both reached the cluster (a poll after an outage starts over, so a restarted broker's counters
// never show as a burst), lag is log end offset minus committed offset, latency percentiles come
// from the histogram buckets that filled up between two scrapes. Pure: no I/O, no clocks.

import { mergeDigests, type MetricsDigest } from './metrics-text.js';
import type { GroupSample, RawSample } from './probe.js';
import type { ApiView, BrokerView, GroupView, MonitorSnapshot, PartitionLag, TopicView } from './types.js';

export const HISTORY_LENGTH = 60;
const WORST_PARTITIONS = 5;

export const NO_METRICS_NOTE =
  "request latency, fetch rates and connections need FluxMQ's /metrics: pass --http http://HOST:PORT " +
  "(the broker's management port, 9644 by default)";
export const NO_SIZES_NOTE = "topic sizes need DescribeLogDirs or FluxMQ's /metrics";

export interface ModelOptions {
  bootstrap: string;
  intervalMs: number;
  /** Show internal topics (__consumer_offsets, ...). Default false. */
  includeInternal?: boolean;
}

/** Per second: `delta` over `seconds`, null when either is unknown or the interval is empty. */
export function perSecond(delta: number | null, seconds: number | null): number | null {
  if (delta === null || seconds === null || seconds <= 0) return null;
  return delta / seconds;
}

/** The increase of a counter; a counter that went down was reset (a restart), so it rose from 0. */
export function counterDelta(prev: number, cur: number): number {
  return cur >= prev ? cur - prev : cur;
}

/**
 * The q-quantile of a cumulative histogram (bucket upper bound -> count), interpolated linearly
 * inside the bucket as Prometheus's histogram_quantile does. Null without observations; a rank in
 * the +Inf bucket answers the largest finite bound.
 */
export function histogramQuantile(buckets: Map<number, number>, q: number): number | null {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  if (sorted.length === 0) return null;
  const total = sorted[sorted.length - 1]![1];
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return lowerBound;
      const inBucket = count - lowerCount;
      if (inBucket <= 0) return le;
      return lowerBound + (le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}

/** Bucket counts added between two scrapes (a reset counts from zero). */
export function bucketDelta(
  prev: Map<number, number> | undefined,
  cur: Map<number, number>,
): Map<number, number> {
  if (!prev) return new Map(cur);
  const cumulativeReset = [...cur].some(([le, n]) => n < (prev.get(le) ?? 0));
  const out = new Map<number, number>();
  for (const [le, n] of cur) out.set(le, cumulativeReset ? n : n - (prev.get(le) ?? 0));
  return out;
}

/** Partition lags of a group against the log end offsets (key `topic:partition`). */
export function groupLags(
  committed: GroupSample['committed'],
  ends: Map<string, number | null>,
): PartitionLag[] {
  return committed.map((c) => {
    const end = ends.get(`${c.topic}:${c.partition}`) ?? null;
    return {
      topic: c.topic,
      partition: c.partition,
      committedOffset: c.offset,
      logEndOffset: end,
      lag: end === null ? null : Math.max(0, end - c.offset),
    };
  });
}

function pushHistory(map: Map<string, number[]>, key: string, value: number): number[] {
  const h = [...(map.get(key) ?? []), value].slice(-HISTORY_LENGTH);
  map.set(key, h);
  return h;
}

interface MetricsPoint {
  /** Broker ids the digest sums (deltas only between the same set). */
  key: string;
  digest: MetricsDigest;
  atMs: number;
}

function metricsPoint(raw: RawSample): MetricsPoint | null {
  const withMetrics = raw.brokers.filter((b) => b.http?.metrics);
  if (withMetrics.length === 0) return null;
  return {
    key: withMetrics.map((b) => b.nodeId).join(','),
    digest: mergeDigests(withMetrics.map((b) => b.http!.metrics!)),
    atMs: Math.max(...withMetrics.map((b) => b.http!.atMs)),
  };
}

export class MonitorModel {
  private prev: RawSample | null = null;
  private prevMetrics: MetricsPoint | null = null;
  private last: MonitorSnapshot | null = null;
  private readonly topicHistory = new Map<string, number[]>();
  private readonly lagHistory = new Map<string, number[]>();

  constructor(private readonly opts: ModelOptions) {}

  /** The snapshot after one more poll. */
  ingest(raw: RawSample): MonitorSnapshot {
    const snap = raw.reachable && raw.topics && raw.groups ? this.reached(raw) : this.unreachable(raw);
    this.last = snap;
    return snap;
  }

  private unreachable(raw: RawSample): MonitorSnapshot {
    this.prev = null;
    this.prevMetrics = null;
    const last = this.last;
    return {
      at: new Date(raw.atMs).toISOString(),
      bootstrap: this.opts.bootstrap,
      intervalMs: this.opts.intervalMs,
      sampleSeconds: null,
      reachable: false,
      error: raw.error,
      clusterId: raw.clusterId,
      controllerId: raw.controllerId,
      brokers:
        raw.brokers.length > 0
          ? this.brokers(raw)
          : (last?.brokers ?? []).map((b) => ({ ...b, reachable: false, error: raw.error })),
      // the last topics and groups seen, with no rates: they are not current
      topics: (last?.topics ?? []).map((t) => ({
        ...t,
        produceRate: null,
        produceBytesRate: null,
        fetchRate: null,
        fetchBytesRate: null,
      })),
      groups: (last?.groups ?? []).map((g) => ({ ...g, lagTrend: null, commitRate: null })),
      requests: null,
      latencyWindow: null,
      sources: { metrics: false, status: false, sizes: null },
      notes: raw.notes,
    };
  }

  private reached(raw: RawSample): MonitorSnapshot {
    const prev = this.prev;
    const seconds = prev ? (raw.atMs - prev.atMs) / 1000 : null;
    const metrics = metricsPoint(raw);
    const prevMetrics = metrics && this.prevMetrics?.key === metrics.key ? this.prevMetrics : null;
    const metricsSeconds = metrics && prevMetrics ? (metrics.atMs - prevMetrics.atMs) / 1000 : null;

    const ends = new Map<string, number | null>();
    for (const t of raw.topics!)
      for (const p of t.partitions) ends.set(`${t.name}:${p.partition}`, p.endOffset);
    const prevEnds = new Map<string, number | null>();
    const prevTopics = new Set<string>();
    for (const t of prev?.topics ?? []) {
      prevTopics.add(t.name);
      for (const p of t.partitions) prevEnds.set(`${t.name}:${p.partition}`, p.endOffset);
    }

    const topics: TopicView[] = [];
    for (const t of raw.topics!) {
      if (t.internal && !this.opts.includeInternal) continue;
      let endOffset: number | null = 0;
      let delta: number | null = prev && prevTopics.has(t.name) ? 0 : null;
      for (const p of t.partitions) {
        const key = `${t.name}:${p.partition}`;
        endOffset = endOffset === null || p.endOffset === null ? null : endOffset + p.endOffset;
        if (delta === null) continue;
        const before = prevEnds.has(key) ? prevEnds.get(key)! : 0; // a new partition starts at 0
        delta = p.endOffset === null || before === null ? null : delta + Math.max(0, p.endOffset - before);
      }
      const produceRate = perSecond(delta, seconds);
      const m = metrics?.digest.topics.get(t.name);
      const pm = prevMetrics?.digest.topics.get(t.name);
      const size = raw.logDirSizes?.get(t.name) ?? m?.sizeBytes ?? null;
      let produceBytesRate: number | null = null;
      if (m && pm) produceBytesRate = perSecond(counterDelta(pm.bytesIn, m.bytesIn), metricsSeconds);
      else if (raw.logDirSizes && prev?.logDirSizes) {
        const before = prev.logDirSizes.get(t.name);
        const now = raw.logDirSizes.get(t.name);
        // growth of the log on disk; retention deleting segments makes it meaningless, so unknown
        if (before !== undefined && now !== undefined && now >= before)
          produceBytesRate = perSecond(now - before, seconds);
      }
      topics.push({
        name: t.name,
        internal: t.internal,
        partitions: t.partitions.length,
        endOffset,
        produceRate,
        produceBytesRate,
        fetchRate: m && pm ? perSecond(counterDelta(pm.messagesOut, m.messagesOut), metricsSeconds) : null,
        fetchBytesRate: m && pm ? perSecond(counterDelta(pm.bytesOut, m.bytesOut), metricsSeconds) : null,
        sizeBytes: size,
        history:
          produceRate === null
            ? (this.topicHistory.get(t.name) ?? [])
            : pushHistory(this.topicHistory, t.name, produceRate),
      });
    }
    for (const name of this.topicHistory.keys())
      if (!raw.topics!.some((t) => t.name === name)) this.topicHistory.delete(name);

    const prevGroups = new Map((prev?.groups ?? []).map((g) => [g.groupId, g]));
    const prevLast = new Map((this.last?.groups ?? []).map((g) => [g.groupId, g]));
    const groups: GroupView[] = raw.groups!.map((g) => {
      const lags = groupLags(g.committed, ends);
      const totalLag =
        lags.length === 0 || lags.some((l) => l.lag === null) ? null : lags.reduce((a, l) => a + l.lag!, 0);
      const before = prevGroups.get(g.groupId);
      const beforeLag = prev ? (prevLast.get(g.groupId)?.totalLag ?? null) : null;
      let committedDelta: number | null = null;
      if (before) {
        const was = new Map(before.committed.map((c) => [`${c.topic}:${c.partition}`, c.offset]));
        committedDelta = 0;
        for (const c of g.committed) {
          const w = was.get(`${c.topic}:${c.partition}`);
          if (w === undefined) continue;
          if (c.offset < w) {
            committedDelta = null; // offsets were reset backwards: no rate this time
            break;
          }
          committedDelta += c.offset - w;
        }
      }
      const lagTrend =
        totalLag !== null && beforeLag !== null ? perSecond(totalLag - beforeLag, seconds) : null;
      return {
        groupId: g.groupId,
        protocolType: g.protocolType,
        state: g.state,
        members: g.members,
        coordinator: g.coordinator,
        totalLag,
        lagTrend,
        commitRate: perSecond(committedDelta, seconds),
        lagHistory:
          totalLag === null
            ? (this.lagHistory.get(g.groupId) ?? [])
            : pushHistory(this.lagHistory, g.groupId, totalLag),
        partitions: lags.length,
        topics: [...new Set(lags.map((l) => l.topic))].sort(),
        worst: lags
          .filter((l) => l.lag !== null && l.lag > 0)
          .sort(
            (a, b) =>
              b.lag! - a.lag! || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition),
          )
          .slice(0, WORST_PARTITIONS),
        error: g.error,
      };
    });
    for (const id of this.lagHistory.keys())
      if (!raw.groups!.some((g) => g.groupId === id)) this.lagHistory.delete(id);

    const requests = metrics ? this.apis(metrics.digest, prevMetrics?.digest ?? null, metricsSeconds) : null;
    const notes = [...raw.notes];
    if (!metrics) notes.push(NO_METRICS_NOTE);
    const sizes = raw.logDirSizes ? 'DescribeLogDirs' : metrics ? 'metrics' : null;
    if (!sizes) notes.push(NO_SIZES_NOTE);

    this.prev = raw;
    this.prevMetrics = metrics;
    return {
      at: new Date(raw.atMs).toISOString(),
      bootstrap: this.opts.bootstrap,
      intervalMs: this.opts.intervalMs,
      sampleSeconds: seconds,
      reachable: true,
      error: null,
      clusterId: raw.clusterId,
      controllerId: raw.controllerId,
      brokers: this.brokers(raw),
      topics,
      groups,
      requests,
      latencyWindow: requests ? (prevMetrics ? 'interval' : 'since-start') : null,
      sources: { metrics: metrics !== null, status: raw.brokers.some((b) => b.http?.status), sizes },
      notes,
    };
  }

  private brokers(raw: RawSample): BrokerView[] {
    return raw.brokers.map((b) => {
      const status = b.http?.status ?? null;
      const m = b.http?.metrics ?? null;
      const names = status ? status.listeners.map((l) => l.name) : m ? [...m.connections.keys()] : [];
      return {
        id: b.nodeId,
        host: b.host,
        port: b.port,
        rack: b.rack,
        isController: b.nodeId === raw.controllerId,
        reachable: b.reachable,
        error: b.error,
        http: b.http?.url ?? null,
        version: status?.version ?? null,
        state: status?.state ?? null,
        uptimeSeconds: status?.uptimeSeconds ?? null,
        connections: status?.connections ?? null,
        listeners: [...new Set(names)].map((name) => ({
          name,
          connections: m?.connections.get(name) ?? null,
        })),
        eventLoopP99Ms: m?.eventLoopP99Seconds != null ? m.eventLoopP99Seconds * 1000 : null,
      };
    });
  }

  private apis(cur: MetricsDigest, prev: MetricsDigest | null, seconds: number | null): ApiView[] {
    const out: ApiView[] = [];
    for (const [api, a] of cur.apis) {
      if (a.requests === 0) continue;
      const p = prev?.apis.get(api);
      const window = prev ? bucketDelta(p?.buckets, a.buckets) : a.buckets;
      const ms = (q: number) => {
        const s = histogramQuantile(window, q);
        return s === null ? null : s * 1000;
      };
      const errors = [...a.errors.values()].reduce((x, n) => x + n, 0);
      const prevErrors = p ? [...p.errors.values()].reduce((x, n) => x + n, 0) : null;
      out.push({
        api,
        requests: a.requests,
        requestsPerSec: prev ? perSecond(counterDelta(p?.requests ?? 0, a.requests), seconds) : null,
        p50Ms: ms(0.5),
        p95Ms: ms(0.95),
        p99Ms: ms(0.99),
        errors,
        errorsPerSec: prev ? perSecond(counterDelta(prevErrors ?? 0, errors), seconds) : null,
        topErrors: [...a.errors]
          .filter(([, n]) => n > 0)
          .map(([name, count]) => ({ name, count }))
          .sort((x, y) => y.count - x.count || (x.name < y.name ? -1 : 1)),
      });
    }
    return out.sort((x, y) => (x.api < y.api ? -1 : x.api > y.api ? 1 : 0));
  }
}
