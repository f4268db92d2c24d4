// A consumer-group member over the Kafka protocol, for FluxMQ or any Kafka broker: it finds the
// group coordinator, joins (JoinGroup/SyncGroup, running the assignor when it is the leader),
// heartbeats, fetches its partitions from their leaders, hands batches to the caller in offset
// order per partition, and commits what was processed. At-least-once: a batch is committed only
// after the handler returned, so a crash re-delivers at most what was processed since the last
// commit.
//
//   const consumer = new GroupConsumer({ bootstrap: 'localhost:9092', groupId: 'g', topics: ['t'] });
//   const done = consumer.run(async (batch) => { for (const m of batch.messages) use(m); });
//   ...
//   await consumer.close(); // commits, leaves the group, and `done` resolves
//
// Rebalances: with an eager assignor (range, roundrobin, sticky) every partition is committed and
// revoked before rejoining; with cooperative-sticky only partitions that move are, followed by one
// more rejoin (KIP-429). A static member (groupInstanceId) does not leave the group on close, so a
// restart within the session timeout gets its partitions back without a rebalance (KIP-345).

import { ConnectionClosedError, RequestTimeoutError, type ClientSecurity } from '../connection.js';
import {
  CONSUMER_PROTOCOL_TYPE,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../protocol/consumer-protocol.js';
import { ErrorCode, KafkaError, errorName } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import { decodeRecordBatches, type RecordHeader } from '../../protocol/records/index.js';
import {
  assignorByName,
  type AssignorName,
  type MemberSubscription,
  type PartitionAssignor,
} from './assignors/index.js';
import { BrokerLink, parseAddress, type BrokerAddress } from './broker-link.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  /** In offset order; never empty. */
  messages: ConsumedMessage[];
  /** The partition's high watermark when fetched (lag = highWatermark - last offset - 1). */
  highWatermark: number;
}

/** The subset of a pino logger the consumer uses. */
export interface ConsumerLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface GroupConsumerOptions {
  /** 'host:port', a comma-separated list of them, or an array. */
  bootstrap: string | string[];
  groupId: string;
  topics: string[];
  clientId?: string;
  /** Static membership (KIP-345): a stable identity across restarts. */
  groupInstanceId?: string;
  /** In order of preference; the group uses one every member supports. Default ['range']. */
  assignors?: (AssignorName | PartitionAssignor)[];
  /** Default 45000 (Kafka's consumer default). */
  sessionTimeoutMs?: number;
  /** How long the coordinator waits for members to rejoin. Default 60000. */
  rebalanceTimeoutMs?: number;
  /** Default 3000; keep it well under a third of the session timeout. */
  heartbeatIntervalMs?: number;
  /** Where to start a partition without a committed offset. Default 'latest' (Kafka's default). */
  autoOffsetReset?: 'earliest' | 'latest';
  /** Commit processed offsets automatically (default true): every autoCommitIntervalMs, on rebalance and on close. */
  autoCommit?: boolean;
  /** Default 5000; 0 commits after every fetch round. */
  autoCommitIntervalMs?: number;
  /** Fetch long-poll time. Default 500. */
  maxWaitMs?: number;
  minBytes?: number;
  /** Per fetch request. Default 50 MiB. */
  maxBytes?: number;
  /** Per partition per fetch. Default 1 MiB. */
  maxPartitionBytes?: number;
  requestTimeoutMs?: number;
  /** TLS and SASL for every broker connection. */
  security?: ClientSecurity;
  /** The leader re-checks partition counts this often and rebalances when they change. Default 30000. */
  metadataMaxAgeMs?: number;
  /** Called with the partitions added to this member's assignment (after positions are known). */
  onAssigned?: (partitions: TopicPartition[]) => void | Promise<void>;
  /** Called with partitions taken away (after their offsets were committed), and on close. */
  onRevoked?: (partitions: TopicPartition[]) => void | Promise<void>;
  logger?: ConsumerLogger;
}

/** The batch handler threw; run() rejects with this (after committing what was processed before). */
export class ConsumerHandlerError extends Error {
  override name = 'ConsumerHandlerError';
}

interface OwnedPartition extends TopicPartition {
  /** Next offset to hand out; null until known. */
  position: number | null;
  /** Last committed position. */
  committed: number | null;
}

const NOOP_LOGGER: ConsumerLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Errors after which the consumer retries (after finding the coordinator again where it matters). */
const RETRIABLE = new Set<number>([
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.UNKNOWN_MEMBER_ID,
  ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.UNSTABLE_OFFSET_COMMIT,
]);

