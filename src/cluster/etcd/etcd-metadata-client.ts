// The cluster metadata client over etcd. Every broker keeps an in-memory image of everything under
// /fluxmq/<clusterId>/, loaded with one range read and then kept current by a watch from the next
// revision; reads are synchronous from that image. Writes are etcd transactions that compare
// revisions, so concurrent writers (brokers, the controller) never overwrite each other silently.
//
// Key layout under /fluxmq/<clusterId>/:
//   brokers/<id>               BrokerRegistration JSON, attached to the broker's lease (gone when the
//                              broker dies: this is Kafka's broker session / ZooKeeper ephemeral node)
//   topics/<name>              TopicMetadata JSON
//   partitions/<topic>/<p>     PartitionState JSON
//   broker-configs/<resource>  dynamic broker configs ('' is the cluster-wide default)
//   acls/<binding>             one ACL binding (ClusterAcl JSON); the key encodes every field, so
//                              an identical binding is one key, as Kafka keeps a binding once
//   scram/<mechanism>/<user>   one SCRAM credential (salt, StoredKey, ServerKey, iterations)
//   controller                 {"brokerId","incarnation"} attached to the holder's lease
//   secret                     the inter-broker secret (created once)
// and /fluxmq/cluster-id when no cluster id is configured (the first broker picks one).
//
// The controller election is a create-if-absent of the controller key under the broker's own lease,
// as Kafka's /controller ephemeral znode was: the controller is gone exactly when its broker is.

import { randomBytes } from 'node:crypto';
import {
  Etcd3,
  type ComparatorBuilder,
  type IOptions,
  type IWatchResponse,
  type Lease,
  type Namespace,
  type Watcher,
} from 'etcd3';
import type { Logger } from '../../observability/logger.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { randomUuid } from '../../protocol/codec/uuid.js';
import { assignNewPartitions, assignReplicas, checkReplicationFactor } from '../assignment.js';
import { applyConfigChange } from '../metadata-store.js';
import type { PartitionDecision } from '../controller-decisions.js';
import { nextPartitionState } from '../partition-state.js';
import type {
  BrokerRegistration,
  ClusterAcl,
  ClusterMetadataClient,
  ClusterScramCredential,
  ConfigChange,
  CreateTopicSpec,
  MetadataChange,
  MetadataImage,
  PartitionState,
  ScramDeletion,
  ScramUpsert,
  TopicMetadata,
} from '../types.js';
import { Controller } from './controller.js';

export interface EtcdMetadataClientOptions {
  /** etcd endpoints as host:port. */
  endpoints: string[];
  /** Configured cluster id (`cluster.id`); when absent the first broker creates one in etcd. */
  clusterId?: string;
  /**
   * Without a configured id: the id to create the cluster with when etcd holds none yet (a single
   * broker's data directory seeding a cluster keeps its own id); default a new random one.
   */
  newClusterId?: string;
  brokerId: number;
  logger: Logger;
  /** Lease TTL: a broker whose lease is not renewed this long leaves the cluster (default 6). */
  leaseTtlSeconds?: number;
  /** Clock (ms) for timeouts. */
  now?: () => number;
  /** Broker-level `unclean.leader.election.enable`, used by the controller (default false). */
  uncleanLeaderElection?: boolean;
  /** Controller periodic pass (ms, default 1000). */
  controllerIntervalMs?: number;
  /** Deadline of one etcd request (ms, default 5000). */
  requestTimeoutMs?: number;
  /**
   * Checks topic configs (throws KafkaError INVALID_CONFIG) and returns them normalized; the broker
   * passes its topic-config rules. Default: taken as they are.
   */
  validateConfigs?: (configs: Record<string, string>) => Record<string, string>;
}

interface Versioned<T> {
  value: T;
  modRevision: number;
}

/** One comparison of an etcd transaction: key, what to compare, how, and with what. */
type Compare = [key: string, target: 'Create' | 'Mod', cmp: '==' | '>', value: number];

interface ControllerValue {
  brokerId: number;
  incarnation: string;
}

const ROOT = '/fluxmq/';
const K_CONTROLLER = 'controller';
const K_SECRET = 'secret';
const brokerKey = (id: number): string => `brokers/${id}`;
const topicKey = (name: string): string => `topics/${name}`;
const partitionPrefix = (topic: string): string => `partitions/${topic}/`;
const partitionKey = (topic: string, p: number): string => `partitions/${topic}/${p}`;
const brokerConfigKey = (resource: string): string => `broker-configs/${resource}`;
const ACLS = 'acls/';
const SCRAM = 'scram/';
const enc = encodeURIComponent;
const aclKey = (b: ClusterAcl): string =>
  `${ACLS}${b.resourceType}/${b.patternType}/${enc(b.resourceName)}/${enc(b.principal)}/${enc(b.host)}/${b.operation}/${b.permissionType}`;
const scramKey = (mechanism: string, user: string): string => `${SCRAM}${enc(mechanism)}/${enc(user)}`;

/** Kafka's legal topic names (Topic.validate). */
const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_NAME = 249;
const CAS_RETRIES = 10;
/** etcd refuses a transaction of more than --max-txn-ops (128 by default) operations. */
const MAX_TXN_OPS = 128;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A pass-through fault policy: etcd3's default per-host circuit breaker stays open for 5 s after
 * three failures, which would hold back recovery after an etcd restart for longer than a short lease
 * TTL. Retrying is done here (session recovery, watch resync) instead.
 */
type HostPolicy = ReturnType<NonNullable<NonNullable<IOptions['faultHandling']>['host']>>;
function passThroughPolicy(): HostPolicy {
  const noEvent = (): { dispose(): void } => ({ dispose: () => undefined });
  const policy = {
    _altReturn: undefined as never,
    onSuccess: noEvent,
    onFailure: noEvent,
    execute: async <T>(
      fn: (ctx: { signal: AbortSignal; attempt: number }) => PromiseLike<T> | T,
    ): Promise<T> => fn({ signal: new AbortController().signal, attempt: 1 }),
  };
  return policy as unknown as HostPolicy;
}

function emptyState(): {
  brokers: Map<number, Versioned<BrokerRegistration>>;
  topics: Map<string, Versioned<TopicMetadata>>;
  partitions: Map<string, Map<number, Versioned<PartitionState>>>;
  brokerConfigs: Map<string, Versioned<Record<string, string>>>;
  acls: Map<string, Versioned<ClusterAcl>>;
  scram: Map<string, Versioned<ScramUpsert>>;
  controller: Versioned<ControllerValue> | null;
} {
  return {
    brokers: new Map(),
    topics: new Map(),
    partitions: new Map(),
    brokerConfigs: new Map(),
    acls: new Map(),
    scram: new Map(),
    controller: null,
  };
}

