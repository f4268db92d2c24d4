// The etcd-backed cluster metadata client and controller against a real etcd.
import { validateTopicConfigs } from '../../src/broker/topic-config.js';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EtcdMetadataClient } from '../../src/cluster/etcd/etcd-metadata-client.js';
import type { BrokerRegistration, MetadataChange, PartitionState } from '../../src/cluster/types.js';
import { createLogger, silentLogger, type Logger } from '../../src/observability/logger.js';
import { ErrorCode, KafkaError } from '../../src/protocol/errors.js';
import { startEtcd, type RunningEtcd } from '../helpers/etcd.js';

// FLUXMQ_TEST_LOG=info shows the clients' log lines on stderr.
const logger = (brokerId: number): Logger =>
  process.env.FLUXMQ_TEST_LOG
    ? createLogger({ level: process.env.FLUXMQ_TEST_LOG, format: 'json', destination: process.stderr }).child(
        {
          brokerId,
        },
      )
    : silentLogger();

let etcd: RunningEtcd;
const clients: EtcdMetadataClient[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
});

afterAll(async () => {
  await etcd?.stop();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
});

function registration(id: number): BrokerRegistration {
  return {
    id,
    rack: null,
    endpoints: [{ listener: 'PLAINTEXT', host: '127.0.0.1', port: 19000 + id }],
    replicationEndpoint: { host: '127.0.0.1', port: 19100 + id },
    incarnation: randomBytes(8).toString('hex'),
    shuttingDown: false,
  };
}

function newClusterId(): string {
  return `test-${randomBytes(6).toString('hex')}`;
}

async function broker(id: number, clusterId: string | undefined, ttl = 2): Promise<EtcdMetadataClient> {
  const c = new EtcdMetadataClient({
    endpoints: [etcd.endpoint],
    clusterId,
    brokerId: id,
    logger: logger(id),
    leaseTtlSeconds: ttl,
    controllerIntervalMs: 300,
    validateConfigs: validateTopicConfigs,
  });
  clients.push(c);
  await c.start(registration(id));
  return c;
}

async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function pair(): Promise<[EtcdMetadataClient, EtcdMetadataClient]> {
  const id = newClusterId();
  const b1 = await broker(1, id);
  const b2 = await broker(2, id);
  await waitFor(
    'both brokers registered',
    () => b1.image().brokers.size === 2 && b2.image().brokers.size === 2,
  );
  await waitFor('a controller', () => b1.isController() || b2.isController());
  return [b1, b2];
}

const state = (c: EtcdMetadataClient, topic: string, p = 0): PartitionState | undefined =>
  c.image().partitions.get(topic)?.[p];

async function rejects(p: Promise<unknown>, code: number): Promise<KafkaError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KafkaError);
  expect((err as KafkaError).code).toBe(code);
  return err as KafkaError;
}

