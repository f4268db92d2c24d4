// An in-memory stand-in for the etcd-backed cluster metadata: one shared image, compare-and-set on
// partition states, and change notifications delivered asynchronously to every broker's client (as
// the etcd watch does). Enough for replication tests; topic and config writes are not implemented.

import type {
  BrokerRegistration,
  ClusterMetadataClient,
  MetadataChange,
  MetadataImage,
  PartitionState,
  TopicMetadata,
} from '../../src/cluster/types.js';

export class FakeCluster {
  readonly brokers = new Map<number, BrokerRegistration>();
  readonly topics = new Map<string, TopicMetadata>();
  readonly partitions = new Map<string, PartitionState[]>();
  readonly secret = 'inter-broker-secret';
  /** Every compare-and-set tried, with whether it won. */
  readonly casLog: { topic: string; partition: number; next: PartitionState; won: boolean }[] = [];
  readonly listeners = new Set<(change: MetadataChange) => void>();
  /** When set, compare-and-set answers false (a lost race). */
  failCas = false;

  image(): MetadataImage {
    return { brokers: this.brokers, topics: this.topics, partitions: this.partitions, controllerId: -1 };
  }

  private emit(change: MetadataChange): void {
    setImmediate(() => {
      for (const l of this.listeners) l(change);
    });
  }

  register(reg: BrokerRegistration): void {
    this.brokers.set(reg.id, reg);
    this.emit({ kind: 'broker', id: reg.id, registration: reg });
  }

  createTopic(name: string, topicId: string, states: PartitionState[]): void {
    this.topics.set(name, { name, topicId, partitions: states.length, configs: {}, internal: false });
    this.partitions.set(name, states);
    this.emit({ kind: 'topic', name, topic: this.topics.get(name)! });
    states.forEach((state, partition) => this.emit({ kind: 'partition', topic: name, partition, state }));
  }

  /** Replaces a partition state as the controller would (leader elections, reassignments). */
  setPartition(topic: string, partition: number, state: PartitionState): void {
    this.partitions.get(topic)![partition] = state;
    this.emit({ kind: 'partition', topic, partition, state });
  }

  state(topic: string, partition: number): PartitionState {
    return this.partitions.get(topic)![partition]!;
  }

  client(brokerId: number): ClusterMetadataClient {
    return clientOf(this, brokerId);
  }
}

function clientOf(cluster: FakeCluster, brokerId: number): ClusterMetadataClient {
  const notImplemented = (): never => {
    throw new Error('not implemented in FakeCluster');
  };
  return {
    clusterId: 'fake-cluster',
    brokerId,
    connect: async () => {},
    start: async (reg) => cluster.register(reg),
    image: () => cluster.image(),
    onChange: (listener) => {
      cluster.listeners.add(listener);
    },
    isController: () => false,
    interBrokerSecret: () => cluster.secret,
    createTopic: notImplemented,
    adoptTopics: notImplemented,
    deleteTopic: notImplemented,
    createPartitions: notImplemented,
    setTopicConfigs: notImplemented,
    brokerConfigs: () => ({}),
    setBrokerConfigs: notImplemented,
    acls: () => [],
    createAcls: notImplemented,
    deleteAcls: notImplemented,
    scramCredentials: () => new Map(),
    alterScramCredentials: notImplemented,
    compareAndSetPartition: async (topic, partition, expected, next) => {
      await new Promise((r) => setImmediate(r));
      const current = cluster.partitions.get(topic)?.[partition];
      const won =
        !cluster.failCas &&
        current !== undefined &&
        current.partitionEpoch === expected.partitionEpoch &&
        next.partitionEpoch === expected.partitionEpoch + 1;
      cluster.casLog.push({ topic, partition, next, won });
      if (won) cluster.setPartition(topic, partition, next);
      return won;
    },
    electPreferredLeader: notImplemented,
    reassign: notImplemented,
    controlledShutdown: async () => {},
    close: async () => {},
  };
}

export function partitionState(
  replicas: number[],
  leader: number,
  leaderEpoch: number,
  isr = replicas,
  partitionEpoch = leaderEpoch,
): PartitionState {
  return { replicas, isr, leader, leaderEpoch, partitionEpoch, addingReplicas: [], removingReplicas: [] };
}