export class EtcdMetadataClient implements ClusterMetadataClient {
  readonly brokerId: number;
  private readonly log: Logger;
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly requestTimeoutMs: number;
  private configuredClusterId: string | undefined;

  private client: Etcd3 | null = null;
  private ns: Namespace | null = null;
  private watcher: Watcher | null = null;
  private lease: Lease | null = null;
  private leaseId: string | null = null;
  private registration: BrokerRegistration | null = null;
  private secret = '';

  private state = emptyState();
  /** Last revision applied per key (puts and deletes), so local applies and watch events never go back. */
  private keyRevisions = new Map<string, number>();
  /** Everything at or below this revision is in the image (the last full load). */
  private baseRevision = 0;
  private cachedImage: MetadataImage | null = null;
  private cachedAcls: ClusterAcl[] | null = null;
  private cachedScram: Map<string, Map<string, ClusterScramCredential>> | null = null;
  private readonly listeners: ((change: MetadataChange) => void)[] = [];

  private readonly controller: Controller;
  private started = false;
  private connecting: Promise<void> | null = null;
  private closing = false;
  private recoveringSession: Promise<void> | null = null;
  private resyncing: Promise<void> | null = null;
  private campaigning: Promise<void> | null = null;
  /** Between a lost lease and the next successful registration. */
  private sessionLost = false;

  private readonly validateConfigs: (configs: Record<string, string>) => Record<string, string>;

  constructor(private readonly opts: EtcdMetadataClientOptions) {
    if (opts.endpoints.length === 0) throw new Error('etcd endpoints must not be empty');
    this.brokerId = opts.brokerId;
    this.log = opts.logger;
    this.ttl = Math.max(1, Math.round(opts.leaseTtlSeconds ?? 6));
    this.now = opts.now ?? Date.now;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 5000;
    this.validateConfigs = opts.validateConfigs ?? ((c) => ({ ...c }));
    this.configuredClusterId =
      opts.clusterId !== undefined && opts.clusterId !== '' ? opts.clusterId : undefined;
    this.controller = new Controller({
      image: () => this.image(),
      apply: (d) => this.applyControllerDecision(d),
      logger: this.log,
      uncleanLeaderElection: () => opts.uncleanLeaderElection ?? false,
      intervalMs: opts.controllerIntervalMs ?? 1000,
    });
  }

