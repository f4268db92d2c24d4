// ElectLeaders, AlterPartitionReassignments and ListPartitionReassignments in cluster mode, against
// an in-memory stand-in for the metadata client.
import { describe, expect, it } from 'vitest';
import type { BrokerState } from '../../../src/broker/broker-state.js';
import type { RequestContext } from '../../../src/broker/handler.js';
import { alterPartitionReassignmentsHandler } from '../../../src/broker/handlers/alter-partition-reassignments.js';
import { electLeadersHandler } from '../../../src/broker/handlers/elect-leaders.js';
import { listPartitionReassignmentsHandler } from '../../../src/broker/handlers/list-partition-reassignments.js';
import type {
  BrokerRegistration,
  ClusterMetadataClient,
  MetadataImage,
  PartitionState,
} from '../../../src/cluster/types.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import type {
  AlterPartitionReassignmentsRequest,
  ElectLeadersRequest,
  ListPartitionReassignmentsRequest,
} from '../../../src/protocol/messages/index.js';

const state = (replicas: number[], isr: number[], leader: number, extra: Partial<PartitionState> = {}) => ({
  replicas,
  isr,
  leader,
  leaderEpoch: 3,
  partitionEpoch: 7,
  addingReplicas: [],
  removingReplicas: [],
  ...extra,
});

function fakeCluster(live: number[], partitions: Record<string, PartitionState[]>) {
  const brokers = new Map<number, BrokerRegistration>(
    live.map((id) => [
      id,
      {
        id,
        rack: null,
        endpoints: [],
        replicationEndpoint: { host: '127.0.0.1', port: 1 },
        incarnation: 'x',
        shuttingDown: false,
      },
    ]),
  );
  const parts = new Map(Object.entries(partitions));
  const calls: string[] = [];
  const cluster = {
    image: (): MetadataImage => ({
      brokers,
      topics: new Map(),
      partitions: parts,
      controllerId: live[0] ?? -1,
    }),
    electPreferredLeader: async (topic: string, p: number) => {
      calls.push(`preferred ${topic}-${p}`);
      return ErrorCode.NONE;
    },
    reassign: async (topic: string, p: number, target: number[] | null) => {
      calls.push(`reassign ${topic}-${p} ${target === null ? 'cancel' : target.join(',')}`);
      return target === null ? ErrorCode.NO_REASSIGNMENT_IN_PROGRESS : ErrorCode.NONE;
    },
    compareAndSetPartition: async (
      topic: string,
      p: number,
      expected: PartitionState,
      next: PartitionState,
    ) => {
      const list = parts.get(topic)!;
      if (list[p]!.partitionEpoch !== expected.partitionEpoch) return false;
      calls.push(
        `cas ${topic}-${p} leader ${next.leader} isr ${next.isr.join(',')} epoch ${next.leaderEpoch}`,
      );
      (list as PartitionState[])[p] = next;
      return true;
    },
  } as unknown as ClusterMetadataClient;
  const ctx = {
    header: { apiVersion: 2 },
    broker: { nodeId: live[0], cluster } as unknown as BrokerState,
  } as unknown as RequestContext;
  return { ctx, calls };
}