const COORDINATOR_ERRORS = new Set<number>([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR]);

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class GroupConsumer {
  private readonly o: Required<
    Omit<
      GroupConsumerOptions,
      'groupInstanceId' | 'onAssigned' | 'onRevoked' | 'logger' | 'assignors' | 'bootstrap' | 'security'
    >
  >;
  private readonly bootstrap: BrokerAddress[];
  private readonly security: ClientSecurity | undefined;
  private readonly assignors: PartitionAssignor[];
  private readonly protocol: 'eager' | 'cooperative';
  private readonly groupInstanceId: string | null;
  private readonly log: ConsumerLogger;

  private member = '';
  private generation = -1;
  private leader = false;
  private needsJoin = true;
  private joining = false;
  private closing = false;
  private runPromise: Promise<void> | null = null;
  private closed: Promise<void> | null = null;
  private readonly owned = new Map<string, OwnedPartition>();

  private metadataLink: BrokerLink | null = null;
  private coordinator: BrokerLink | null = null;
  private readonly fetchLinks = new Map<number, BrokerLink>();
  private readonly brokers = new Map<number, BrokerAddress>();
  private readonly leaders = new Map<string, number>();
  private assignedCounts = new Map<string, number>();
  private lastMetadataCheck = 0;
  private lastCommit = 0;

  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatEpoch = 0;
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly opts: GroupConsumerOptions) {
    const list = Array.isArray(opts.bootstrap) ? opts.bootstrap : opts.bootstrap.split(',');
    this.security = opts.security;
    this.bootstrap = list
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(parseAddress);
    if (this.bootstrap.length === 0) throw new Error('GroupConsumer: no bootstrap address');
    if (opts.topics.length === 0) throw new Error('GroupConsumer: no topics to subscribe to');
    this.assignors = (opts.assignors ?? ['range']).map((a) =>
      typeof a === 'string' ? assignorByName(a) : a,
    );
    if (this.assignors.length === 0) throw new Error('GroupConsumer: no assignor');
    this.protocol = this.assignors.every((a) => a.rebalanceProtocol === 'cooperative')
      ? 'cooperative'
      : 'eager';
    this.groupInstanceId = opts.groupInstanceId ?? null;
    this.log = opts.logger ?? NOOP_LOGGER;
    this.o = {
      groupId: opts.groupId,
      topics: [...new Set(opts.topics)],
      clientId: opts.clientId ?? 'fluxmq-consumer',
      sessionTimeoutMs: opts.sessionTimeoutMs ?? 45_000,
      rebalanceTimeoutMs: opts.rebalanceTimeoutMs ?? 60_000,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 3000,
      autoOffsetReset: opts.autoOffsetReset ?? 'latest',
      autoCommit: opts.autoCommit ?? true,
      autoCommitIntervalMs: opts.autoCommitIntervalMs ?? 5000,
      maxWaitMs: opts.maxWaitMs ?? 500,
      minBytes: opts.minBytes ?? 1,
      maxBytes: opts.maxBytes ?? 50 * 1024 * 1024,
      maxPartitionBytes: opts.maxPartitionBytes ?? 1024 * 1024,
      requestTimeoutMs: opts.requestTimeoutMs ?? 30_000,
      metadataMaxAgeMs: opts.metadataMaxAgeMs ?? 30_000,
    };
  }

  /** This member's id in the group ('' before the first join). */
  get memberId(): string {
    return this.member;
  }

  /** The group generation this member is in (-1 when it is not in one). */
  get generationId(): number {
    return this.generation;
  }

  /** The partitions currently assigned to this member. */
  assignment(): TopicPartition[] {
    return [...this.owned.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * Consumes until close() is called (then resolves, after committing and leaving the group), or
   * rejects on an error it cannot recover from (a fenced static member, an incompatible group,
   * a handler that threw: ConsumerHandlerError).
   */
  run(onBatch: (batch: ConsumedBatch) => void | Promise<void>): Promise<void> {
    if (this.runPromise) throw new Error('GroupConsumer.run() was already called');
    if (this.closing) throw new Error('GroupConsumer is closed');
    this.runPromise = this.loop(onBatch);
    return this.runPromise;
  }

  /** Stops consuming, commits what was processed, leaves the group (unless static), closes connections. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      for (const wake of this.sleepers) wake();
      // a JoinGroup may wait for a whole rebalance: drop that connection to stop waiting
      if (this.joining) this.dropCoordinator();
      if (this.runPromise) await this.runPromise.catch(() => {});
      else await this.cleanup();
    })();
    return this.closed;
  }

  /** Commits the processed position of every assigned partition (auto commit does this too). */
  async commit(): Promise<void> {
    await this.commitOwned([...this.owned.values()]);
  }

  // ------------------------------------------------------------------------------------------
  // main loop

  private async loop(onBatch: (batch: ConsumedBatch) => void | Promise<void>): Promise<void> {
    let failure: unknown = null;
    let backoff = 100;
    try {
      while (!this.closing) {
        try {
          if (this.needsJoin) await this.join();
          if (this.closing) break;
          await this.maybeCheckMetadata();
          await this.fetchRound(onBatch);
          if (this.o.autoCommit && Date.now() - this.lastCommit >= this.o.autoCommitIntervalMs) {
            await this.commitOwned([...this.owned.values()]);
          }
          backoff = 100;
        } catch (err) {
          if (this.closing && !(err instanceof ConsumerHandlerError)) break;
          if (!this.isRetriable(err)) {
            failure = err;
            break;
          }
          this.log.warn({ err, group: this.o.groupId }, 'consumer will retry');
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, 2000);
        }
      }
    } finally {
      await this.cleanup();
    }
    if (failure) throw failure;
  }

  private isRetriable(err: unknown): boolean {
    if (err instanceof ConsumerHandlerError) return false;
    if (err instanceof KafkaError) {
      if (COORDINATOR_ERRORS.has(err.code)) this.dropCoordinator();
      return RETRIABLE.has(err.code);
    }
    if (err instanceof ConnectionClosedError || err instanceof RequestTimeoutError) {
      this.dropAllLinks();
      return true;
    }
    // connection refused and other socket errors while a broker restarts
    if (err instanceof Error && /connect|ECONNRESET|EPIPE|socket/i.test(err.message)) {
      this.dropAllLinks();
      return true;
    }
    return false;
  }

  private async cleanup(): Promise<void> {
    this.stopHeartbeat();
    if (this.generation >= 0 && this.o.autoCommit) {
      await this.commitOwned([...this.owned.values()]).catch((err: unknown) =>
        this.log.warn({ err, group: this.o.groupId }, 'final commit failed'),
      );
    }
    if (this.owned.size > 0) await this.revoke([...this.owned.values()]).catch(() => {});
    if (this.member !== '' && this.groupInstanceId === null) {
      try {
        const coord = await this.ensureCoordinator();
        const v = coord.version(ApiKey.LeaveGroup, 0, 5);
        await coord.requestVersion(ApiKey.LeaveGroup, v, {
          groupId: this.o.groupId,
          memberId: this.member,
          members: [{ memberId: this.member, groupInstanceId: null, reason: 'the consumer is closing' }],
        });
      } catch (err) {
        this.log.debug({ err, group: this.o.groupId }, 'LeaveGroup failed');
      }
      this.member = '';
    }
    this.generation = -1;
    this.dropAllLinks();
  }

  // ------------------------------------------------------------------------------------------
  // connections and metadata

  private async anyLink(): Promise<BrokerLink> {
    if (this.metadataLink && !this.metadataLink.closed) return this.metadataLink;
    const candidates = [...this.brokers.values(), ...this.bootstrap];
    let last: unknown = null;
    for (const address of candidates) {
      try {
        this.metadataLink = await this.openLink(address, this.o.requestTimeoutMs);
        return this.metadataLink;
      } catch (err) {
        last = err;
      }
    }
    throw last instanceof Error ? last : new Error('no broker reachable');
  }

  private openLink(address: BrokerAddress, requestTimeoutMs: number): Promise<BrokerLink> {
    return BrokerLink.open(address, { clientId: this.o.clientId, requestTimeoutMs, security: this.security });
  }

  private async refreshMetadata(topics: string[]): Promise<Map<string, number>> {
    const link = await this.anyLink();
    const res = await link.request(ApiKey.Metadata, 1, 12, {
      topics: topics.map((name) => ({ name })),
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    for (const b of res.brokers as { nodeId: number; host: string; port: number }[]) {
      this.brokers.set(b.nodeId, { host: b.host, port: b.port });
    }
    const counts = new Map<string, number>();
    for (const t of res.topics as {
      errorCode: number;
      name: string;
      partitions: { partitionIndex: number; leaderId: number }[];
    }[]) {
      if (t.errorCode !== ErrorCode.NONE) continue;
      counts.set(t.name, t.partitions.length);
      for (const p of t.partitions) this.leaders.set(tpKey(t.name, p.partitionIndex), p.leaderId);
    }
    return counts;
  }

  private async ensureCoordinator(): Promise<BrokerLink> {
    if (this.coordinator && !this.coordinator.closed) return this.coordinator;
    const link = await this.anyLink();
    const v = link.version(ApiKey.FindCoordinator, 0, 6);
    const res = await link.requestVersion(ApiKey.FindCoordinator, v, {
      key: this.o.groupId,
      keyType: 0,
      coordinatorKeys: [this.o.groupId],
    });
    const c = v >= 4 ? res.coordinators[0] : res;
    if (!c || c.errorCode !== ErrorCode.NONE) {
      throw new KafkaError(c?.errorCode ?? ErrorCode.COORDINATOR_NOT_AVAILABLE, 'FindCoordinator failed');
    }
    // JoinGroup waits up to the rebalance timeout: give requests on this connection that long
    this.coordinator = await this.openLink(
      { host: c.host, port: c.port },
      Math.max(this.o.requestTimeoutMs, this.o.rebalanceTimeoutMs + 5000),
    );
    this.log.debug({ group: this.o.groupId, coordinator: c.nodeId }, 'found the group coordinator');
    return this.coordinator;
  }

  private dropCoordinator(): void {
    this.coordinator?.close();
    this.coordinator = null;
  }

  private dropAllLinks(): void {
    this.dropCoordinator();
    this.metadataLink?.close();
    this.metadataLink = null;
    for (const l of this.fetchLinks.values()) l.close();
    this.fetchLinks.clear();
  }

  private async leaderLink(nodeId: number): Promise<BrokerLink> {
    const existing = this.fetchLinks.get(nodeId);
    if (existing && !existing.closed) return existing;
    const address = this.brokers.get(nodeId);
    if (!address) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `unknown broker ${nodeId}`);
    const link = await this.openLink(address, this.o.requestTimeoutMs + this.o.maxWaitMs);
    this.fetchLinks.set(nodeId, link);
    return link;
  }

  // ------------------------------------------------------------------------------------------
  // joining the group

  private async join(): Promise<void> {
    this.stopHeartbeat();
    if (this.protocol === 'eager' && this.owned.size > 0) {
      if (this.o.autoCommit && this.generation >= 0) {
        await this.commitOwned([...this.owned.values()]).catch((err: unknown) =>
          this.log.warn({ err, group: this.o.groupId }, 'commit before rejoining failed'),
        );
      }
      await this.revoke([...this.owned.values()]);
    }
    this.joining = true;
    try {
      for (;;) {
        if (this.closing) return;
        const coord = await this.ensureCoordinator();
        const joinVersion = coord.version(ApiKey.JoinGroup, this.groupInstanceId !== null ? 5 : 0, 9);
        const owned = this.ownedByTopic();
        const res = await coord.requestVersion(ApiKey.JoinGroup, joinVersion, {
          groupId: this.o.groupId,
          sessionTimeoutMs: this.o.sessionTimeoutMs,
          rebalanceTimeoutMs: this.o.rebalanceTimeoutMs,
          memberId: this.member,
          groupInstanceId: this.groupInstanceId,
          protocolType: CONSUMER_PROTOCOL_TYPE,
          protocols: this.assignors.map((a) => ({
            name: a.name,
            metadata: encodeSubscription({
              topics: this.o.topics,
              userData: null,
              ownedPartitions: owned,
              generationId: this.generation,
              rackId: null,
            }),
          })),
          reason: null,
        });
        if (!(await this.handleGroupError('JoinGroup', res.errorCode, res.memberId))) continue;
        this.member = res.memberId;
        this.generation = res.generationId;
        this.leader = res.leader === res.memberId;
        const assignments =
          this.leader && !res.skipAssignment
            ? await this.computeAssignments(res.members, res.protocolName)
            : [];
        const syncVersion = coord.version(ApiKey.SyncGroup, this.groupInstanceId !== null ? 3 : 0, 5);
        const sync = await coord.requestVersion(ApiKey.SyncGroup, syncVersion, {
          groupId: this.o.groupId,
          generationId: this.generation,
          memberId: this.member,
          groupInstanceId: this.groupInstanceId,
          protocolType: CONSUMER_PROTOCOL_TYPE,
          protocolName: res.protocolName,
          assignments,
        });
        if (!(await this.handleGroupError('SyncGroup', sync.errorCode, this.member))) continue;
        this.log.info(
          { group: this.o.groupId, memberId: this.member, generation: this.generation, leader: this.leader },
          'joined the group',
        );
        this.joining = false;
        await this.applyAssignment(sync.assignment as Buffer);
        return;
      }
    } finally {
      this.joining = false;
    }
  }

  /** true: go on; false: join again (after a pause where useful); throws on fatal errors. */
  private async handleGroupError(api: string, code: number, memberId: string): Promise<boolean> {
    switch (code) {
      case ErrorCode.NONE:
        return true;
      case ErrorCode.MEMBER_ID_REQUIRED:
        this.member = memberId;
        return false;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.member = '';
        this.generation = -1;
        return false;
      case ErrorCode.ILLEGAL_GENERATION:
        this.generation = -1;
        return false;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return false;
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        await this.sleep(200);
        return false;
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.dropCoordinator();
        await this.sleep(200);
        return false;
      default:
        throw new KafkaError(code, `${api} for group ${this.o.groupId} failed: ${errorName(code)}`);
    }
  }

  private ownedByTopic(): { topic: string; partitions: number[] }[] {
    const byTopic = new Map<string, number[]>();
    for (const p of this.owned.values()) {
      let list = byTopic.get(p.topic);
      if (!list) byTopic.set(p.topic, (list = []));
      list.push(p.partition);
    }
    return [...byTopic].map(([topic, partitions]) => ({
      topic,
      partitions: partitions.sort((a, b) => a - b),
    }));
  }

  /** As the leader: decode the subscriptions, learn the partition counts, run the assignor. */
  private async computeAssignments(
    members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[],
    protocolName: string | null,
  ): Promise<{ memberId: string; assignment: Buffer }[]> {
    const assignor = this.assignors.find((a) => a.name === protocolName);
    if (!assignor) {
      throw new KafkaError(
        ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
        `the group chose unknown assignor ${protocolName}`,
      );
    }
    const subs: MemberSubscription[] = members.map((m) => {
      try {
        const s = decodeSubscription(m.metadata);
        return {
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          topics: s.topics,
          userData: s.userData,
          ownedPartitions: s.ownedPartitions,
          generationId: s.generationId,
          rackId: s.rackId,
        };
      } catch {
        this.log.warn({ group: this.o.groupId, memberId: m.memberId }, 'unreadable subscription');
        return {
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          topics: [],
          userData: null,
          ownedPartitions: [],
          generationId: -1,
          rackId: null,
        };
      }
    });
    const topics = [...new Set(subs.flatMap((s) => s.topics))];
    const counts = await this.refreshMetadata(topics);
    this.assignedCounts = new Map(topics.map((t) => [t, counts.get(t) ?? 0]));
    this.lastMetadataCheck = Date.now();
    const result = assignor.assign(subs, counts);
    return subs.map((s) => ({
      memberId: s.memberId,
      assignment: encodeAssignment({
        assignedPartitions: [...(result.get(s.memberId) ?? new Map<string, number[]>())].map(
          ([topic, partitions]) => ({ topic, partitions }),
        ),
        userData: null,
      }),
    }));
  }

  private async applyAssignment(buf: Buffer): Promise<void> {
    const next = new Map<string, TopicPartition>();
    for (const a of decodeAssignment(buf).assignedPartitions) {
      for (const partition of a.partitions)
        next.set(tpKey(a.topic, partition), { topic: a.topic, partition });
    }
    const revoked = [...this.owned.entries()].filter(([k]) => !next.has(k)).map(([, p]) => p);
    const added = [...next.entries()].filter(([k]) => !this.owned.has(k));
    this.needsJoin = false;
    if (revoked.length > 0) {
      // cooperative: give these up, then rejoin so their new owner gets them
      if (this.o.autoCommit) await this.commitOwned(revoked).catch(() => {});
      await this.revoke(revoked);
      this.needsJoin = true;
    }
    for (const [k, tp] of added) this.owned.set(k, { ...tp, position: null, committed: null });
    this.startHeartbeat();
    const fresh = added.map(([, tp]) => tp);
    if (fresh.length > 0) {
      await this.refreshMetadata([...new Set(fresh.map((p) => p.topic))]);
      await this.initPositions(fresh);
      await this.opts.onAssigned?.(fresh);
    }
    this.log.info(
      {
        group: this.o.groupId,
        generation: this.generation,
        assigned: this.assignment().length,
        added: fresh.length,
      },
      'assignment received',
    );
  }

  private async revoke(partitions: TopicPartition[]): Promise<void> {
    for (const p of partitions) this.owned.delete(tpKey(p.topic, p.partition));
    if (partitions.length > 0) {
      await this.opts.onRevoked?.(partitions.map(({ topic, partition }) => ({ topic, partition })));
    }
  }

  /** Positions of newly assigned partitions: the committed offset, else per autoOffsetReset. */
  private async initPositions(partitions: TopicPartition[]): Promise<void> {
    const committed = await this.fetchCommitted(partitions);
    const reset: OwnedPartition[] = [];
    for (const tp of partitions) {
      const p = this.owned.get(tpKey(tp.topic, tp.partition));
      if (!p) continue;
      const c = committed.get(tpKey(tp.topic, tp.partition));
      if (c !== undefined && c >= 0) {
        p.position = c;
        p.committed = c;
      } else reset.push(p);
    }
    if (reset.length > 0) await this.resetPositions(reset);
  }

  private async fetchCommitted(partitions: TopicPartition[]): Promise<Map<string, number>> {
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) {
      let list = byTopic.get(p.topic);
      if (!list) byTopic.set(p.topic, (list = []));
      list.push(p.partition);
    }
    const topics = [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
    for (;;) {
      const coord = await this.ensureCoordinator();
      const v = coord.version(ApiKey.OffsetFetch, 1, 8);
      const res = await coord.requestVersion(ApiKey.OffsetFetch, v, {
        groupId: this.o.groupId,
        topics,
        groups: [{ groupId: this.o.groupId, topics }],
        requireStable: true,
      });
      const group = v >= 8 ? res.groups[0] : res;
      const partsError = (group.topics as { partitions: { errorCode: number }[] }[])
        .flatMap((t) => t.partitions)
        .find((p) => p.errorCode !== ErrorCode.NONE)?.errorCode;
      const code: number = group.errorCode || partsError || ErrorCode.NONE;
      if (code === ErrorCode.NONE) {
        const out = new Map<string, number>();
        for (const t of group.topics as {
          name: string;
          partitions: { partitionIndex: number; committedOffset: number }[];
        }[]) {
          for (const p of t.partitions) out.set(tpKey(t.name, p.partitionIndex), p.committedOffset);
        }
        return out;
      }
      if (!RETRIABLE.has(code) || this.closing)
        throw new KafkaError(code, `OffsetFetch failed: ${errorName(code)}`);
      if (COORDINATOR_ERRORS.has(code)) this.dropCoordinator();
      await this.sleep(200);
    }
  }

  private async resetPositions(parts: OwnedPartition[]): Promise<void> {
    const timestamp = this.o.autoOffsetReset === 'earliest' ? -2 : -1;
    const byLeader = this.groupByLeader(parts);
    for (const [nodeId, list] of byLeader) {
      const link = await this.leaderLink(nodeId);
      const res = await link.request(ApiKey.ListOffsets, 1, 7, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [...groupTopics(list)].map(([name, ps]) => ({
          name,
          partitions: ps.map((p) => ({ partitionIndex: p.partition, timestamp, currentLeaderEpoch: -1 })),
        })),
      });
      for (const t of res.topics as {
        name: string;
        partitions: { partitionIndex: number; errorCode: number; offset: number }[];
      }[]) {
        for (const r of t.partitions) {
          if (r.errorCode !== ErrorCode.NONE)
            throw new KafkaError(r.errorCode, `ListOffsets failed: ${errorName(r.errorCode)}`);
          const p = this.owned.get(tpKey(t.name, r.partitionIndex));
          if (p) p.position = r.offset;
        }
      }
    }
  }

  private groupByLeader(parts: OwnedPartition[]): Map<number, OwnedPartition[]> {
    const out = new Map<number, OwnedPartition[]>();
    for (const p of parts) {
      const leader = this.leaders.get(tpKey(p.topic, p.partition));
      if (leader === undefined || leader < 0) {
        throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `no leader for ${p.topic}-${p.partition}`);
      }
      let list = out.get(leader);
      if (!list) out.set(leader, (list = []));
      list.push(p);
    }
    return out;
  }

  /** The leader notices partitions added to a subscribed topic (or a topic appearing) and rebalances. */
  private async maybeCheckMetadata(): Promise<void> {
    if (!this.leader || Date.now() - this.lastMetadataCheck < this.o.metadataMaxAgeMs) return;
    this.lastMetadataCheck = Date.now();
    const topics = [...this.assignedCounts.keys()];
    const counts = await this.refreshMetadata(topics);
    if (topics.some((t) => (counts.get(t) ?? 0) !== this.assignedCounts.get(t))) {
      this.log.info({ group: this.o.groupId }, 'partition counts changed: rebalancing');
      this.needsJoin = true;
    }
  }

  // ------------------------------------------------------------------------------------------
  // heartbeats

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const epoch = ++this.heartbeatEpoch;
    const tick = async (): Promise<void> => {
      if (epoch !== this.heartbeatEpoch || this.closing) return;
      try {
        const coord = await this.ensureCoordinator();
        const v = coord.version(ApiKey.Heartbeat, this.groupInstanceId !== null ? 3 : 0, 4);
        const res = await coord.requestVersion(ApiKey.Heartbeat, v, {
          groupId: this.o.groupId,
          generationId: this.generation,
          memberId: this.member,
          groupInstanceId: this.groupInstanceId,
        });
        if (epoch !== this.heartbeatEpoch) return;
        this.onHeartbeat(res.errorCode as number);
      } catch (err) {
        if (epoch !== this.heartbeatEpoch) return;
        this.log.debug({ err, group: this.o.groupId }, 'heartbeat failed');
        this.dropCoordinator();
      }
      if (epoch === this.heartbeatEpoch && !this.closing && !this.needsJoin) {
        this.heartbeatTimer = setTimeout(() => void tick(), this.o.heartbeatIntervalMs);
      }
    };
    this.heartbeatTimer = setTimeout(() => void tick(), this.o.heartbeatIntervalMs);
  }

  private onHeartbeat(code: number): void {
    switch (code) {
      case ErrorCode.NONE:
        return;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.needsJoin = true;
        return;
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
      case ErrorCode.FENCED_INSTANCE_ID:
        // out of the group: these partitions may belong to someone else already
        this.log.warn({ group: this.o.groupId, error: errorName(code) }, 'lost group membership');
        if (code === ErrorCode.UNKNOWN_MEMBER_ID) this.member = '';
        this.generation = -1;
        this.needsJoin = true;
        return;
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.dropCoordinator();
        return;
      default:
        this.log.debug({ group: this.o.groupId, error: errorName(code) }, 'heartbeat error');
    }
  }

  private stopHeartbeat(): void {
    this.heartbeatEpoch++;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  // ------------------------------------------------------------------------------------------
  // fetching and committing

  private async fetchRound(onBatch: (batch: ConsumedBatch) => void | Promise<void>): Promise<void> {
    const parts = [...this.owned.values()].filter((p) => p.position !== null);
    if (parts.length === 0) {
      await this.sleep(Math.min(this.o.maxWaitMs, 200));
      return;
    }
    let byLeader: Map<number, OwnedPartition[]>;
    try {
      byLeader = this.groupByLeader(parts);
    } catch {
      await this.refreshMetadata([...new Set(parts.map((p) => p.topic))]);
      byLeader = this.groupByLeader(parts);
    }
    const rounds = await Promise.all(
      [...byLeader].map(async ([nodeId, list]) => {
        const sent = new Map(list.map((p) => [tpKey(p.topic, p.partition), p.position!]));
        const link = await this.leaderLink(nodeId);
        const res = await link.request(ApiKey.Fetch, 4, 12, {
          replicaId: -1,
          maxWaitMs: this.o.maxWaitMs,
          minBytes: this.o.minBytes,
          maxBytes: this.o.maxBytes,
          isolationLevel: 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [...groupTopics(list)].map(([topic, ps]) => ({
            topic,
            partitions: ps.map((p) => ({
              partition: p.partition,
              fetchOffset: p.position!,
              partitionMaxBytes: this.o.maxPartitionBytes,
              currentLeaderEpoch: -1,
              logStartOffset: -1,
            })),
          })),
          forgottenTopicsData: [],
          rackId: '',
        });
        return { sent, res };
      }),
    );
    let refresh = false;
    for (const { sent, res } of rounds) {
      if (res.errorCode) throw new KafkaError(res.errorCode, `Fetch failed: ${errorName(res.errorCode)}`);
      for (const t of res.responses as {
        topic: string;
        partitions: {
          partitionIndex: number;
          errorCode: number;
          highWatermark: number;
          records: Buffer | null;
        }[];
      }[]) {
        for (const pr of t.partitions) {
          // stop handing out data once this member may no longer own it
          if (this.closing || this.generation < 0) return;
          const key = tpKey(t.topic, pr.partitionIndex);
          const p = this.owned.get(key);
          if (!p || p.position === null || p.position !== sent.get(key)) continue;
          if (pr.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
            this.log.warn(
              { topic: t.topic, partition: pr.partitionIndex, offset: p.position },
              'offset out of range: resetting',
            );
            await this.resetPositions([p]);
            continue;
          }
          if (pr.errorCode !== ErrorCode.NONE) {
            this.log.debug(
              { topic: t.topic, partition: pr.partitionIndex, error: errorName(pr.errorCode) },
              'fetch error',
            );
            refresh = true;
            continue;
          }
          if (!pr.records || pr.records.length === 0) continue;
          const batches = await decodeRecordBatches(pr.records);
          const messages: ConsumedMessage[] = [];
          let next = p.position;
          for (const b of batches) {
            if (!b.isControl) {
              for (const r of b.records) {
                if (r.offset < p.position) continue;
                messages.push({
                  topic: t.topic,
                  partition: pr.partitionIndex,
                  offset: r.offset,
                  timestamp: r.timestamp,
                  key: r.key,
                  value: r.value,
                  headers: r.headers,
                });
              }
            }
            next = Math.max(next, b.baseOffset + b.lastOffsetDelta + 1);
          }
          if (messages.length > 0) {
            try {
              await onBatch({
                topic: t.topic,
                partition: pr.partitionIndex,
                messages,
                highWatermark: pr.highWatermark,
              });
            } catch (err) {
              throw new ConsumerHandlerError(
                `the batch handler failed on ${t.topic}-${pr.partitionIndex} at offset ${messages[0]!.offset}: ${(err as Error)?.message ?? String(err)}`,
                { cause: err },
              );
            }
          }
          if (this.owned.get(key) === p) p.position = next;
        }
      }
    }
    if (refresh) {
      await this.refreshMetadata([...new Set(parts.map((p) => p.topic))]);
      await this.sleep(100);
    }
  }

  private async commitOwned(parts: OwnedPartition[]): Promise<void> {
    this.lastCommit = Date.now();
    const due = parts.filter((p) => p.position !== null && p.position !== p.committed);
    if (due.length === 0 || this.generation < 0) return;
    const coord = await this.ensureCoordinator();
    const positions = new Map(due.map((p) => [tpKey(p.topic, p.partition), p.position!]));
    const v = coord.version(ApiKey.OffsetCommit, this.groupInstanceId !== null ? 7 : 2, 9);
    const res = await coord.requestVersion(ApiKey.OffsetCommit, v, {
      groupId: this.o.groupId,
      generationIdOrMemberEpoch: this.generation,
      memberId: this.member,
      groupInstanceId: this.groupInstanceId,
      retentionTimeMs: -1,
      topics: [...groupTopics(due)].map(([name, ps]) => ({
        name,
        partitions: ps.map((p) => ({
          partitionIndex: p.partition,
          committedOffset: p.position!,
          committedLeaderEpoch: -1,
          committedMetadata: null,
        })),
      })),
    });
    let failure = ErrorCode.NONE as number;
    for (const t of res.topics as {
      name: string;
      partitions: { partitionIndex: number; errorCode: number }[];
    }[]) {
      for (const r of t.partitions) {
        const key = tpKey(t.name, r.partitionIndex);
        if (r.errorCode === ErrorCode.NONE) {
          const p = this.owned.get(key) ?? due.find((d) => tpKey(d.topic, d.partition) === key);
          if (p) p.committed = positions.get(key)!;
        } else failure = r.errorCode;
      }
    }
    if (failure !== ErrorCode.NONE) {
      this.onHeartbeat(failure);
      throw new KafkaError(failure, `OffsetCommit failed: ${errorName(failure)}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.sleepers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }
}

function groupTopics<T extends TopicPartition>(parts: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const p of parts) {
    let list = out.get(p.topic);
    if (!list) out.set(p.topic, (list = []));
    list.push(p);
  }
  return out;
}