  get clusterId(): string {
    return this.configuredClusterId ?? '';
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * Connects, reads (or, first in a new cluster, creates) the cluster id and the inter-broker
   * secret, loads the image and starts watching. Idempotent; start() calls it when needed.
   */
  connect(): Promise<void> {
    this.connecting ??= this.doConnect();
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    const timeout = this.requestTimeoutMs;
    this.client = new Etcd3({
      hosts: this.opts.endpoints.map((e) => (e.includes('://') ? e : `http://${e}`)),
      dialTimeout: timeout,
      faultHandling: { host: () => passThroughPolicy() },
      // Unary calls get a deadline so an unreachable etcd fails a write instead of hanging it;
      // streams (watch, keepalive) live as long as the connection.
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    });
    if (this.configuredClusterId === undefined) this.configuredClusterId = await this.resolveClusterId();
    this.ns = this.client.namespace(`${ROOT}${this.clusterId}/`);
    this.secret = await this.createIfAbsent(K_SECRET, randomBytes(32).toString('hex'));
    await this.loadAndWatch();
  }

  /** Registers this broker under a lease (after connecting if needed) and campaigns for controller. */
  async start(registration: BrokerRegistration): Promise<void> {
    if (this.started) throw new Error('metadata client already started');
    this.started = true;
    this.registration = { ...registration, id: this.brokerId };
    await this.connect();
    await this.newSession();
    this.log.info(
      { clusterId: this.clusterId, brokerId: this.brokerId, endpoints: this.opts.endpoints },
      'registered in the cluster metadata store',
    );
    await this.campaign();
  }

  /** Revokes the lease (registration and, when held, the controller key vanish at once) and closes. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.controller.stop();
    await this.cancelWatch();
    const lease = this.lease;
    this.lease = null;
    if (lease) {
      try {
        await lease.revoke({ deadline: Date.now() + this.requestTimeoutMs });
      } catch (err) {
        this.log.warn({ err }, 'could not revoke the etcd lease; the registration expires with its TTL');
      }
    }
    this.client?.close();
    this.client = null;
    this.log.info({ brokerId: this.brokerId }, 'left the cluster metadata store');
  }

  /**
   * Drops the etcd connection without revoking the lease, as a crashed or partitioned broker would:
   * the registration stays until the lease TTL passes. For fault tests.
   */
  async disconnect(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.controller.stop();
    this.lease?.release();
    this.lease = null;
    await this.cancelWatch();
    this.client?.close();
    this.client = null;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  image(): MetadataImage {
    if (this.cachedImage) return this.cachedImage;
    const brokers = new Map<number, BrokerRegistration>();
    for (const [id, v] of [...this.state.brokers].sort((a, b) => a[0] - b[0])) brokers.set(id, v.value);
    const topics = new Map<string, TopicMetadata>();
    for (const [name, v] of this.state.topics) topics.set(name, v.value);
    const partitions = new Map<string, PartitionState[]>();
    for (const [topic, byIndex] of this.state.partitions) {
      if (byIndex.size === 0) continue;
      const arr: PartitionState[] = [];
      for (const [p, v] of byIndex) arr[p] = v.value;
      partitions.set(topic, arr);
    }
    this.cachedImage = {
      brokers,
      topics,
      partitions,
      controllerId: this.state.controller?.value.brokerId ?? -1,
    };
    return this.cachedImage;
  }

  onChange(listener: (change: MetadataChange) => void): void {
    this.listeners.push(listener);
  }

  isController(): boolean {
    return this.controller.isActive;
  }

  interBrokerSecret(): string {
    return this.secret;
  }

  brokerConfigs(resource: string): Record<string, string> {
    return { ...(this.state.brokerConfigs.get(resource)?.value ?? {}) };
  }

  acls(): readonly ClusterAcl[] {
    this.cachedAcls ??= [...this.state.acls.values()].map((v) => v.value);
    return this.cachedAcls;
  }

  scramCredentials(): ReadonlyMap<string, ReadonlyMap<string, ClusterScramCredential>> {
    if (!this.cachedScram) {
      const byUser = new Map<string, Map<string, ClusterScramCredential>>();
      for (const { value } of this.state.scram.values()) {
        let byMechanism = byUser.get(value.user);
        if (!byMechanism) byUser.set(value.user, (byMechanism = new Map()));
        byMechanism.set(value.mechanism, value.credential);
      }
      this.cachedScram = byUser;
    }
    return this.cachedScram;
  }

  // ---------------------------------------------------------------------------------------------
  // Topic writes

  async createTopic(spec: CreateTopicSpec): Promise<TopicMetadata> {
    validateTopicName(spec.name);
    if (this.state.topics.has(spec.name)) {
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
    }
    const configs = this.validateConfigs(spec.configs);
    const assignment = spec.assignment
      ? this.checkAssignment(spec.assignment)
      : assignReplicas(this.placementBrokers(), spec.partitions, spec.replicationFactor);
    const topic: TopicMetadata = {
      name: spec.name,
      topicId: randomUuid(),
      partitions: assignment.length,
      configs,
      internal: spec.internal,
    };
    if (spec.validateOnly) return topic;
    const states = assignment.map((replicas) => this.initialState(replicas));
    if (!(await this.putTopicIfAbsent(topic, states))) {
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
    }
    this.log.info(
      { topic: spec.name, partitions: topic.partitions, replicas: assignment },
      'topic created in the cluster',
    );
    return topic;
  }

  async adoptTopics(topics: readonly TopicMetadata[]): Promise<string[]> {
    const adopted: string[] = [];
    for (const topic of topics) {
      validateTopicName(topic.name);
      // led here alone (not registered yet, so named outright); the log's batches carry leader
      // epoch 0, which a single broker stamps
      const state = { ...this.initialState([this.brokerId]), leader: this.brokerId };
      const states = Array.from({ length: topic.partitions }, () => ({ ...state }));
      if (await this.putTopicIfAbsent(topic, states)) adopted.push(topic.name);
    }
    if (adopted.length > 0) {
      this.log.info(
        { topics: adopted, brokerId: this.brokerId },
        'topics of a single broker adopted by the cluster',
      );
    }
    return adopted;
  }

  /** Writes a topic and its partition states in one transaction unless the name exists; false then. */
  private async putTopicIfAbsent(topic: TopicMetadata, states: readonly PartitionState[]): Promise<boolean> {
    const ns = this.requireNs();
    const res = await ns
      .if(topicKey(topic.name), 'Create', '==', 0)
      .then(
        ns.put(topicKey(topic.name)).value(JSON.stringify(topic)),
        ...states.map((s, p) => ns.put(partitionKey(topic.name, p)).value(JSON.stringify(s))),
      )
      .commit();
    if (!res.succeeded) return false;
    const rev = Number(res.header.revision);
    const changes: (MetadataChange | null)[] = [this.applyPut(topicKey(topic.name), topic, rev)];
    states.forEach((s, p) => changes.push(this.applyPut(partitionKey(topic.name, p), s, rev)));
    this.emit(changes);
    return true;
  }

  async deleteTopic(name: string): Promise<TopicMetadata> {
    const existing = this.state.topics.get(name);
    if (!existing) throw unknownTopic(name);
    const ns = this.requireNs();
    const res = await ns
      .if(topicKey(name), 'Create', '>', 0)
      .then(ns.delete().key(topicKey(name)), ns.delete().prefix(partitionPrefix(name)))
      .commit();
    if (!res.succeeded) throw unknownTopic(name);
    const rev = Number(res.header.revision);
    const changes: (MetadataChange | null)[] = [this.applyDelete(topicKey(name), rev)];
    for (const p of [...(this.state.partitions.get(name)?.keys() ?? [])]) {
      changes.push(this.applyDelete(partitionKey(name, p), rev));
    }
    this.emit(changes);
    this.log.info({ topic: name }, 'topic deleted from the cluster');
    return existing.value;
  }

  async createPartitions(name: string, count: number, assignment?: number[][]): Promise<TopicMetadata> {
    for (let attempt = 0; ; attempt++) {
      const current = this.state.topics.get(name);
      if (!current) throw unknownTopic(name);
      const have = current.value.partitions;
      if (count < have) {
        throw new KafkaError(
          ErrorCode.INVALID_PARTITIONS,
          `Topic currently has ${have} partitions, which is higher than the requested ${count}.`,
        );
      }
      if (count === have) {
        throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${have} partitions.`);
      }
      const existing = this.partitionStates(name).map((s) => s.replicas);
      let added: number[][];
      if (assignment) {
        if (assignment.length !== count - have) {
          throw new KafkaError(
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            `Increasing the number of partitions by ${count - have} but ${assignment.length} assignments provided.`,
          );
        }
        added = this.checkAssignment(assignment);
      } else {
        const brokers = this.placementBrokers();
        checkReplicationFactor(existing[0]?.length ?? 1, brokers.length);
        added = assignNewPartitions(brokers, existing, count - have);
      }
      const topic: TopicMetadata = { ...current.value, partitions: count };
      const states = added.map((r) => this.initialState(r));
      const ns = this.requireNs();
      const res = await ns
        .if(topicKey(name), 'Mod', '==', current.modRevision)
        .then(
          ns.put(topicKey(name)).value(JSON.stringify(topic)),
          ...states.map((s, i) => ns.put(partitionKey(name, have + i)).value(JSON.stringify(s))),
        )
        .commit();
      if (res.succeeded) {
        const rev = Number(res.header.revision);
        const changes: (MetadataChange | null)[] = [this.applyPut(topicKey(name), topic, rev)];
        states.forEach((s, i) => changes.push(this.applyPut(partitionKey(name, have + i), s, rev)));
        this.emit(changes);
        this.log.info({ topic: name, from: have, to: count }, 'partitions added');
        return topic;
      }
      if (attempt >= CAS_RETRIES) throw conflict(name);
      await this.refreshKey(topicKey(name));
    }
  }

  async setTopicConfigs(name: string, change: ConfigChange): Promise<TopicMetadata> {
    for (let attempt = 0; ; attempt++) {
      const current = this.state.topics.get(name);
      if (!current) throw unknownTopic(name);
      const normalized = this.validateConfigs(applyConfigChange(change, current.value.configs));
      const topic: TopicMetadata = { ...current.value, configs: normalized };
      const ns = this.requireNs();
      const res = await ns
        .if(topicKey(name), 'Mod', '==', current.modRevision)
        .then(ns.put(topicKey(name)).value(JSON.stringify(topic)))
        .commit();
      if (res.succeeded) {
        this.emit([this.applyPut(topicKey(name), topic, Number(res.header.revision))]);
        return topic;
      }
      if (attempt >= CAS_RETRIES) throw conflict(name);
      await this.refreshKey(topicKey(name));
    }
  }

  async setBrokerConfigs(resource: string, change: ConfigChange): Promise<void> {
    const key = brokerConfigKey(resource);
    for (let attempt = 0; ; attempt++) {
      const current = this.state.brokerConfigs.get(resource);
      const value = applyConfigChange(change, current?.value ?? {});
      const ns = this.requireNs();
      // an absent key compares as mod revision 0
      const txn = ns.if(key, 'Mod', '==', current?.modRevision ?? 0);
      const res = await (
        Object.keys(value).length === 0
          ? txn.then(ns.delete().key(key))
          : txn.then(ns.put(key).value(JSON.stringify(value)))
      ).commit();
      if (res.succeeded) {
        const rev = Number(res.header.revision);
        this.emit([
          Object.keys(value).length === 0 ? this.applyDelete(key, rev) : this.applyPut(key, value, rev),
        ]);
        return;
      }
      if (attempt >= CAS_RETRIES) throw brokerConfigConflict(resource);
      await this.refreshKey(key);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Security writes (ACLs, SCRAM credentials)

  async createAcls(bindings: readonly ClusterAcl[]): Promise<void> {
    const wanted = new Map<string, ClusterAcl>();
    for (const b of bindings) wanted.set(aclKey(b), aclOf(b));
    // Kafka stores a CreateAcls request atomically; beyond etcd's transaction size it takes several.
    for (const chunk of chunked([...wanted.keys()], MAX_TXN_OPS)) {
      for (let attempt = 0; ; attempt++) {
        const absent = chunk.filter((k) => !this.state.acls.has(k));
        if (absent.length === 0) break;
        const ns = this.requireNs();
        // create-if-absent: a binding another broker stored meanwhile is not written again
        const res = await this.txnIf(absent.map((k) => [k, 'Create', '==', 0]))
          .then(...absent.map((k) => ns.put(k).value(JSON.stringify(wanted.get(k)))))
          .commit();
        if (res.succeeded) {
          const rev = Number(res.header.revision);
          this.emit(absent.map((k) => this.applyPut(k, wanted.get(k), rev)));
          break;
        }
        if (attempt >= CAS_RETRIES) throw securityConflict();
        await this.refreshKeys(absent);
      }
    }
  }

  async deleteAcls(selectors: readonly ((binding: ClusterAcl) => boolean)[]): Promise<ClusterAcl[][]> {
    const deleted: ClusterAcl[][] = selectors.map(() => []);
    for (let failures = 0; ;) {
      // Each binding to the first selector that picks it, from the image as it is now.
      const picked: { key: string; selector: number; acl: Versioned<ClusterAcl> }[] = [];
      for (const [key, acl] of this.state.acls) {
        const selector = selectors.findIndex((select) => select(acl.value));
        if (selector >= 0) picked.push({ key, selector, acl });
      }
      if (picked.length === 0) return deleted;
      const batch = picked.slice(0, MAX_TXN_OPS);
      const ns = this.requireNs();
      // Only bindings still as read: one deleted concurrently is reported by the request that won.
      const res = await this.txnIf(batch.map((p) => [p.key, 'Mod', '==', p.acl.modRevision]))
        .then(...batch.map((p) => ns.delete().key(p.key)))
        .commit();
      if (res.succeeded) {
        const rev = Number(res.header.revision);
        this.emit(batch.map((p) => this.applyDelete(p.key, rev)));
        for (const p of batch) deleted[p.selector]!.push(p.acl.value);
        failures = 0;
        continue;
      }
      if (++failures > CAS_RETRIES) throw securityConflict();
      await this.refreshKeys(batch.map((p) => p.key));
    }
  }

  async alterScramCredentials(
    upserts: readonly ScramUpsert[],
    deletions: readonly ScramDeletion[],
  ): Promise<void> {
    const puts = new Map<string, ScramUpsert>();
    for (const u of upserts) {
      puts.set(scramKey(u.mechanism, u.user), {
        user: u.user,
        mechanism: u.mechanism,
        credential: { ...u.credential },
      });
    }
    // A key is in one operation of a transaction only; an upsert of the same credential wins.
    const deletes = [...new Set(deletions.map((d) => scramKey(d.mechanism, d.user)))].filter(
      (k) => !puts.has(k),
    );
    const ops: { key: string; put?: ScramUpsert }[] = [
      ...deletes.map((key) => ({ key })),
      ...[...puts].map(([key, put]) => ({ key, put })),
    ];
    for (const chunk of chunked(ops, MAX_TXN_OPS)) {
      const ns = this.requireNs();
      const res = await this.txnIf([])
        .then(
          ...chunk.map((o) =>
            o.put ? ns.put(o.key).value(JSON.stringify(o.put.credential)) : ns.delete().key(o.key),
          ),
        )
        .commit();
      if (!res.succeeded) throw missingSecret();
      const rev = Number(res.header.revision);
      this.emit(
        chunk.map((o) =>
          o.put ? this.applyPut(o.key, o.put.credential, rev) : this.applyDelete(o.key, rev),
        ),
      );
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Partition state writes

  async compareAndSetPartition(
    topic: string,
    partition: number,
    expected: PartitionState,
    next: PartitionState,
  ): Promise<boolean> {
    return this.casPartition(topic, partition, expected, next, false);
  }

  async electPreferredLeader(topic: string, partition: number): Promise<number> {
    for (let attempt = 0; attempt <= CAS_RETRIES; attempt++) {
      const state = this.partitionState(topic, partition);
      if (!state) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      const preferred = state.replicas[0];
      if (preferred === undefined) return ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE;
      if (state.leader === preferred) return ErrorCode.ELECTION_NOT_NEEDED;
      const reg = this.state.brokers.get(preferred)?.value;
      if (!reg || reg.shuttingDown || !state.isr.includes(preferred)) {
        return ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE;
      }
      const next = nextPartitionState(state, { leader: preferred });
      if (await this.casPartition(topic, partition, state, next, false)) {
        this.log.info({ topic, partition, leader: preferred }, 'preferred leader elected');
        return ErrorCode.NONE;
      }
    }
    return ErrorCode.REQUEST_TIMED_OUT;
  }

  async reassign(topic: string, partition: number, target: number[] | null): Promise<number> {
    if (target !== null) {
      if (target.length === 0 || new Set(target).size !== target.length) {
        return ErrorCode.INVALID_REPLICA_ASSIGNMENT;
      }
      if (target.some((id) => !this.state.brokers.has(id))) return ErrorCode.INVALID_REPLICA_ASSIGNMENT;
    }
    for (let attempt = 0; attempt <= CAS_RETRIES; attempt++) {
      const state = this.partitionState(topic, partition);
      if (!state) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      const inProgress = state.addingReplicas.length > 0 || state.removingReplicas.length > 0;
      // KIP-455: the replicas before the (current) reassignment started.
      const original = state.replicas.filter((r) => !state.addingReplicas.includes(r));
      let next: PartitionState;
      if (target === null) {
        if (!inProgress) return ErrorCode.NO_REASSIGNMENT_IN_PROGRESS;
        next = this.withReplicas(state, original, [], []);
      } else {
        const adding = target.filter((r) => !original.includes(r));
        const removing = original.filter((r) => !target.includes(r));
        const replicas = [...target, ...original.filter((r) => !target.includes(r))];
        next =
          adding.length === 0 && removing.length === 0
            ? this.withReplicas(state, target, [], [])
            : this.withReplicas(state, replicas, adding, removing);
      }
      if (
        sameList(next.replicas, state.replicas) &&
        sameList(next.addingReplicas, state.addingReplicas) &&
        sameList(next.removingReplicas, state.removingReplicas) &&
        next.leader === state.leader
      ) {
        return ErrorCode.NONE;
      }
      if (await this.casPartition(topic, partition, state, next, false)) {
        this.log.info(
          { topic, partition, target, replicas: next.replicas, adding: next.addingReplicas },
          target === null ? 'reassignment cancelled' : 'reassignment started',
        );
        return ErrorCode.NONE;
      }
    }
    return ErrorCode.REQUEST_TIMED_OUT;
  }

  /**
   * Kafka's controlled shutdown: mark this broker as shutting down (it gets no new leadership), then
   * hand every leadership it holds to another live in-sync replica, leaving the ISR itself, so that
   * clients move before the broker goes away rather than after a session timeout.
   */
  async controlledShutdown(timeoutMs: number): Promise<void> {
    const deadline = this.now() + timeoutMs;
    if (this.registration && !this.registration.shuttingDown) {
      this.registration = { ...this.registration, shuttingDown: true };
      await this.putRegistration();
      this.log.info({ brokerId: this.brokerId }, 'controlled shutdown: moving leaderships');
    }
    for (;;) {
      const led = this.ledPartitions();
      if (led.length === 0) {
        this.log.info('controlled shutdown: no partition is led by this broker');
        return;
      }
      let movable = 0;
      await Promise.all(
        led.map(async ({ topic, partition, state }) => {
          const successor = state.replicas.find(
            (r) =>
              r !== this.brokerId &&
              state.isr.includes(r) &&
              this.state.brokers.has(r) &&
              this.state.brokers.get(r)?.value.shuttingDown !== true,
          );
          if (successor === undefined) return;
          movable++;
          const next = nextPartitionState(state, {
            leader: successor,
            isr: state.isr.length > 1 ? state.isr.filter((r) => r !== this.brokerId) : state.isr,
          });
          try {
            await this.casPartition(topic, partition, state, next, false);
          } catch (err) {
            this.log.warn({ err, topic, partition }, 'controlled shutdown: could not move leadership');
          }
        }),
      );
      if (movable === 0) {
        this.log.warn(
          { partitions: led.map((l) => `${l.topic}-${l.partition}`) },
          'controlled shutdown: no other live in-sync replica can take over these partitions',
        );
        return;
      }
      if (this.now() >= deadline) {
        this.log.warn({ remaining: led.length }, 'controlled shutdown timed out; leaving anyway');
        return;
      }
      await sleep(100);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: writes

  private async casPartition(
    topic: string,
    partition: number,
    expected: PartitionState,
    next: PartitionState,
    fenceAsController: boolean,
  ): Promise<boolean> {
    if (next.partitionEpoch !== expected.partitionEpoch + 1) {
      throw new KafkaError(
        ErrorCode.INVALID_REQUEST,
        `partition epoch must advance by one (${expected.partitionEpoch} -> ${next.partitionEpoch})`,
      );
    }
    const key = partitionKey(topic, partition);
    const current = this.state.partitions.get(topic)?.get(partition);
    if (!current)
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unknown partition ${topic}-${partition}`);
    // The mod revision recorded with the state the caller saw; a caller behind the image loses.
    if (current.value.partitionEpoch !== expected.partitionEpoch) return false;
    const ns = this.requireNs();
    let txn = ns.if(key, 'Mod', '==', current.modRevision);
    if (fenceAsController) {
      const held = this.state.controller;
      if (!held) return false;
      txn = txn.and(K_CONTROLLER, 'Value', '==', JSON.stringify(held.value));
    }
    const res = await txn.then(ns.put(key).value(JSON.stringify(next))).commit();
    if (res.succeeded) {
      this.emit([this.applyPut(key, next, Number(res.header.revision))]);
      return true;
    }
    // Someone wrote first: bring the image up to the winner now rather than waiting for the watch.
    await this.refreshKey(key).catch(() => undefined);
    return false;
  }

  private async applyControllerDecision(d: PartitionDecision): Promise<boolean> {
    try {
      return await this.casPartition(d.topic, d.partition, d.expected, d.next, true);
    } catch (err) {
      // Typically etcd being unreachable; the periodic pass retries, so keep the log quiet.
      this.log.debug({ err, topic: d.topic, partition: d.partition }, 'controller write failed');
      return false;
    }
  }

  private withReplicas(
    state: PartitionState,
    replicas: number[],
    adding: number[],
    removing: number[],
  ): PartitionState {
    let isr = state.isr.filter((r) => replicas.includes(r));
    if (isr.length === 0) isr = [...state.isr];
    let leader = state.leader;
    if (!replicas.includes(leader)) {
      leader =
        replicas.find(
          (r) =>
            isr.includes(r) && this.state.brokers.has(r) && !this.state.brokers.get(r)!.value.shuttingDown,
        ) ?? -1;
    }
    return nextPartitionState(state, {
      replicas,
      isr,
      leader,
      addingReplicas: adding,
      removingReplicas: removing,
    });
  }

  private initialState(replicas: number[]): PartitionState {
    const leader = replicas.find((r) => this.state.brokers.has(r)) ?? -1;
    return {
      replicas: [...replicas],
      isr: [...replicas],
      leader,
      leaderEpoch: 0,
      partitionEpoch: 0,
      addingReplicas: [],
      removingReplicas: [],
    };
  }

  /** Live brokers that may receive new replicas (not those leaving in a controlled shutdown). */
  private placementBrokers(): { id: number; rack: string | null }[] {
    return [...this.state.brokers.values()]
      .map((v) => v.value)
      .filter((b) => !b.shuttingDown)
      .map((b) => ({ id: b.id, rack: b.rack }));
  }

  private checkAssignment(assignment: number[][]): number[][] {
    if (assignment.length === 0)
      throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Empty replica assignment.');
    const rf = assignment[0]!.length;
    for (const replicas of assignment) {
      if (replicas.length === 0 || new Set(replicas).size !== replicas.length) {
        throw new KafkaError(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `Duplicate or missing replicas in assignment ${JSON.stringify(replicas)}.`,
        );
      }
      if (replicas.length !== rf) {
        throw new KafkaError(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          'All partitions should have the same number of replicas.',
        );
      }
      const unknown = replicas.filter((r) => !this.state.brokers.has(r));
      if (unknown.length > 0) {
        throw new KafkaError(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `Unknown broker(s) in replica assignment: ${unknown.join(', ')}.`,
        );
      }
    }
    return assignment.map((r) => [...r]);
  }

  private ledPartitions(): { topic: string; partition: number; state: PartitionState }[] {
    const out: { topic: string; partition: number; state: PartitionState }[] = [];
    for (const [topic, byIndex] of this.state.partitions) {
      for (const [partition, v] of byIndex) {
        if (v.value.leader === this.brokerId) out.push({ topic, partition, state: v.value });
      }
    }
    return out;
  }

  private partitionState(topic: string, partition: number): PartitionState | undefined {
    return this.state.partitions.get(topic)?.get(partition)?.value;
  }

  private partitionStates(topic: string): PartitionState[] {
    const byIndex = this.state.partitions.get(topic);
    if (!byIndex) return [];
    return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v.value);
  }

  private requireNs(): Namespace {
    if (!this.ns || this.closing) {
      throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'the cluster metadata client is not connected');
    }
    return this.ns;
  }

  private async resolveClusterId(): Promise<string> {
    const client = this.client!;
    const key = `${ROOT}cluster-id`;
    // Kafka's cluster ids are a base64url UUID (22 characters).
    const candidate = this.opts.newClusterId ?? randomBytes(16).toString('base64url');
    const res = await client
      .if(key, 'Create', '==', 0)
      .then(client.put(key).value(candidate))
      .else(client.get(key))
      .commit();
    if (res.succeeded) {
      this.log.info({ clusterId: candidate }, 'created a new cluster id');
      return candidate;
    }
    return res.responses[0]!.response_range.kvs[0]!.value.toString();
  }

  private async createIfAbsent(key: string, value: string): Promise<string> {
    const ns = this.requireNs();
    const res = await ns.if(key, 'Create', '==', 0).then(ns.put(key).value(value)).else(ns.get(key)).commit();
    if (res.succeeded) return value;
    return res.responses[0]!.response_range.kvs[0]!.value.toString();
  }

  /**
   * A transaction guarded by every comparison; with none, by the cluster's secret, which exists
   * for the life of the cluster's keys (etcd3's builder wants at least one comparison).
   */
  private txnIf(compares: readonly Compare[]): ComparatorBuilder {
    const ns = this.requireNs();
    const [first, ...rest]: readonly Compare[] =
      compares.length > 0 ? compares : [[K_SECRET, 'Create', '>', 0]];
    const txn = ns.if(...first!);
    for (const c of rest) txn.and(...c);
    return txn;
  }

  private async refreshKeys(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((k) => this.refreshKey(k)));
  }

