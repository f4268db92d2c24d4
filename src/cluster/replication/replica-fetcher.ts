// One replica fetcher per leader broker (Kafka's ReplicaFetcherThread / AbstractFetcherThread): a
// connection to the leader's replication listener (SASL PLAIN as `broker-<this id>` with the
// cluster's inter-broker secret) and a loop over the partitions this broker follows there.
//
// Each partition starts by truncating (KIP-101/279): OffsetsForLeaderEpoch for its latest local
// epoch; the leader's answer (epoch, end offset) gives the offset where the logs agree, and the log
// is truncated to min(that, log end offset). When the leader answers with an epoch this replica does
// not know, it truncates to its own end of that epoch and asks again; an UNDEFINED answer truncates
// to the high watermark. Then it fetches: Fetch with this broker's replica id, the current leader
// epoch and the last fetched epoch, whose answer is appended as it is, or — when the leader says the
// logs diverged (KIP-595 divergingEpoch) — truncated as above.
//
// Errors: FENCED_LEADER_EPOCH (this broker's metadata is behind) waits for the metadata to move the
// partition; NOT_LEADER_OR_FOLLOWER / UNKNOWN_LEADER_EPOCH / UNKNOWN_TOPIC_* back off (the leader's
// metadata is behind, or leadership moved); OFFSET_OUT_OF_RANGE asks the leader for its log end and
// start (ListOffsets as a replica): a follower ahead of the leader truncates to its end, one behind
// its start restarts its log there. A lost connection reconnects with a growing backoff. With nothing
// to fetch the loop sleeps until a partition is added or a backoff ends; stop() ends it at once.

import {
  AuthenticationError,
  KafkaConnection,
  type ClientSecurity,
  type ConnectionOptions,
} from '../../client/connection.js';
import type { Logger } from '../../observability/logger.js';
import { ErrorCode, errorName } from '../../protocol/errors.js';
import {
  ApiKey,
  type FetchRequestInput,
  type FetchResponse,
  type ListOffsetsResponse,
  type OffsetForLeaderEpochResponse,
} from '../../protocol/messages/index.js';
import { StorageError } from '../../storage/errors.js';
import type { ClusterMetadataClient } from '../types.js';
import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, type EpochEndOffset } from './leader-epoch-cache.js';
import type { Partition } from './partition.js';

const FETCH_VERSION = 16;
const OFFSET_FOR_LEADER_EPOCH_VERSION = 4;
const LIST_OFFSETS_VERSION = 4;
const LATEST = -1;
const EARLIEST = -2;

export interface ReplicaFetcherOptions {
  nodeId: number;
  leaderId: number;
  cluster: ClusterMetadataClient;
  logger: Logger;
  /** replica.fetch.wait.max.ms (Kafka's default 500). */
  maxWaitMs?: number;
  /** replica.fetch.min.bytes (1). */
  minBytes?: number;
  /** replica.fetch.max.bytes per partition (1 MiB). */
  partitionMaxBytes?: number;
  /** replica.fetch.response.max.bytes (10 MiB). */
  responseMaxBytes?: number;
  /** replica.fetch.backoff.ms (1000): wait after an error before fetching that partition again. */
  backoffMs?: number;
  /** TLS for the replication listener, when it uses it. */
  tls?: ClientSecurity['tls'];
  /** Opens the connection (tests may wrap it). */
  connect?: (host: string, port: number, options: ConnectionOptions) => Promise<KafkaConnection>;
  /** Told after every fetch round that returned data (metrics). */
  onFetched?: (partition: Partition, bytes: number) => void;
}

interface FetchState {
  partition: Partition;
  /** The leader epoch this state was added for. */
  leaderEpoch: number;
  mode: 'truncating' | 'fetching';
  /** Not fetched before this time (ms); Infinity until the metadata changes (fenced). */
  delayedUntil: number;
}

/** The leader's answer (epoch, end offset) as truncation needs it. */
type LeaderEnd = EpochEndOffset;

export class ReplicaFetcher {
  readonly leaderId: number;
  private readonly states = new Map<Partition, FetchState>();
  private conn: KafkaConnection | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private reconnectDelayMs = 0;
  private readonly opts: Required<
    Pick<
      ReplicaFetcherOptions,
      'maxWaitMs' | 'minBytes' | 'partitionMaxBytes' | 'responseMaxBytes' | 'backoffMs'
    >
  > &
    ReplicaFetcherOptions;

