// The broker's Prometheus metrics, on a registry of their own (not prom-client's global one): Node's
// process metrics plus `fluxmq_*` series named after the Kafka metrics operators know (RequestMetrics,
// BrokerTopicMetrics, Log, DelayedOperationPurgatory, consumer lag).
//
// Hot path: a request costs an array lookup (by API key and version) for its pre-built stats object,
// a few field increments and one histogram observe; a produce or fetch adds one Map lookup per topic.
// Nothing builds strings or label objects per request or per record: samples are made at scrape time.
//
// Cardinality is bounded: API names and versions come from the protocol's API table, error names
// from Kafka's error table, listeners from the config, topics only while they exist, and
// per-partition series (log offsets and sizes, per-partition group lag) can be switched off.

import { collectDefaultMetrics, Registry } from 'prom-client';
import { ERROR_MESSAGES } from '../protocol/errors.js';
import { API_SPECS } from '../protocol/messages/index.js';
import {
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  LOG_OVERHEAD,
  MAGIC,
  MIN_BATCH_LENGTH,
  RECORD_COUNT,
} from '../protocol/records/batch-header.js';
import type { StorageObserver } from '../storage/observer.js';
import {
  BucketHistogram,
  CollectedMetric,
  renderExposition,
  renderLabels,
  type LabelSet,
  type MetricKind,
  type Sample,
} from './collected.js';
import { EVENT_LOOP_QUANTILES, EventLoopMonitor } from './event-loop.js';
import type {
  ClusterMetricsSource,
  BrokerMetricsSource,
  GroupLagEntry,
  GroupMetricsSource,
  GroupSummary,
  PartitionLogView,
} from './sources.js';

/** Seconds. Fetch long-polls (max.wait.ms, 500 ms by default) land in the upper buckets. */
export const REQUEST_LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
/** Seconds; MEASUREMENTS.md has one fsync of 16 KiB at ~0.24 ms on this kind of disk. */
export const FLUSH_LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Why a request was not served and its connection closed (a fixed set: a label). */
export const REJECT_REASONS = [
  'frame_too_large',
  'bad_frame',
  'bad_header',
  'unknown_api',
  'unsupported_version',
  'malformed_request',
  'unauthenticated',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Kafka's consumer group states; anything else a coordinator reports is shown as Unknown. */
export const GROUP_STATES = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'] as const;

const UNSUPPORTED_VERSION_LABEL = 'unsupported';

/** Per API key: bytes and error counts (labelled by request only). */
export class ApiStats {
  requestBytes = 0;
  responseBytes = 0;
  /** Error code -> occurrences in responses (every errorCode field, as Kafka's errorCounts()). */
  readonly errors = new Map<number, number>();
  /** By version; the slot after maxVersion holds requests with a version outside the API's range. */
  readonly versions: (RequestStats | undefined)[] = [];

  constructor(
    readonly apiKey: number,
    readonly name: string,
    readonly minVersion: number,
    readonly maxVersion: number,
  ) {}
}

/** Per API key and version: count and latency. Held by the connection from request to response. */
export class RequestStats {
  count = 0;
  readonly latency = new BucketHistogram(REQUEST_LATENCY_BUCKETS);
  /** `request="Produce",version="9"`, rendered once. */
  readonly labelText: string;

  constructor(
    readonly api: ApiStats,
    readonly version: string,
  ) {
    this.labelText = renderLabels({ request: api.name, version });
  }

  /** A request frame of `bytes` (size prefix included) arrived. */
  received(bytes: number): void {
    this.api.requestBytes += bytes;
  }

  /** The request was handled after `seconds`; `response` is null when none is sent (acks=0). */
  completed(seconds: number, response: unknown): void {
    this.count++;
    this.latency.observe(seconds);
    if (response !== null && typeof response === 'object') countErrorCodes(response, this.api.errors);
  }

  /** A response frame of `bytes` was queued on the socket. */
  sent(bytes: number): void {
    this.api.responseBytes += bytes;
  }
}

/** Kafka's BrokerTopicMetrics for one topic. */
export class TopicStats {
  messagesIn = 0;
  bytesIn = 0;
  messagesOut = 0;
  bytesOut = 0;
  /** Kafka's TotalFetchRequestsPerSec: a partition of the topic read by a Fetch request. */
  fetchRequests = 0;

  /** Batches appended to the topic: their record counts (from the validated headers) and bytes. */
  produced(batches: readonly { recordCount: number }[], bytes: number): void {
    let messages = 0;
    for (let i = 0; i < batches.length; i++) messages += batches[i]!.recordCount;
    this.messagesIn += messages;
    this.bytesIn += bytes;
  }

  /** Whole batches sent in a Fetch response: bytes, and records counted from the batch headers. */
  fetched(records: Buffer): void {
    this.bytesOut += records.length;
    this.messagesOut += recordsInBatches(records);
  }
}

export class ListenerStats {
  opened = 0;
  closed = 0;
}

/**
 * Records in a run of whole v2 batches, read from each header's record count (no decoding). A batch
 * is sent whole, so a fetch starting inside a batch counts the records before the fetch offset too.
 */
export function recordsInBatches(buf: Buffer): number {
  let records = 0;
  let at = 0;
  while (at + BATCH_HEADER_SIZE <= buf.length) {
    const batchLength = buf.readInt32BE(at + BATCH_LENGTH);
    if (batchLength < MIN_BATCH_LENGTH || buf[at + MAGIC] !== 2) break;
    records += buf.readInt32BE(at + RECORD_COUNT);
    at += LOG_OVERHEAD + batchLength;
  }
  return records;
}

/**
 * Adds every non-zero `errorCode` field of a response object (at any depth) to `into`. Skips byte
 * buffers and arrays of scalars, so the walk is proportional to the response's structure, not its data.
 */
export function countErrorCodes(node: object, into: Map<number, number>): void {
  for (const key in node) {
    const v = (node as Record<string, unknown>)[key];
    if (typeof v === 'number') {
      if (v !== 0 && key === 'errorCode') into.set(v, (into.get(v) ?? 0) + 1);
    } else if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
      if (Array.isArray(v)) {
        const first: unknown = v[0];
        if (typeof first !== 'object' || first === null || ArrayBuffer.isView(first)) continue;
        for (let i = 0; i < v.length; i++) countErrorCodes(v[i] as object, into);
      } else {
        countErrorCodes(v, into);
      }
    }
  }
}