describe('ElectLeaders in a cluster', () => {
  it('preferred: asks the metadata client, skipping partitions already led by their preferred replica', async () => {
    const { ctx, calls } = fakeCluster([1, 2, 3], {
      t: [state([1, 2, 3], [1, 2, 3], 2), state([2, 3, 1], [2, 3, 1], 2)],
    });
    const named = await electLeadersHandler.handle(
      {
        electionType: 0,
        topicPartitions: [{ topic: 't', partitions: [0, 1, 5] }],
        timeoutMs: 1000,
      } as ElectLeadersRequest,
      ctx,
    );
    expect(
      named!.replicaElectionResults![0]!.partitionResult!.map((r) => [r.partitionId, r.errorCode]),
    ).toEqual([
      [0, ErrorCode.NONE],
      [1, ErrorCode.ELECTION_NOT_NEEDED],
      [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(calls).toEqual(['preferred t-0']);
    const all = await electLeadersHandler.handle(
      { electionType: 0, topicPartitions: null, timeoutMs: 1000 } as ElectLeadersRequest,
      ctx,
    );
    // all partitions: only those that had an election are listed
    expect(all!.replicaElectionResults).toEqual([
      { topic: 't', partitionResult: [{ partitionId: 0, errorCode: ErrorCode.NONE, errorMessage: null }] },
    ]);
  });

  it('unclean: leaves led partitions alone, prefers a live ISR member, else any live replica', async () => {
    const { ctx, calls } = fakeCluster([2, 3], {
      t: [
        state([1, 2], [1, 2], 2), // led by a live broker
        state([1, 2, 3], [1, 3], -1), // ISR member 3 is live
        state([1, 2], [1], -1), // only an out-of-sync replica is live
        state([1, 4], [1], -1), // nothing live
      ],
    });
    const res = await electLeadersHandler.handle(
      {
        electionType: 1,
        topicPartitions: [{ topic: 't', partitions: [0, 1, 2, 3] }],
        timeoutMs: 1000,
      } as ElectLeadersRequest,
      ctx,
    );
    expect(
      res!.replicaElectionResults![0]!.partitionResult!.map((r) => [r.partitionId, r.errorCode]),
    ).toEqual([
      [0, ErrorCode.ELECTION_NOT_NEEDED],
      [1, ErrorCode.NONE],
      [2, ErrorCode.NONE],
      [3, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE],
    ]);
    expect(calls).toEqual(['cas t-1 leader 3 isr 1,3 epoch 4', 'cas t-2 leader 2 isr 2 epoch 4']);
  });
});

describe('partition reassignments in a cluster', () => {
  it('checks targets against registered brokers, then hands them to the metadata client', async () => {
    const { ctx, calls } = fakeCluster([1, 2, 3], { t: [state([1, 2], [1, 2], 1)] });
    const res = await alterPartitionReassignmentsHandler.handle(
      {
        timeoutMs: 1000,
        topics: [
          {
            name: 't',
            partitions: [
              { partitionIndex: 0, replicas: [3, 2] },
              { partitionIndex: 1, replicas: [1] },
            ],
          },
          { name: 'nope', partitions: [{ partitionIndex: 0, replicas: [1] }] },
        ],
      } as AlterPartitionReassignmentsRequest,
      ctx,
    );
    expect(res!.responses![0]!.partitions!.map((p) => p.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    expect(res!.responses![1]!.partitions![0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const bad = await alterPartitionReassignmentsHandler.handle(
      {
        timeoutMs: 1000,
        topics: [
          {
            name: 't',
            partitions: [
              { partitionIndex: 0, replicas: [1, 9] },
              { partitionIndex: 0, replicas: null },
            ],
          },
        ],
      } as AlterPartitionReassignmentsRequest,
      ctx,
    );
    expect(bad!.responses![0]!.partitions).toEqual([
      {
        partitionIndex: 0,
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: 'The manual partition assignment includes broker 9, but no such broker is registered.',
      },
      { partitionIndex: 0, errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: null },
    ]);
    expect(calls).toEqual(['reassign t-0 3,2', 'reassign t-0 cancel']);
  });

  it('lists the partitions with replicas being added or removed', async () => {
    const moving = state([1, 2, 3], [1, 2], 1, { addingReplicas: [3], removingReplicas: [1] });
    const { ctx } = fakeCluster([1, 2, 3], { b: [state([1], [1], 1), moving], a: [state([2], [2], 2)] });
    const all = await listPartitionReassignmentsHandler.handle(
      { timeoutMs: 1000, topics: null } as ListPartitionReassignmentsRequest,
      ctx,
    );
    expect(all!.topics).toEqual([
      {
        name: 'b',
        partitions: [{ partitionIndex: 1, replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [1] }],
      },
    ]);
    const some = await listPartitionReassignmentsHandler.handle(
      {
        timeoutMs: 1000,
        topics: [
          { name: 'b', partitionIndexes: [0] },
          { name: 'zz', partitionIndexes: [0] },
        ],
      } as ListPartitionReassignmentsRequest,
      ctx,
    );
    expect(some!.topics).toEqual([]);
  });
});