  constructor(opts: ReplicaFetcherOptions) {
    this.leaderId = opts.leaderId;
    // defaults for options left out or passed as undefined (a spread would keep the undefined)
    this.opts = {
      ...opts,
      maxWaitMs: opts.maxWaitMs ?? 500,
      minBytes: opts.minBytes ?? 1,
      partitionMaxBytes: opts.partitionMaxBytes ?? 1024 * 1024,
      responseMaxBytes: opts.responseMaxBytes ?? 10 * 1024 * 1024,
      backoffMs: opts.backoffMs ?? 1000,
    };
  }

  get size(): number {
    return this.states.size;
  }

  partitions(): Partition[] {
    return [...this.states.keys()];
  }

  /** Starts (or restarts, after a leader epoch change) fetching a partition: truncation first. */
  add(partition: Partition): void {
    this.states.set(partition, {
      partition,
      leaderEpoch: partition.leaderEpoch,
      mode: 'truncating',
      delayedUntil: 0,
    });
    this.start();
    this.wake();
  }

  remove(partition: Partition): void {
    this.states.delete(partition);
  }

  /** The leader's registration changed (a new endpoint after a restart): reconnect. */
  leaderChanged(): void {
    this.conn?.close();
    this.conn = null;
    this.reconnectDelayMs = 0;
    for (const s of this.states.values()) if (s.delayedUntil !== Infinity) s.delayedUntil = 0;
    this.wake();
  }