/** Kafka's name of an error code; codes outside Kafka's table share one label value. */
export function errorLabel(code: number): string {
  return ERROR_MESSAGES.get(code)?.name ?? 'UNKNOWN';
}

export interface BrokerMetricsOptions {
  /** Per-partition series (log offsets, sizes, segment counts, per-partition lag). Default true. */
  partitionLevel?: boolean;
  /** prom-client's Node.js process metrics (CPU, memory, GC, handles). Default true. */
  processMetrics?: boolean;
  /** Window of the event-loop delay quantiles. Default 5000 ms. */
  eventLoopWindowMs?: number;
}

/** What one scrape reads from the broker, computed once even when several metrics need it. */
class Snapshot {
  private partitionList: PartitionLogView[] | null = null;
  private groupList: GroupSummary[] | null = null;
  private lagList: GroupLagEntry[] | null = null;

  constructor(private readonly source: BrokerMetricsSource | null) {}

  get partitions(): PartitionLogView[] {
    this.partitionList ??= this.source ? [...this.source.partitions()] : [];
    return this.partitionList;
  }

  get coordinator(): GroupMetricsSource | undefined {
    return this.source?.groups();
  }

  get groups(): GroupSummary[] {
    this.groupList ??= guarded(() => this.coordinator?.groups() ?? []);
    return this.groupList;
  }

  get lag(): GroupLagEntry[] {
    this.lagList ??= guarded(() => this.coordinator?.lag() ?? []);
    return this.lagList;
  }
}

/** Metrics must never fail a scrape because a source threw: show nothing for it instead. */
function guarded<T>(read: () => T[]): T[] {
  try {
    return read();
  } catch {
    return [];
  }
}

