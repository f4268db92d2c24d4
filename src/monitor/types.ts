// What `fluxmq monitor` shows: one snapshot of a cluster, computed from two polls (rates and
// trends are deltas between them). `--once --json` prints a MonitorSnapshot as it is; the Ink view
// and the plain tables render it. Numbers a source could not give are null, never guessed.

export interface ListenerView {
  name: string;
  /** Open connections on the listener (FluxMQ /metrics), null when unknown. */
  connections: number | null;
}

export interface BrokerView {
  id: number;
  host: string;
  port: number;
  rack: string | null;
  isController: boolean;
  /** The broker answered its Kafka requests this round. */
  reachable: boolean;
  /** Why it is unreachable (or which request failed). */
  error: string | null;
  /** The management HTTP base URL in use for this broker (FluxMQ only), null when none answers. */
  http: string | null;
  /** From FluxMQ's /v1/status; null for other brokers or when HTTP is unreachable. */
  version: string | null;
  state: string | null;
  uptimeSeconds: number | null;
  /** Open client connections (FluxMQ /v1/status). */
  connections: number | null;
  listeners: ListenerView[];
  /** p99 event-loop delay over the broker's last window (FluxMQ /metrics), in ms. */
  eventLoopP99Ms: number | null;
}

export interface TopicView {
  name: string;
  internal: boolean;
  partitions: number;
  /** Sum of the partitions' log end offsets (null when a leader did not answer). */
  endOffset: number | null;
  /** Records appended per second, from log end offset deltas (any Kafka broker). */
  produceRate: number | null;
  /** Bytes appended per second: FluxMQ /metrics bytes-in, else the growth of the log size on disk. */
  produceBytesRate: number | null;
  /** Records sent to fetchers per second (FluxMQ /metrics topic_messages_out only). */
  fetchRate: number | null;
  fetchBytesRate: number | null;
  /** Bytes of the topic's segments: DescribeLogDirs where served, else FluxMQ /metrics. */
  sizeBytes: number | null;
  /** Produce rate of the recent polls, oldest first (for the sparkline). */
  history: number[];
}

export interface PartitionLag {
  topic: string;
  partition: number;
  committedOffset: number;
  logEndOffset: number | null;
  lag: number | null;
}

export interface GroupView {
  groupId: string;
  protocolType: string;
  /** Stable, Empty, PreparingRebalance, ... (null when DescribeGroups failed). */
  state: string | null;
  members: number | null;
  /** Node id of the group's coordinator (the broker that listed it). */
  coordinator: number;
  /** Sum of the lags of the partitions with a committed offset. */
  totalLag: number | null;
  /** Change of the total lag per second between the two polls (positive: falling behind). */
  lagTrend: number | null;
  /** Committed offsets advanced per second (the group's consumption rate). */
  commitRate: number | null;
  /** Total lag of the recent polls, oldest first. */
  lagHistory: number[];
  /** Partitions with a committed offset. */
  partitions: number;
  /** Topics the group has committed offsets on. */
  topics: string[];
  /** The lagging partitions with the largest lag, largest first (at most 5). */
  worst: PartitionLag[];
  error: string | null;
}

export interface ApiView {
  /** The API name as FluxMQ labels it (Produce, Fetch, Metadata, ...). */
  api: string;
  /** Requests since the broker started. */
  requests: number;
  requestsPerSec: number | null;
  /** Latency percentiles over the last interval, or since start when there is no earlier sample. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** Error codes in responses since start, and their rate over the last interval. */
  errors: number;
  errorsPerSec: number | null;
  /** Error names by count since start, largest first. */
  topErrors: { name: string; count: number }[];
}

export interface MonitorSnapshot {
  /** When the second poll finished (ISO time). */
  at: string;
  bootstrap: string;
  intervalMs: number;
  /** Seconds between the two polls the rates come from (null until there are two). */
  sampleSeconds: number | null;
  /** The cluster answered Metadata in the last poll. */
  reachable: boolean;
  /** Why the cluster is unreachable; the topics and groups then are the last ones seen. */
  error: string | null;
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerView[];
  topics: TopicView[];
  groups: GroupView[];
  /** Per-API request rates, latency percentiles and errors (null without FluxMQ /metrics). */
  requests: ApiView[] | null;
  /** Percentiles over the last interval ('interval') or since the broker started ('since-start'). */
  latencyWindow: 'interval' | 'since-start' | null;
  sources: {
    /** At least one broker's FluxMQ /metrics answered. */
    metrics: boolean;
    /** At least one broker's FluxMQ /v1/status answered. */
    status: boolean;
    /** Where topic sizes come from. */
    sizes: 'DescribeLogDirs' | 'metrics' | null;
  };
  /** What is missing and why, in words (the panels that need it say so too). */
  notes: string[];
}