  start(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.run().catch((err: unknown) => {
      this.opts.logger.error({ leader: this.leaderId, err: String(err) }, 'replica fetcher failed');
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.conn?.close();
    this.conn = null;
    this.wake();
    await this.loop;
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  /** Sleeps `ms` (forever when Infinity) or until wake(). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === Infinity ? null : setTimeout(done, Math.max(0, ms));
      function done(): void {
        if (timer) clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const now = Date.now();
      const ready: FetchState[] = [];
      let nextDue = Infinity;
      for (const s of this.states.values()) {
        if (s.delayedUntil <= now) ready.push(s);
        else nextDue = Math.min(nextDue, s.delayedUntil);
      }
      if (ready.length === 0) {
        await this.sleep(nextDue - now);
        continue;
      }
      try {
        const conn = await this.connection();
        const truncating = ready.filter((s) => s.mode === 'truncating');
        if (truncating.length > 0) await this.truncate(conn, truncating);
        const fetching = ready.filter((s) => s.mode === 'fetching' && this.isCurrent(s));
        if (fetching.length > 0) await this.fetch(conn, fetching);
        this.reconnectDelayMs = 0;
      } catch (err) {
        if (this.stopped) break;
        this.conn?.close();
        this.conn = null;
        // Kafka backs off replica.fetch.backoff.ms after a failed round; grow it while the leader stays away
        this.reconnectDelayMs = Math.min(
          this.reconnectDelayMs === 0 ? Math.min(100, this.opts.backoffMs) : this.reconnectDelayMs * 2,
          Math.max(this.opts.backoffMs, 100) * 10,
        );
        this.opts.logger.warn(
          {
            leader: this.leaderId,
            err: err instanceof Error ? err.message : String(err),
            retryMs: this.reconnectDelayMs,
          },
          err instanceof AuthenticationError ? 'cannot authenticate to the leader' : 'replica fetch failed',
        );
        await this.sleep(this.reconnectDelayMs);
      }
    }
  }

  /** The state is still the one for the partition's current leader epoch (not removed or replaced). */
  private isCurrent(s: FetchState): boolean {
    return (
      !this.stopped &&
      this.states.get(s.partition) === s &&
      s.partition.leaderEpoch === s.leaderEpoch &&
      !s.partition.isClosed
    );
  }

  private async connection(): Promise<KafkaConnection> {
    if (this.conn && !this.conn.closed) return this.conn;
    const { cluster, nodeId, leaderId } = this.opts;
    const reg = cluster.image().brokers.get(leaderId);
    if (!reg) throw new Error(`leader ${leaderId} is not registered`);
    const { host, port } = reg.replicationEndpoint;
    const connect = this.opts.connect ?? ((h, p, o) => KafkaConnection.connect(h, p, o));
    const conn = await connect(host, port, {
      clientId: `broker-${nodeId}-fetcher-${leaderId}`,
      requestTimeoutMs: this.opts.maxWaitMs + 30_000,
      security: {
        tls: this.opts.tls,
        sasl: { mechanism: 'PLAIN', username: `broker-${nodeId}`, password: cluster.interBrokerSecret() },
      },
    });
    if (this.stopped) {
      conn.close();
      throw new Error('stopped');
    }
    this.conn = conn;
    this.opts.logger.info({ leader: leaderId, host, port }, 'replica fetcher connected');
    return conn;
  }

  private backOff(s: FetchState, code: number): void {
    // fenced: our metadata is behind; the partition comes back through add() with the new epoch
    s.delayedUntil = code === ErrorCode.FENCED_LEADER_EPOCH ? Infinity : Date.now() + this.opts.backoffMs;
    this.opts.logger.info(
      {
        topic: s.partition.topic,
        partition: s.partition.partition,
        leader: this.leaderId,
        leaderEpoch: s.leaderEpoch,
        error: errorName(code),
      },
      'replica fetch refused; backing off',
    );
  }

  /** One OffsetsForLeaderEpoch round for the partitions that must truncate before fetching. */
  private async truncate(conn: KafkaConnection, states: FetchState[]): Promise<void> {
    const asking: FetchState[] = [];
    for (const s of states) {
      if (s.partition.epochs.latestEpoch === UNDEFINED_EPOCH) {
        // no epoch known here: Kafka truncates such a replica to its high watermark
        this.truncateTo(s, s.partition.highWatermark);
        s.mode = 'fetching';
      } else {
        asking.push(s);
      }
    }
    if (asking.length === 0) return;
    const byTopic = new Map<string, FetchState[]>();
    for (const s of asking) {
      const list = byTopic.get(s.partition.topic) ?? [];
      list.push(s);
      byTopic.set(s.partition.topic, list);
    }
    const res = await conn.request<OffsetForLeaderEpochResponse>(
      ApiKey.OffsetForLeaderEpoch,
      OFFSET_FOR_LEADER_EPOCH_VERSION,
      {
        replicaId: this.opts.nodeId,
        topics: [...byTopic].map(([topic, list]) => ({
          topic,
          partitions: list.map((s) => ({
            partition: s.partition.partition,
            currentLeaderEpoch: s.leaderEpoch,
            leaderEpoch: s.partition.epochs.latestEpoch,
          })),
        })),
      },
    );
    for (const t of res.topics) {
      const list = byTopic.get(t.topic) ?? [];
      for (const r of t.partitions) {
        const s = list.find((x) => x.partition.partition === r.partition);
        if (!s || !this.isCurrent(s)) continue;
        if (r.errorCode !== ErrorCode.NONE) {
          this.backOff(s, r.errorCode);
          continue;
        }
        if (this.truncateToLeader(s, { leaderEpoch: r.leaderEpoch, endOffset: r.endOffset }))
          s.mode = 'fetching';
      }
    }
  }

  /**
   * Kafka's getOffsetTruncationState: truncates as far as the leader's (epoch, end offset) says and
   * returns whether truncation is complete (false: this replica did not know the leader's epoch, so
   * it cut to its own end of that epoch and must ask again).
   */
  private truncateToLeader(s: FetchState, leader: LeaderEnd): boolean {
    const p = s.partition;
    const end = p.logEndOffset;
    if (leader.endOffset === UNDEFINED_EPOCH_OFFSET) {
      this.truncateTo(s, Math.min(p.highWatermark, end));
      return true;
    }
    if (leader.leaderEpoch === UNDEFINED_EPOCH) {
      this.truncateTo(s, Math.min(leader.endOffset, end));
      return true;
    }
    const local = p.endOffsetForEpoch(leader.leaderEpoch);
    if (local.endOffset === UNDEFINED_EPOCH_OFFSET) {
      this.truncateTo(s, Math.min(leader.endOffset, end));
      return true;
    }
    if (local.leaderEpoch !== leader.leaderEpoch) {
      this.truncateTo(s, Math.min(local.endOffset, end));
      return false;
    }
    this.truncateTo(s, Math.min(leader.endOffset, end));
    return true;
  }

  private truncateTo(s: FetchState, offset: number): void {
    s.partition.truncateTo(Math.max(offset, s.partition.logStartOffset));
  }

  private async fetch(conn: KafkaConnection, states: FetchState[]): Promise<void> {
    const byTopic = new Map<string, FetchState[]>();
    for (const s of states) {
      const list = byTopic.get(s.partition.topicId) ?? [];
      list.push(s);
      byTopic.set(s.partition.topicId, list);
    }
    const { nodeId } = this.opts;
    const req: FetchRequestInput = {
      replicaId: nodeId,
      // KIP-903 broker epochs are not tracked: -1 tells the leader not to check one
      replicaState: { replicaId: nodeId, replicaEpoch: -1 },
      maxWaitMs: this.opts.maxWaitMs,
      minBytes: this.opts.minBytes,
      maxBytes: this.opts.responseMaxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic].map(([topicId, list]) => ({
        topic: list[0]!.partition.topic,
        topicId,
        partitions: list.map((s) => ({
          partition: s.partition.partition,
          currentLeaderEpoch: s.leaderEpoch,
          fetchOffset: s.partition.logEndOffset,
          lastFetchedEpoch: s.partition.epochs.latestEpoch,
          logStartOffset: s.partition.logStartOffset,
          partitionMaxBytes: this.opts.partitionMaxBytes,
        })),
      })),
      forgottenTopicsData: [],
      rackId: '',
    };
    const res = await conn.request<FetchResponse>(ApiKey.Fetch, FETCH_VERSION, req);
    if (res.errorCode !== ErrorCode.NONE) {
      for (const s of states) this.backOff(s, res.errorCode);
      return;
    }
    for (const t of res.responses) {
      const list = byTopic.get(t.topicId) ?? [];
      for (const pd of t.partitions) {
        const s = list.find((x) => x.partition.partition === pd.partitionIndex);
        if (!s || !this.isCurrent(s)) continue;
        try {
          await this.handlePartition(conn, s, pd);
        } catch (err) {
          if (!(err instanceof StorageError) && !(err instanceof RangeError)) throw err;
          s.delayedUntil = Date.now() + this.opts.backoffMs;
          this.opts.logger.error(
            { topic: s.partition.topic, partition: s.partition.partition, err: err.message },
            'cannot apply fetched data; backing off',
          );
        }
      }
    }
  }

  private async handlePartition(
    conn: KafkaConnection,
    s: FetchState,
    pd: FetchResponse['responses'][number]['partitions'][number],
  ): Promise<void> {
    const p = s.partition;
    switch (pd.errorCode) {
      case ErrorCode.NONE:
        break;
      case ErrorCode.OFFSET_OUT_OF_RANGE:
        await this.handleOutOfRange(conn, s);
        return;
      default:
        this.backOff(s, pd.errorCode);
        return;
    }
    const div = pd.divergingEpoch;
    if (div && (div.epoch >= 0 || div.endOffset >= 0)) {
      // KIP-595: the leader says our last fetched epoch ends earlier on its side
      this.truncateToLeader(s, { leaderEpoch: div.epoch, endOffset: div.endOffset });
      return;
    }
    const records = pd.records;
    let bytes = 0;
    if (records && records.length > 0) bytes = p.appendAsFollower(records);
    p.updateFollowerHighWatermark(pd.highWatermark);
    p.followLogStartOffset(pd.logStartOffset);
    if (bytes > 0) this.opts.onFetched?.(p, bytes);
  }

  /**
   * Kafka's handleOutOfRangeError: a follower ahead of the leader's log end truncates to it (only
   * possible without epochs); one behind the leader's log start restarts its log there.
   */
  private async handleOutOfRange(conn: KafkaConnection, s: FetchState): Promise<void> {
    const p = s.partition;
    const leaderEnd = await this.listOffset(conn, s, LATEST);
    if (leaderEnd === null || !this.isCurrent(s)) return;
    if (leaderEnd < p.logEndOffset) {
      this.truncateTo(s, leaderEnd);
      return;
    }
    const leaderStart = await this.listOffset(conn, s, EARLIEST);
    if (leaderStart === null || !this.isCurrent(s)) return;
    if (leaderStart > p.logEndOffset) p.truncateFullyAndStartAt(leaderStart);
  }

  private async listOffset(conn: KafkaConnection, s: FetchState, timestamp: number): Promise<number | null> {
    const res = await conn.request<ListOffsetsResponse>(ApiKey.ListOffsets, LIST_OFFSETS_VERSION, {
      replicaId: this.opts.nodeId,
      isolationLevel: 0,
      topics: [
        {
          name: s.partition.topic,
          partitions: [
            { partitionIndex: s.partition.partition, currentLeaderEpoch: s.leaderEpoch, timestamp },
          ],
        },
      ],
    });
    const r = res.topics[0]?.partitions[0];
    if (!r || r.errorCode !== ErrorCode.NONE) {
      this.backOff(s, r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
      return null;
    }
    return r.offset;
  }
}