export class BrokerMetrics {
  /** prom-client's process metrics; other parts of the broker may register their own metrics here too. */
  readonly registry = new Registry();
  readonly partitionLevel: boolean;
  /** Hand this to the LogManager: fsync latency, rolls and deletions. */
  readonly storageObserver: StorageObserver;

  private readonly apis: (ApiStats | undefined)[] = [];
  private readonly topics = new Map<string, TopicStats>();
  private readonly listeners = new Map<string, ListenerStats>();
  private readonly rejections = new Map<RejectReason, number>(REJECT_REASONS.map((r) => [r, 0]));
  private readonly flushSync = new BucketHistogram(FLUSH_LATENCY_BUCKETS);
  private readonly flushBackground = new BucketHistogram(FLUSH_LATENCY_BUCKETS);
  private segmentsRolled = 0;
  private segmentsDeleted = 0;
  /** Storage errors by operation (append, clean, read, flush, ...): a handful of fixed names. */
  private readonly storageErrors = new Map<string, number>();
  private readonly cleaner = { passes: 0, recordsRemoved: 0, bytesReclaimed: 0 };
  private readonly eventLoop: EventLoopMonitor;
  private source: BrokerMetricsSource | null = null;
  private snapshot: Snapshot | null = null;
  private readonly families: CollectedMetric[] = [];
  private readonly partitionLabels = new WeakMap<PartitionLogView, string>();

  constructor(opts: BrokerMetricsOptions = {}) {
    this.partitionLevel = opts.partitionLevel ?? true;
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.eventLoop = new EventLoopMonitor(opts.eventLoopWindowMs);
    this.storageObserver = {
      flushed: (seconds, background) => (background ? this.flushBackground : this.flushSync).observe(seconds),
      segmentRolled: () => {
        this.segmentsRolled++;
      },
      segmentsDeleted: (_tp, count) => {
        this.segmentsDeleted += count;
      },
      storageError: (_tp, operation) => {
        this.storageErrors.set(operation, (this.storageErrors.get(operation) ?? 0) + 1);
      },
      logCleaned: (_tp, stats) => {
        this.cleaner.passes++;
        this.cleaner.recordsRemoved += stats.recordsRemoved;
        this.cleaner.bytesReclaimed += Math.max(0, stats.bytesRead - stats.bytesWritten);
      },
    };
    this.define();
  }

  /** Connects the scrape-time metrics (logs, topics, groups, purgatory) to a running broker. */
  attach(source: BrokerMetricsSource): void {
    this.source = source;
  }

  /** The stats object of one API key and version (null for a key outside the protocol's table). */
  request(apiKey: number, version: number): RequestStats | null {
    const api = this.apis[apiKey] ?? this.newApi(apiKey);
    if (!api) return null;
    const slot = version >= api.minVersion && version <= api.maxVersion ? version : api.maxVersion + 1;
    return api.versions[slot] ?? this.newRequestStats(api, slot);
  }