describe('etcd cluster metadata', () => {
  it('registers brokers that see each other, one controller and one shared secret', async () => {
    const [b1, b2] = await pair();
    expect([...b1.image().brokers.keys()]).toEqual([1, 2]);
    expect(b2.image().brokers.get(1)?.replicationEndpoint.port).toBe(19101);
    expect(b1.image().controllerId).toBe(b2.image().controllerId);
    expect([b1.isController(), b2.isController()].filter(Boolean)).toHaveLength(1);
    expect(b1.interBrokerSecret()).toMatch(/^[0-9a-f]{64}$/);
    expect(b2.interBrokerSecret()).toBe(b1.interBrokerSecret());
  });

  it('creates a cluster id once when none is configured', async () => {
    const a = await broker(1, undefined);
    const b = await broker(2, undefined);
    expect(a.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(b.clusterId).toBe(a.clusterId);
  });

  it('creates topics visible to every broker, with Kafka’s errors', async () => {
    const [b1, b2] = await pair();
    const changes: MetadataChange[] = [];
    b2.onChange((c) => changes.push(c));
    const topic = await b1.createTopic({
      name: 'orders',
      partitions: 3,
      replicationFactor: 2,
      configs: { 'retention.ms': '60000' },
      internal: false,
    });
    expect(topic).toMatchObject({ name: 'orders', partitions: 3, configs: { 'retention.ms': '60000' } });
    // The writer's image has it at once.
    expect(b1.image().topics.get('orders')?.topicId).toBe(topic.topicId);
    await waitFor('topic on broker 2', () => b2.image().partitions.get('orders')?.length === 3);
    for (let p = 0; p < 3; p++) {
      const s = state(b2, 'orders', p)!;
      expect(new Set(s.replicas).size).toBe(2);
      expect(s).toMatchObject({ leader: s.replicas[0], isr: s.replicas, leaderEpoch: 0, partitionEpoch: 0 });
    }
    expect(changes.some((c) => c.kind === 'topic' && c.name === 'orders')).toBe(true);

    await rejects(
      b2.createTopic({ name: 'orders', partitions: 1, replicationFactor: 1, configs: {}, internal: false }),
      ErrorCode.TOPIC_ALREADY_EXISTS,
    );
    const rf = await rejects(
      b1.createTopic({ name: 'big', partitions: 1, replicationFactor: 3, configs: {}, internal: false }),
      ErrorCode.INVALID_REPLICATION_FACTOR,
    );
    expect(rf.message).toBe('Replication factor: 3 larger than available brokers: 2.');
    await rejects(
      b1.createTopic({
        name: 'bad',
        partitions: 1,
        replicationFactor: 1,
        configs: { 'no.such': '1' },
        internal: false,
      }),
      ErrorCode.INVALID_CONFIG,
    );

    // Two brokers racing to create one topic: exactly one wins.
    const spec = { name: 'race', partitions: 1, replicationFactor: 1, configs: {}, internal: false };
    const results = await Promise.allSettled([b1.createTopic(spec), b2.createTopic(spec)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);

    // More partitions, configs, delete.
    await b2.createPartitions('orders', 5);
    await waitFor('5 partitions on broker 1', () => b1.image().partitions.get('orders')?.length === 5);
    expect(b1.image().topics.get('orders')?.partitions).toBe(5);
    await rejects(b1.createPartitions('orders', 4), ErrorCode.INVALID_PARTITIONS);
    await b1.setTopicConfigs('orders', { 'cleanup.policy': 'compact' });
    await waitFor(
      'configs on broker 2',
      () => b2.image().topics.get('orders')?.configs['cleanup.policy'] === 'compact',
    );
    await b1.setBrokerConfigs('', { 'log.retention.ms': '1000' });
    await waitFor('broker configs on 2', () => b2.brokerConfigs('')['log.retention.ms'] === '1000');
    await b2.deleteTopic('orders');
    await waitFor(
      'topic gone on 1',
      () => !b1.image().topics.has('orders') && !b1.image().partitions.has('orders'),
    );
    await rejects(b1.deleteTopic('orders'), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('lets exactly one of two conflicting compare-and-sets win', async () => {
    const [b1, b2] = await pair();
    await b1.createTopic({
      name: 'cas',
      partitions: 1,
      replicationFactor: 2,
      configs: {},
      internal: false,
      assignment: [[1, 2]],
    });
    await waitFor('partition on 2', () => state(b2, 'cas'));
    const seen1 = state(b1, 'cas')!;
    const seen2 = state(b2, 'cas')!;
    const shrink: PartitionState = { ...seen1, isr: [1], partitionEpoch: seen1.partitionEpoch + 1 };
    const other: PartitionState = { ...seen2, isr: [2, 1], partitionEpoch: seen2.partitionEpoch + 1 };
    expect(await b1.compareAndSetPartition('cas', 0, seen1, shrink)).toBe(true);
    expect(await b2.compareAndSetPartition('cas', 0, seen2, other)).toBe(false);
    await waitFor('winner visible to the loser', () => state(b2, 'cas')?.partitionEpoch === 1);
    expect(state(b2, 'cas')?.isr).toEqual([1]);
    await expect(
      b1.compareAndSetPartition('cas', 0, state(b1, 'cas')!, { ...state(b1, 'cas')!, partitionEpoch: 5 }),
    ).rejects.toThrow(/partition epoch/);
  });

  it('keeps both of two config edits made at once through different brokers', async () => {
    const [b1, b2] = await pair();
    await b1.createTopic({
      name: 'edits',
      partitions: 1,
      replicationFactor: 1,
      configs: {},
      internal: false,
    });
    await waitFor('topic on 2', () => b2.image().topics.has('edits'));
    // Both brokers start from the same stored set; the second write loses the compare-and-set and
    // applies its edit again to the set the first one stored.
    const set = (key: string, value: string) => (current: Readonly<Record<string, string>>) => ({
      ...current,
      [key]: value,
    });
    await Promise.all([
      b1.setTopicConfigs('edits', set('retention.ms', '60000')),
      b2.setTopicConfigs('edits', set('cleanup.policy', 'compact')),
      b1.setBrokerConfigs('', set('log.retention.ms', '1000')),
      b2.setBrokerConfigs('', set('compression.type', 'zstd')),
    ]);
    for (const b of [b1, b2]) {
      await waitFor(
        'both topic edits',
        () => Object.keys(b.image().topics.get('edits')!.configs).length === 2,
      );
      expect(b.image().topics.get('edits')!.configs).toEqual({
        'retention.ms': '60000',
        'cleanup.policy': 'compact',
      });
      await waitFor('both broker edits', () => Object.keys(b.brokerConfigs('')).length === 2);
      expect(b.brokerConfigs('')).toEqual({ 'log.retention.ms': '1000', 'compression.type': 'zstd' });
    }
    // An edit that empties the set deletes the resource's key.
    await b2.setBrokerConfigs('', () => ({}));
    await waitFor('broker configs gone on 1', () => Object.keys(b1.brokerConfigs('')).length === 0);
  });

  it('elects another in-sync replica when a broker’s lease expires', async () => {
    const [b1, b2] = await pair();
    await b2.createTopic({
      name: 'fail',
      partitions: 1,
      replicationFactor: 2,
      configs: {},
      internal: false,
      assignment: [[1, 2]],
    });
    await waitFor('partition on 1', () => state(b1, 'fail'));
    expect(state(b2, 'fail')).toMatchObject({ leader: 1, leaderEpoch: 0 });
    // As a crash: no revoke, the registration lives until the TTL runs out.
    await b1.disconnect();
    expect(b2.image().brokers.has(1)).toBe(true);
    await waitFor('broker 1 expired', () => !b2.image().brokers.has(1), 10_000);
    const s = await waitFor('new leader', () =>
      state(b2, 'fail')?.leader === 2 ? state(b2, 'fail') : undefined,
    );
    expect(s).toMatchObject({ leader: 2, isr: [2], leaderEpoch: 1, partitionEpoch: 1 });
    expect(b2.isController()).toBe(true);
  });

  it('fails the controller over when the controller leaves', async () => {
    const [b1, b2] = await pair();
    const [ctrl, other] = b1.isController() ? [b1, b2] : [b2, b1];
    await ctrl.close();
    await waitFor('the other broker takes over', () => other.isController(), 5_000);
    expect(other.image().controllerId).toBe(other.brokerId);
    // The revoked lease removed the registration at once (no TTL wait).
    expect(other.image().brokers.has(ctrl.brokerId)).toBe(false);
  });

  it('moves leadership away in a controlled shutdown', async () => {
    const [b1, b2] = await pair();
    await b1.createTopic({
      name: 'cs',
      partitions: 2,
      replicationFactor: 2,
      configs: {},
      internal: false,
      assignment: [
        [1, 2],
        [2, 1],
      ],
    });
    await waitFor('partitions on 2', () => state(b2, 'cs', 1));
    await b1.controlledShutdown(5_000);
    expect(state(b1, 'cs', 0)).toMatchObject({ leader: 2, isr: [2], leaderEpoch: 1 });
    expect(state(b1, 'cs', 1)).toMatchObject({ leader: 2, leaderEpoch: 0 });
    await waitFor('shutting down visible', () => b2.image().brokers.get(1)?.shuttingDown === true);
    // A broker shutting down gets no new partitions.
    const t = await b2.createTopic({
      name: 'cs2',
      partitions: 2,
      replicationFactor: 1,
      configs: {},
      internal: false,
    });
    expect(t.partitions).toBe(2);
    expect(state(b2, 'cs2', 0)?.replicas).toEqual([2]);
    expect(state(b2, 'cs2', 1)?.replicas).toEqual([2]);
  });

  it('elects the preferred leader and runs reassignments', async () => {
    const [b1, b2] = await pair();
    await b1.createTopic({
      name: 'pl',
      partitions: 1,
      replicationFactor: 2,
      configs: {},
      internal: false,
      assignment: [[1, 2]],
    });
    expect(await b1.electPreferredLeader('pl', 0)).toBe(ErrorCode.ELECTION_NOT_NEEDED);
    const s = state(b1, 'pl')!;
    expect(
      await b1.compareAndSetPartition('pl', 0, s, {
        ...s,
        leader: 2,
        leaderEpoch: s.leaderEpoch + 1,
        partitionEpoch: s.partitionEpoch + 1,
      }),
    ).toBe(true);
    expect(await b1.electPreferredLeader('pl', 0)).toBe(ErrorCode.NONE);
    expect(state(b1, 'pl')).toMatchObject({ leader: 1, leaderEpoch: 2 });
    expect(await b1.electPreferredLeader('nope', 0)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

    expect(await b2.reassign('pl', 0, null)).toBe(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
    expect(await b2.reassign('pl', 0, [2, 9])).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    await waitFor('pl on 2', () => state(b2, 'pl')?.leader === 1 && state(b2, 'pl')?.leaderEpoch === 2);
    // Move [1,2] -> [2]: 2 is already in the ISR, so the controller completes it at once.
    expect(await b2.reassign('pl', 0, [2])).toBe(ErrorCode.NONE);
    const done = await waitFor('reassignment complete', () => {
      const st = state(b1, 'pl');
      return st && st.replicas.length === 1 ? st : undefined;
    });
    expect(done).toMatchObject({
      replicas: [2],
      isr: [2],
      leader: 2,
      addingReplicas: [],
      removingReplicas: [],
    });
    expect(done.leaderEpoch).toBe(3);
  });

  it('preferred election is refused while the preferred replica is out of the ISR', async () => {
    const [b1] = await pair();
    await b1.createTopic({
      name: 'pl2',
      partitions: 1,
      replicationFactor: 2,
      configs: {},
      internal: false,
      assignment: [[2, 1]],
    });
    const s = state(b1, 'pl2')!;
    await b1.compareAndSetPartition('pl2', 0, s, {
      ...s,
      leader: 1,
      isr: [1],
      leaderEpoch: 1,
      partitionEpoch: 1,
    });
    expect(await b1.electPreferredLeader('pl2', 0)).toBe(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
  });
});

describe('security and broker-config metadata', () => {
  const binding = (resourceName: string, principal = 'User:alice') => ({
    resourceType: 2,
    resourceName,
    patternType: 3,
    principal,
    host: '*',
    operation: 4,
    permissionType: 3,
  });
  const credential = (iterations: number) => ({
    salt: 'c2FsdA==',
    storedKey: 'aw==',
    serverKey: 'cw==',
    iterations,
  });

  it('shares ACLs: kept once, each deletion reported by one broker, larger than one transaction', async () => {
    const [b1, b2] = await pair();
    const seen: MetadataChange[] = [];
    b2.onChange((c) => seen.push(c));
    // names with the key separator and escapes in them stay distinct bindings
    await b1.createAcls([binding('a/b'), binding('a%2Fb'), binding('a/b'), binding('x', 'User:x y')]);
    expect(b1.acls()).toHaveLength(3);
    await waitFor('ACLs on broker 2', () => b2.acls().length === 3);
    expect(seen.some((c) => c.kind === 'acls')).toBe(true);
    expect(b2.acls()).toContainEqual(binding('x', 'User:x y'));
    await b2.createAcls([binding('a/b')]);
    expect(b2.acls()).toHaveLength(3);

    // the same deletion on both brokers at once: every binding is reported deleted exactly once
    const all = () => true;
    const [d1, d2] = await Promise.all([b1.deleteAcls([all]), b2.deleteAcls([all])]);
    expect(d1[0]!.length + d2[0]!.length).toBe(3);
    await waitFor('no ACL on either broker', () => b1.acls().length === 0 && b2.acls().length === 0);

    // more bindings than etcd takes in one transaction; a binding goes to the first selector picking it
    const many = Array.from({ length: 300 }, (_, i) => binding(`t${i}`));
    await b1.createAcls(many);
    await waitFor('300 ACLs on broker 2', () => b2.acls().length === 300);
    const [even, rest] = await b2.deleteAcls([(b) => Number(b.resourceName.slice(1)) % 2 === 0, all]);
    expect(even).toHaveLength(150);
    expect(rest).toHaveLength(150);
    await waitFor('ACLs gone on broker 1', () => b1.acls().length === 0);
  });

  it('shares SCRAM credentials and reports broker-config changes', async () => {
    const [b1, b2] = await pair();
    const seen: MetadataChange[] = [];
    b2.onChange((c) => seen.push(c));
    await b1.alterScramCredentials(
      [
        { user: 'ops/eu', mechanism: 'SCRAM-SHA-256', credential: credential(4096) },
        { user: 'ops/eu', mechanism: 'SCRAM-SHA-512', credential: credential(8192) },
      ],
      [],
    );
    await waitFor('credentials on broker 2', () => b2.scramCredentials().get('ops/eu')?.size === 2);
    expect(b2.scramCredentials().get('ops/eu')?.get('SCRAM-SHA-512')).toEqual(credential(8192));
    await b2.alterScramCredentials([], [{ user: 'ops/eu', mechanism: 'SCRAM-SHA-256' }]);
    await waitFor('one credential left on broker 1', () => b1.scramCredentials().get('ops/eu')?.size === 1);
    expect(seen.some((c) => c.kind === 'scram')).toBe(true);

    await b1.setBrokerConfigs('', { 'compression.type': 'zstd' });
    await waitFor('the change reported on broker 2', () =>
      seen.some((c) => c.kind === 'brokerConfigs' && c.resource === ''),
    );
    expect(b2.brokerConfigs('')).toEqual({ 'compression.type': 'zstd' });
  });
});

describe('etcd restarts', () => {
  let own: RunningEtcd;
  beforeAll(async () => {
    own = await startEtcd();
  });
  afterAll(async () => {
    await own?.stop();
  });

  const mk = async (id: string, n: number, ttl = 2): Promise<EtcdMetadataClient> => {
    const c = new EtcdMetadataClient({
      endpoints: [own.endpoint],
      clusterId: id,
      brokerId: n,
      logger: logger(n),
      leaseTtlSeconds: ttl,
      controllerIntervalMs: 300,
      validateConfigs: validateTopicConfigs,
    });
    clients.push(c);
    await c.start(registration(n));
    return c;
  };

  it('keeps its leases through a quick etcd restart and reloads the image', async () => {
    const id = newClusterId();
    const b1 = await mk(id, 1, 3);
    const b2 = await mk(id, 2, 3);
    await waitFor('both registered', () => b1.image().brokers.size === 2 && b2.image().brokers.size === 2);
    const controller = b1.isController() ? 1 : 2;
    const changes: MetadataChange[] = [];
    b2.onChange((c) => changes.push(c));
    await own.restart();
    await waitFor('reset after reload', () => changes.some((c) => c.kind === 'reset'), 10_000);
    // The leases survived (etcd keeps them across a restart): nobody left, the controller stayed.
    expect(changes.some((c) => c.kind === 'broker' && c.registration === null)).toBe(false);
    expect(b2.image().brokers.size).toBe(2);
    await waitFor(
      'same controller',
      () => b2.image().controllerId === controller && (controller === 1 ? b1 : b2).isController(),
    );
    await b2.createTopic({
      name: 'quick',
      partitions: 1,
      replicationFactor: 2,
      configs: {},
      internal: false,
    });
    await waitFor('topic seen by 1', () => state(b1, 'quick'), 10_000);
  }, 60_000);

  it('recovers registrations, the controller and the watch after etcd restarts', async () => {
    const id = newClusterId();
    const b1 = await mk(id, 1);
    const b2 = await mk(id, 2);
    await waitFor('both registered', () => b1.image().brokers.size === 2 && b2.image().brokers.size === 2);
    const resets: number[] = [];
    b1.onChange((c) => c.kind === 'reset' && resets.push(1));
    b2.onChange((c) => c.kind === 'reset' && resets.push(2));

    own.kill();
    // Down for longer than the lease TTL: the clients must notice and register again.
    await new Promise((r) => setTimeout(r, 5_000));
    await own.restart();

    await waitFor(
      'both registered again',
      () => b1.image().brokers.size === 2 && b2.image().brokers.size === 2,
      20_000,
    );
    await waitFor('a controller again', () => b1.isController() !== b2.isController(), 20_000);
    expect(resets).toContain(1);
    expect(resets).toContain(2);

    // The watch works again: a write by one is seen by the other.
    await b1.createTopic({
      name: 'after',
      partitions: 1,
      replicationFactor: 2,
      configs: {},
      internal: false,
    });
    await waitFor('topic seen by 2', () => state(b2, 'after'), 10_000);
    // And the registrations are real in etcd, not only in the images: a third client sees them.
    const b3 = await mk(id, 3);
    await waitFor('3 sees all', () => b3.image().brokers.size === 3);
  }, 60_000);
});