  private async refreshKey(key: string): Promise<void> {
    const ns = this.requireNs();
    const res = await ns.get(key).exec();
    const kv = res.kvs[0];
    const change = kv
      ? this.applyKv(key, kv.value.toString(), Number(kv.mod_revision))
      : this.applyDelete(key, Number(res.header.revision));
    this.emit([change]);
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: session (lease, registration, controller election)

  private async newSession(): Promise<void> {
    const ns = this.requireNs();
    const lease = ns.lease(this.ttl);
    lease.on('lost', (err) => this.onLeaseLost(lease, err));
    const id = await lease.grant();
    if (this.closing) {
      lease.release();
      return;
    }
    const previous = this.lease;
    this.lease = lease;
    this.leaseId = id;
    this.sessionLost = false;
    const current = this.state.brokers.get(this.brokerId)?.value;
    if (current && current.incarnation !== this.registration!.incarnation) {
      // An earlier process of this broker id whose lease has not expired yet: take its place.
      this.log.warn({ brokerId: this.brokerId }, 'replacing a stale registration of this broker id');
    }
    await this.putRegistration();
    await this.takeOverOwnControllerKey();
    if (previous && previous !== lease) {
      // Its keys are on the new lease now; let the old one go (it may already be gone).
      previous.revoke({ deadline: Date.now() + this.requestTimeoutMs }).catch(() => undefined);
    }
  }

  private async putRegistration(): Promise<void> {
    const ns = this.requireNs();
    const reg = this.registration!;
    const res = await ns.put(brokerKey(this.brokerId)).value(JSON.stringify(reg)).lease(this.leaseId!).exec();
    this.emit([this.applyPut(brokerKey(this.brokerId), reg, Number(res.header.revision))]);
  }

  private onLeaseLost(lease: Lease, err: Error): void {
    if (this.closing || lease !== this.lease) return;
    this.log.warn(
      { err: err.message, brokerId: this.brokerId },
      'etcd lease lost; registering again with a new lease',
    );
    this.sessionLost = true;
    this.leaseId = null;
    void this.controller.stop();
    this.recoverSession();
  }

  private recoverSession(): void {
    if (this.recoveringSession || this.closing) return;
    this.recoveringSession = this.untilDoneOrClosed(
      async () => {
        await this.newSession();
        this.log.info({ brokerId: this.brokerId }, 'registered again in the cluster metadata store');
        await this.campaign();
      },
      (err) => this.log.warn({ err: err.message }, 'etcd unavailable; retrying registration'),
    ).finally(() => {
      this.recoveringSession = null;
    });
  }

  /** Runs `attempt` until it succeeds or the client closes, backing off 100 ms to 2 s between tries. */
  private async untilDoneOrClosed(attempt: () => Promise<void>, failed: (err: Error) => void): Promise<void> {
    let delay = 100;
    while (!this.closing) {
      try {
        await attempt();
        return;
      } catch (err) {
        if (this.closing) return;
        failed(err as Error);
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  /**
   * After a new lease, a controller key this very process still holds under its old lease is moved
   * to the new one (same broker, same incarnation: no other broker can have acted on it).
   */
  private async takeOverOwnControllerKey(): Promise<void> {
    const held = this.state.controller;
    if (!held || !this.isMine(held.value)) return;
    const ns = this.requireNs();
    const value = JSON.stringify(held.value);
    const res = await ns
      .if(K_CONTROLLER, 'Value', '==', value)
      .then(ns.put(K_CONTROLLER).value(value).lease(this.leaseId!))
      .commit();
    if (res.succeeded) this.emit([this.applyPut(K_CONTROLLER, held.value, Number(res.header.revision))]);
  }

  private campaign(): Promise<void> {
    if (this.campaigning) return this.campaigning;
    this.campaigning = this.campaignOnce()
      .catch((err: unknown) => {
        if (!this.closing)
          this.log.warn({ err: (err as Error).message }, 'controller campaign failed; will retry');
        if (!this.closing) setTimeout(() => void this.campaign(), 500).unref();
      })
      .finally(() => {
        this.campaigning = null;
      });
    return this.campaigning;
  }

  private async campaignOnce(): Promise<void> {
    if (this.closing || !this.leaseId) return;
    const ns = this.requireNs();
    const mine: ControllerValue = { brokerId: this.brokerId, incarnation: this.registration!.incarnation };
    const res = await ns
      .if(K_CONTROLLER, 'Create', '==', 0)
      .then(ns.put(K_CONTROLLER).value(JSON.stringify(mine)).lease(this.leaseId))
      .else(ns.get(K_CONTROLLER))
      .commit();
    if (res.succeeded) {
      this.emit([this.applyPut(K_CONTROLLER, mine, Number(res.header.revision))]);
    } else {
      const kv = res.responses[0]?.response_range.kvs[0];
      if (kv) this.emit([this.applyKv(K_CONTROLLER, kv.value.toString(), Number(kv.mod_revision))]);
    }
    this.updateControllerRole();
  }

  private isMine(v: ControllerValue): boolean {
    return v.brokerId === this.brokerId && v.incarnation === this.registration?.incarnation;
  }

  /** Starts or stops the controller to match the controller key; campaigns when nobody holds it. */
  private updateControllerRole(): void {
    if (this.closing || !this.started) return;
    const held = this.state.controller;
    const mine = held !== null && this.isMine(held.value) && this.leaseId !== null && !this.sessionLost;
    if (mine && !this.controller.isActive) this.controller.start();
    else if (!mine && this.controller.isActive) void this.controller.stop();
    if (!held && this.leaseId !== null && !this.sessionLost) void this.campaign();
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: image maintenance

  private async loadAndWatch(): Promise<void> {
    const ns = this.requireNs();
    const res = await ns.getAll().exec();
    const revision = Number(res.header.revision);
    this.state = emptyState();
    this.keyRevisions = new Map();
    this.baseRevision = 0;
    for (const kv of res.kvs) this.applyKv(kv.key.toString(), kv.value.toString(), Number(kv.mod_revision));
    this.baseRevision = revision;
    this.invalidateCaches();
    const watcher = await ns
      .watch()
      .prefix('')
      .startRevision(String(revision + 1))
      .create();
    if (this.closing) {
      await watcher.cancel().catch(() => undefined);
      return;
    }
    this.watcher = watcher;
    watcher.on('data', (r: IWatchResponse) => this.onWatchData(r));
    // etcd3 reconnects a broken watch on its own, but events in the gap may be compacted away; a
    // fresh load is the only way to be sure the image is whole, so drop this watcher and start over.
    watcher.on('disconnected', () => this.resync(watcher, 'watch disconnected'));
    watcher.on('error', (err: Error) => this.resync(watcher, err.message));
  }

  private resync(broken: Watcher, reason: string): void {
    if (this.closing || broken !== this.watcher || this.resyncing) return;
    this.watcher = null;
    this.log.warn({ reason }, 'etcd watch broken; reloading the cluster metadata');
    broken.removeAllListeners('data');
    void broken.cancel().catch(() => undefined);
    this.resyncing = this.untilDoneOrClosed(
      async () => {
        await this.loadAndWatch();
        this.log.info('cluster metadata reloaded');
        this.emit([{ kind: 'reset' }]);
        if (this.registration && !this.state.brokers.has(this.brokerId) && this.leaseId !== null) {
          // Our registration is gone though the lease was not reported lost: put it back.
          await this.putRegistration().catch(() => this.recoverSession());
        }
        this.updateControllerRole();
      },
      (err) => this.log.debug({ err: err.message }, 'cluster metadata reload failed; retrying'),
    ).finally(() => {
      this.resyncing = null;
    });
  }

  private async cancelWatch(): Promise<void> {
    const w = this.watcher;
    this.watcher = null;
    if (w) {
      w.removeAllListeners();
      w.on('error', () => undefined);
      await Promise.race([w.cancel().catch(() => undefined), sleep(1000)]);
    }
  }

  private onWatchData(res: IWatchResponse): void {
    if (this.closing) return;
    const changes: (MetadataChange | null)[] = [];
    for (const ev of res.events) {
      const key = ev.kv.key.toString();
      const rev = Number(ev.kv.mod_revision);
      changes.push(
        ev.type === 'Delete' ? this.applyDelete(key, rev) : this.applyKv(key, ev.kv.value.toString(), rev),
      );
    }
    this.emit(changes);
  }

  private emit(changes: (MetadataChange | null)[]): void {
    let controllerChanged = false;
    let ownRegistrationGone = false;
    for (const change of changes) {
      if (!change) continue;
      if (change.kind === 'controller') controllerChanged = true;
      if (change.kind === 'broker' && change.id === this.brokerId && change.registration === null) {
        ownRegistrationGone = true;
      }
      for (const l of this.listeners) {
        try {
          l(change);
        } catch (err) {
          this.log.error({ err }, 'metadata change listener failed');
        }
      }
      if (CONTROLLER_INPUTS.has(change.kind)) this.controller.trigger();
    }
    if (controllerChanged) this.updateControllerRole();
    if (ownRegistrationGone && !this.closing && this.leaseId !== null && !this.sessionLost) {
      // Deleted while our lease lives (an operator, or a lease that expired server-side before the
      // client noticed): register again; a new lease if the old one turns out to be gone.
      this.putRegistration().catch(() => this.recoverSession());
    }
  }

  private applyKv(key: string, raw: string, revision: number): MetadataChange | null {
    if (parseKey(key).kind === 'other') return null;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      this.log.warn({ key }, 'ignoring a malformed value in the cluster metadata store');
      return null;
    }
    return this.applyPut(key, value, revision);
  }

  /**
   * Whether a put or delete at `revision` is newer than what the image has for the key. A key absent
   * from the last full load was deleted at or before its revision, so older news of it is stale.
   */
  private fresh(key: string, revision: number): boolean {
    const last = this.keyRevisions.get(key) ?? this.baseRevision;
    if (revision <= last) return false;
    this.keyRevisions.set(key, revision);
    return true;
  }

  private applyPut(key: string, value: unknown, revision: number): MetadataChange | null {
    if (!this.fresh(key, revision)) return null;
    this.invalidateCaches();
    const parsed = parseKey(key);
    switch (parsed.kind) {
      case 'broker': {
        const reg = value as BrokerRegistration;
        this.state.brokers.set(parsed.id, { value: reg, modRevision: revision });
        return { kind: 'broker', id: parsed.id, registration: reg };
      }
      case 'topic': {
        const t = value as TopicMetadata;
        this.state.topics.set(parsed.name, { value: t, modRevision: revision });
        return { kind: 'topic', name: parsed.name, topic: t };
      }
      case 'partition': {
        const s = value as PartitionState;
        let byIndex = this.state.partitions.get(parsed.topic);
        if (!byIndex) this.state.partitions.set(parsed.topic, (byIndex = new Map()));
        byIndex.set(parsed.partition, { value: s, modRevision: revision });
        return { kind: 'partition', topic: parsed.topic, partition: parsed.partition, state: s };
      }
      case 'broker-config':
        this.state.brokerConfigs.set(parsed.resource, {
          value: value as Record<string, string>,
          modRevision: revision,
        });
        return { kind: 'brokerConfigs', resource: parsed.resource };
      case 'acl':
        this.state.acls.set(key, { value: aclOf(value as ClusterAcl), modRevision: revision });
        return { kind: 'acls' };
      case 'scram': {
        const credential = value as ClusterScramCredential;
        this.state.scram.set(key, {
          value: { user: parsed.user, mechanism: parsed.mechanism, credential },
          modRevision: revision,
        });
        return { kind: 'scram' };
      }
      case 'controller': {
        const v = value as ControllerValue;
        this.state.controller = { value: v, modRevision: revision };
        return { kind: 'controller', id: v.brokerId };
      }
      default:
        return null;
    }
  }

  private invalidateCaches(): void {
    this.cachedImage = null;
    this.cachedAcls = null;
    this.cachedScram = null;
  }

  private applyDelete(key: string, revision: number): MetadataChange | null {
    if (!this.fresh(key, revision)) return null;
    this.invalidateCaches();
    const parsed = parseKey(key);
    switch (parsed.kind) {
      case 'broker':
        if (!this.state.brokers.delete(parsed.id)) return null;
        return { kind: 'broker', id: parsed.id, registration: null };
      case 'topic':
        if (!this.state.topics.delete(parsed.name)) return null;
        return { kind: 'topic', name: parsed.name, topic: null };
      case 'partition': {
        const byIndex = this.state.partitions.get(parsed.topic);
        if (!byIndex?.delete(parsed.partition)) return null;
        if (byIndex.size === 0) this.state.partitions.delete(parsed.topic);
        return { kind: 'partition', topic: parsed.topic, partition: parsed.partition, state: null };
      }
      case 'broker-config':
        if (!this.state.brokerConfigs.delete(parsed.resource)) return null;
        return { kind: 'brokerConfigs', resource: parsed.resource };
      case 'acl':
        if (!this.state.acls.delete(key)) return null;
        return { kind: 'acls' };
      case 'scram':
        if (!this.state.scram.delete(key)) return null;
        return { kind: 'scram' };
      case 'controller':
        if (!this.state.controller) return null;
        this.state.controller = null;
        return { kind: 'controller', id: -1 };
      default:
        return null;
    }
  }
}

type ParsedKey =
  | { kind: 'broker'; id: number }
  | { kind: 'topic'; name: string }
  | { kind: 'partition'; topic: string; partition: number }
  | { kind: 'broker-config'; resource: string }
  | { kind: 'acl' }
  | { kind: 'scram'; mechanism: string; user: string }
  | { kind: 'controller' }
  | { kind: 'other' };

function parseKey(key: string): ParsedKey {
  if (key === K_CONTROLLER) return { kind: 'controller' };
  if (key.startsWith('brokers/')) {
    const id = Number(key.slice('brokers/'.length));
    return Number.isInteger(id) ? { kind: 'broker', id } : { kind: 'other' };
  }
  if (key.startsWith('topics/')) return { kind: 'topic', name: key.slice('topics/'.length) };
  if (key.startsWith('partitions/')) {
    const rest = key.slice('partitions/'.length);
    const slash = rest.lastIndexOf('/');
    const partition = Number(rest.slice(slash + 1));
    if (slash <= 0 || !Number.isInteger(partition)) return { kind: 'other' };
    return { kind: 'partition', topic: rest.slice(0, slash), partition };
  }
  if (key.startsWith('broker-configs/'))
    return { kind: 'broker-config', resource: key.slice('broker-configs/'.length) };
  if (key.startsWith(ACLS)) return { kind: 'acl' };
  if (key.startsWith(SCRAM)) {
    const [mechanism, user, extra] = key.slice(SCRAM.length).split('/');
    if (mechanism === undefined || user === undefined || extra !== undefined) return { kind: 'other' };
    try {
      return { kind: 'scram', mechanism: decodeURIComponent(mechanism), user: decodeURIComponent(user) };
    } catch {
      return { kind: 'other' };
    }
  }
  return { kind: 'other' };
}

/** The changes the controller's pass looks at (security and broker-config keys are not among them). */
const CONTROLLER_INPUTS: ReadonlySet<MetadataChange['kind']> = new Set([
  'broker',
  'topic',
  'partition',
  'reset',
]);

/** Just the binding's fields, whatever else a stored or passed object carries. */
function aclOf(b: ClusterAcl): ClusterAcl {
  return {
    resourceType: b.resourceType,
    resourceName: b.resourceName,
    patternType: b.patternType,
    principal: b.principal,
    host: b.host,
    operation: b.operation,
    permissionType: b.permissionType,
  };
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function missingSecret(): KafkaError {
  return new KafkaError(
    ErrorCode.UNKNOWN_SERVER_ERROR,
    'The cluster metadata has lost its secret key; it was not written.',
  );
}

function securityConflict(): KafkaError {
  return new KafkaError(
    ErrorCode.REQUEST_TIMED_OUT,
    'The security metadata kept changing concurrently; try again.',
  );
}

function validateTopicName(name: string): void {
  const bad =
    name === '' || name === '.' || name === '..' || name.length > MAX_TOPIC_NAME || !TOPIC_NAME.test(name);
  if (bad) {
    throw new KafkaError(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `Topic name '${name}' is illegal: it must be 1-${MAX_TOPIC_NAME} characters of ASCII alphanumerics, '.', '_' and '-', and not '.' or '..'.`,
    );
  }
}

function unknownTopic(name: string): KafkaError {
  return new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
}

function conflict(name: string): KafkaError {
  return new KafkaError(
    ErrorCode.REQUEST_TIMED_OUT,
    `Topic '${name}' kept changing concurrently; try again.`,
  );
}

function brokerConfigConflict(resource: string): KafkaError {
  const what = resource === '' ? 'The cluster-wide broker configs' : `The configs of broker ${resource}`;
  return new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `${what} kept changing concurrently; try again.`);
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