  /** A request that closed its connection instead of being served. */
  rejected(reason: RejectReason): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1);
  }

  /** Per-topic counters; call only for topics that exist (the label set stays bounded). */
  topic(name: string): TopicStats {
    let stats = this.topics.get(name);
    if (!stats) this.topics.set(name, (stats = new TopicStats()));
    return stats;
  }

  /** Per-listener connection counters (listener names come from the config). */
  listener(name: string): ListenerStats {
    let stats = this.listeners.get(name);
    if (!stats) this.listeners.set(name, (stats = new ListenerStats()));
    return stats;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for GET /metrics: the fluxmq_* families, then the registry's. */
  async expose(): Promise<string> {
    this.snapshot = new Snapshot(this.source);
    let own: string;
    try {
      own = renderExposition(this.families);
    } finally {
      this.snapshot = null;
    }
    return own + (await this.registry.metrics());
  }

  /** Event-loop delay over the last window, in seconds (for logs and benches). */
  get eventLoopDelay(): { p50: number; p99: number; max: number } {
    const w = this.eventLoop.window;
    return {
      p50: w.quantiles[EVENT_LOOP_QUANTILES.indexOf(0.5)]!,
      p99: w.quantiles[EVENT_LOOP_QUANTILES.indexOf(0.99)]!,
      max: w.max,
    };
  }

  close(): void {
    this.eventLoop.close();
  }

  private newApi(apiKey: number): ApiStats | null {
    const spec = API_SPECS.get(apiKey);
    if (!spec) return null;
    const api = new ApiStats(apiKey, spec.name, spec.minVersion, spec.maxVersion);
    this.apis[apiKey] = api;
    return api;
  }

  private newRequestStats(api: ApiStats, slot: number): RequestStats {
    const stats = new RequestStats(api, slot > api.maxVersion ? UNSUPPORTED_VERSION_LABEL : String(slot));
    api.versions[slot] = stats;
    return stats;
  }

  private snap(): Snapshot {
    return this.snapshot ?? new Snapshot(this.source);
  }

  private *requestStats(): Generator<RequestStats> {
    for (const api of this.apis) {
      if (!api) continue;
      for (const stats of api.versions) if (stats) yield stats;
    }
  }

  /** Topic counters of existing topics (zeros for topics without traffic yet); forgets deleted ones. */
  private topicSamples(value: (t: TopicStats) => number): Sample[] {
    const source = this.source;
    if (!source) return [];
    for (const name of this.topics.keys()) if (!source.hasTopic(name)) this.topics.delete(name);
    const out: Sample[] = [];
    for (const topic of source.topicNames()) {
      const stats = this.topics.get(topic);
      out.push({ labels: { topic }, value: stats ? value(stats) : 0 });
    }
    return out;
  }

  /** One line per online partition; label text is rendered once per partition log and kept. */
  private partitionLines(name: string, value: (p: PartitionLogView) => number): string {
    if (!this.partitionLevel) return '';
    let out = '';
    for (const p of this.snap().partitions) {
      if (p.isOffline) continue;
      let labels = this.partitionLabels.get(p);
      if (labels === undefined) {
        labels = `{${renderLabels({ topic: p.topic, partition: p.partition })}} `;
        this.partitionLabels.set(p, labels);
      }
      out += `${name}${labels}${value(p)}\n`;
    }
    return out;
  }

  private define(): void {
    const family = (type: MetricKind) => (name: string, help: string, collect: () => Sample[] | string) => {
      this.families.push(new CollectedMetric(name, help, type, collect));
    };
    const gauge = family('gauge');
    const counter = family('counter');
    const histogram = family('histogram');
    const summary = family('summary');

    // --- broker
    gauge('fluxmq_broker_info', 'Broker identity: version, node id and cluster id (value 1).', () => {
      const s = this.source;
      return s
        ? [{ labels: { version: s.version, node_id: s.nodeId, cluster_id: s.clusterId }, value: 1 }]
        : [];
    });
    gauge('fluxmq_broker_ready', '1 when /ready answers 200 (listeners up, logs recovered).', () => [
      { labels: {}, value: this.source?.ready() ? 1 : 0 },
    ]);

    // --- requests (Kafka: kafka.network:type=RequestMetrics)
    counter('fluxmq_requests_total', 'Requests handled, by API (request) and version.', () =>
      [...this.requestStats()].map((s) => ({
        labels: { request: s.api.name, version: s.version },
        value: s.count,
      })),
    );
    histogram(
      'fluxmq_request_duration_seconds',
      'Time from a request being read to its response being ready (includes purgatory waits).',
      () => {
        let out = '';
        for (const s of this.requestStats())
          out += s.latency.render('fluxmq_request_duration_seconds', s.labelText);
        return out;
      },
    );
    counter(
      'fluxmq_request_errors_total',
      'Error codes in responses, by API and Kafka error name (each errorCode field counts once).',
      () => {
        const out: Sample[] = [];
        for (const api of this.apis) {
          if (!api) continue;
          const byName = new Map<string, number>();
          for (const [code, n] of api.errors) {
            const name = errorLabel(code);
            byName.set(name, (byName.get(name) ?? 0) + n);
          }
          for (const [error, n] of byName) out.push({ labels: { request: api.name, error }, value: n });
        }
        return out;
      },
    );
    counter('fluxmq_request_bytes_total', 'Bytes of request frames received, by API.', () =>
      this.apis.flatMap((a) => (a ? [{ labels: { request: a.name }, value: a.requestBytes }] : [])),
    );
    counter('fluxmq_response_bytes_total', 'Bytes of response frames sent, by API.', () =>
      this.apis.flatMap((a) => (a ? [{ labels: { request: a.name }, value: a.responseBytes }] : [])),
    );
    counter(
      'fluxmq_requests_rejected_total',
      'Requests that closed their connection instead of being served, by reason.',
      () => [...this.rejections].map(([reason, value]) => ({ labels: { reason }, value })),
    );

    // --- connections (Kafka: connection-count, connection-creation-rate per listener)
    gauge('fluxmq_connections_active', 'Open client connections, by listener.', () =>
      [...this.listeners].map(([listener, s]) => ({ labels: { listener }, value: s.opened - s.closed })),
    );
    counter('fluxmq_connections_created_total', 'Client connections accepted, by listener.', () =>
      [...this.listeners].map(([listener, s]) => ({ labels: { listener }, value: s.opened })),
    );
    counter('fluxmq_connections_closed_total', 'Client connections closed, by listener.', () =>
      [...this.listeners].map(([listener, s]) => ({ labels: { listener }, value: s.closed })),
    );

    // --- topics (Kafka: kafka.server:type=BrokerTopicMetrics)
    counter(
      'fluxmq_topic_messages_in_total',
      'Records appended, by topic (sum of the record counts of the validated batches).',
      () => this.topicSamples((t) => t.messagesIn),
    );
    counter('fluxmq_topic_bytes_in_total', 'Bytes of record batches appended, by topic.', () =>
      this.topicSamples((t) => t.bytesIn),
    );
    counter(
      'fluxmq_topic_messages_out_total',
      'Records sent to fetchers, by topic (from batch headers; whole batches count).',
      () => this.topicSamples((t) => t.messagesOut),
    );
    counter('fluxmq_topic_bytes_out_total', 'Bytes of record batches sent to fetchers, by topic.', () =>
      this.topicSamples((t) => t.bytesOut),
    );
    counter(
      'fluxmq_topic_fetch_requests_total',
      "Partitions of the topic read by Fetch requests (consumers' and followers'), by topic.",
      () => this.topicSamples((t) => t.fetchRequests),
    );

    // --- logs (Kafka: kafka.log:type=Log)
    gauge('fluxmq_topics', 'Topics.', () => {
      if (!this.source) return [];
      let n = 0;
      for (const _ of this.source.topicNames()) n++;
      return [{ labels: {}, value: n }];
    });
    gauge('fluxmq_partitions', 'Partition logs on this broker.', () =>
      this.source ? [{ labels: {}, value: this.snap().partitions.length }] : [],
    );
    gauge('fluxmq_offline_partitions', 'Partition logs offline after an I/O error.', () =>
      this.source ? [{ labels: {}, value: this.snap().partitions.filter((p) => p.isOffline).length }] : [],
    );
    gauge('fluxmq_topic_size_bytes', 'Bytes of all segment files, by topic.', () => {
      const sizes = new Map<string, number>();
      for (const p of this.snap().partitions) sizes.set(p.topic, (sizes.get(p.topic) ?? 0) + p.size);
      return [...sizes].map(([topic, value]) => ({ labels: { topic }, value }));
    });
    gauge('fluxmq_log_end_offset', 'Log end offset (next offset to assign), by partition.', () =>
      this.partitionLines('fluxmq_log_end_offset', (p) => p.logEndOffset),
    );
    gauge('fluxmq_log_start_offset', 'Log start offset (first offset kept), by partition.', () =>
      this.partitionLines('fluxmq_log_start_offset', (p) => p.logStartOffset),
    );
    gauge('fluxmq_log_size_bytes', 'Bytes of all segment files, by partition.', () =>
      this.partitionLines('fluxmq_log_size_bytes', (p) => p.size),
    );
    gauge('fluxmq_log_segments', 'Segments, by partition.', () =>
      this.partitionLines('fluxmq_log_segments', (p) => p.segmentCount),
    );
    histogram(
      'fluxmq_log_flush_duration_seconds',
      'Duration of one partition flush (fsync of segments, indexes and directory); mode=sync blocks the event loop (flush.messages, close), mode=background runs on the flush timer.',
      () =>
        this.flushSync.render('fluxmq_log_flush_duration_seconds', 'mode="sync"') +
        this.flushBackground.render('fluxmq_log_flush_duration_seconds', 'mode="background"'),
    );
    counter('fluxmq_log_segments_rolled_total', 'Segments rolled (a new active segment started).', () => [
      { labels: {}, value: this.segmentsRolled },
    ]);
    counter('fluxmq_log_segments_deleted_total', 'Segments deleted by retention or DeleteRecords.', () => [
      { labels: {}, value: this.segmentsDeleted },
    ]);
    counter(
      'fluxmq_log_storage_errors_total',
      'I/O errors of partition logs (disk full, EIO), by operation; a failed append answers KAFKA_STORAGE_ERROR.',
      () => [...this.storageErrors].map(([operation, value]) => ({ labels: { operation }, value })),
    );
    counter('fluxmq_log_cleaner_passes_total', 'Compaction passes completed by the log cleaner.', () => [
      { labels: {}, value: this.cleaner.passes },
    ]);
    counter(
      'fluxmq_log_cleaner_records_removed_total',
      'Records removed by compaction (older values of a key, expired tombstones).',
      () => [{ labels: {}, value: this.cleaner.recordsRemoved }],
    );
    counter('fluxmq_log_cleaner_bytes_reclaimed_total', 'Bytes of log freed by compaction.', () => [
      { labels: {}, value: this.cleaner.bytesReclaimed },
    ]);

    // --- purgatories (Kafka: kafka.server:type=DelayedOperationPurgatory,name=PurgatorySize)
    gauge(
      'fluxmq_purgatory_size',
      'Requests waiting in a purgatory (fetch: long polls; join: rebalances).',
      () => {
        const s = this.source;
        if (!s) return [];
        const out: Sample[] = [{ labels: { purgatory: 'fetch' }, value: s.fetchPurgatorySize() }];
        const groups = s.groups();
        if (groups && typeof groups.joinPurgatorySize === 'function') {
          const n = guarded(() => [groups.joinPurgatorySize!()])[0];
          if (n !== undefined) out.push({ labels: { purgatory: 'join' }, value: n });
        }
        return out;
      },
    );

    // --- consumer groups (the lag kafka_exporter and Redpanda publish)
    gauge(
      'fluxmq_consumer_group_lag',
      'Log end offset minus committed offset, by group, topic and partition.',
      () =>
        this.partitionLevel
          ? this.snap().lag.map((e) => ({ labels: lagLabels(e), value: Math.max(0, e.lag) }))
          : [],
    );
    gauge('fluxmq_consumer_group_committed_offset', 'Committed offset, by group, topic and partition.', () =>
      this.partitionLevel
        ? this.snap().lag.map((e) => ({ labels: lagLabels(e), value: e.committedOffset }))
        : [],
    );
    gauge('fluxmq_consumer_group_lag_sum', 'Lag summed over the partitions a group has committed.', () =>
      aggregateLag(this.snap().lag, (a, b) => a + b),
    );
    gauge('fluxmq_consumer_group_lag_max', 'Largest partition lag of a group.', () =>
      aggregateLag(this.snap().lag, Math.max),
    );
    gauge('fluxmq_consumer_group_members', 'Members, by group.', () =>
      this.snap().groups.map((g) => ({ labels: { group: g.group }, value: g.members })),
    );
    gauge('fluxmq_consumer_group_state', 'Current state of each group (value 1).', () =>
      this.snap().groups.map((g) => ({ labels: { group: g.group, state: stateLabel(g.state) }, value: 1 })),
    );
    gauge('fluxmq_consumer_groups', 'Groups, by state.', () => {
      const snap = this.snap();
      if (!snap.coordinator) return [];
      const counts = new Map<string, number>([...GROUP_STATES, 'Unknown'].map((s) => [s, 0]));
      for (const g of snap.groups) counts.set(stateLabel(g.state), counts.get(stateLabel(g.state))! + 1);
      return [...counts].map(([state, value]) => ({ labels: { state }, value }));
    });

    // --- cluster (Kafka: kafka.server:type=ReplicaManager and kafka.controller)
    const clusterGauge = (name: string, help: string, read: (c: ClusterMetricsSource) => number) =>
      gauge(name, help, () => {
        const c = this.source?.cluster?.();
        return c ? [{ labels: {}, value: read(c) }] : [];
      });
    const clusterCounter = (name: string, help: string, read: (c: ClusterMetricsSource) => number) =>
      counter(name, help, () => {
        const c = this.source?.cluster?.();
        return c ? [{ labels: {}, value: read(c) }] : [];
      });
    clusterGauge('fluxmq_cluster_leader_partitions', 'Partitions this broker leads.', (c) => c.leaderCount());
    clusterGauge(
      'fluxmq_cluster_under_replicated_partitions',
      'Partitions led here whose ISR is smaller than their replica set.',
      (c) => c.underReplicatedPartitions(),
    );
    clusterGauge('fluxmq_cluster_offline_partitions', 'Partitions of the cluster without a leader.', (c) =>
      c.offlinePartitions(),
    );
    clusterCounter('fluxmq_cluster_isr_shrinks_total', 'ISR shrinks made by this broker as leader.', (c) =>
      c.isrShrinks(),
    );
    clusterCounter('fluxmq_cluster_isr_expands_total', 'ISR expands made by this broker as leader.', (c) =>
      c.isrExpands(),
    );
    clusterGauge(
      'fluxmq_cluster_replica_max_lag_messages',
      'Largest lag (messages) of a follower of a partition led here.',
      (c) => c.maxReplicaLag(),
    );
    clusterGauge('fluxmq_cluster_active_controller', '1 while this broker is the controller.', (c) =>
      c.isController() ? 1 : 0,
    );
    clusterGauge('fluxmq_cluster_live_brokers', 'Brokers registered in the cluster now.', (c) =>
      c.liveBrokers(),
    );

    // --- event loop
    summary(
      'fluxmq_event_loop_delay_seconds',
      `Event-loop delay (perf_hooks.monitorEventLoopDelay): quantiles over the last ${this.eventLoop.windowMs / 1000} s window, sum and count since start.`,
      () => {
        const w = this.eventLoop.window;
        const totals = this.eventLoop.totals;
        const out: Sample[] = EVENT_LOOP_QUANTILES.map((q, i) => ({
          labels: { quantile: q },
          value: w.quantiles[i]!,
        }));
        out.push({ metricName: 'fluxmq_event_loop_delay_seconds_sum', labels: {}, value: totals.sum });
        out.push({ metricName: 'fluxmq_event_loop_delay_seconds_count', labels: {}, value: totals.count });
        return out;
      },
    );
    gauge(
      'fluxmq_event_loop_delay_max_seconds',
      `Largest event-loop delay in the last ${this.eventLoop.windowMs / 1000} s window.`,
      () => [{ labels: {}, value: this.eventLoop.window.max }],
    );
  }
}

function lagLabels(e: GroupLagEntry): LabelSet {
  return { group: e.group, topic: e.topic, partition: e.partition };
}

function aggregateLag(entries: GroupLagEntry[], combine: (a: number, b: number) => number): Sample[] {
  const byGroup = new Map<string, number>();
  for (const e of entries) {
    const lag = Math.max(0, e.lag);
    const prev = byGroup.get(e.group);
    byGroup.set(e.group, prev === undefined ? lag : combine(prev, lag));
  }
  return [...byGroup].map(([group, value]) => ({ labels: { group }, value }));
}

function stateLabel(state: string): string {
  return (GROUP_STATES as readonly string[]).includes(state) ? state : 'Unknown';
}
