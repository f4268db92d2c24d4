// Replica assignment for new topics and new partitions, with Kafka's semantics (AdminUtils
// `assignReplicasToBrokers`, which KRaft's StripedReplicaPlacer keeps in spirit):
//
// - Brokers are taken in id order. The first replica of partition p sits on broker
//   (p + startIndex) % n; the other replicas follow at a shift from it, and the shift grows by one
//   every n partitions so that followers of consecutive "rounds" land on different brokers.
// - startIndex and the initial shift are random (so that many small topics do not all put their
//   leaders on the lowest broker id), unless fixed — as when adding partitions, where Kafka derives
//   them from partition 0's first replica so the new partitions continue the existing striping.
// - Rack-aware when brokers carry racks: the broker list is rack-alternated (one broker from each
//   rack in turn) and a replica is placed on a rack that has none of the partition's replicas yet,
//   until every rack has one (then racks repeat, brokers still never do).
//
// Brokers without a rack count as one rack of their own when other brokers have racks (KRaft's
// placer does the same), so a mixed cluster still spreads replicas rather than failing.

import { ErrorCode, KafkaError } from '../protocol/errors.js';

export interface PlacementBroker {
  id: number;
  rack: string | null;
}

export interface AssignmentOptions {
  /** Fixes both the start index and the initial replica shift (random when absent or negative). */
  fixedStartIndex?: number;
  /** The id of the first partition to assign (partitions already present keep theirs). */
  startPartitionId?: number;
  /** Returns an integer in [0, n); Math.random by default. */
  random?: (n: number) => number;
}

const defaultRandom = (n: number): number => Math.floor(Math.random() * n);

/** Kafka's check and message (InvalidReplicationFactorException) for CreateTopics and CreatePartitions. */
export function checkReplicationFactor(replicationFactor: number, liveBrokers: number): void {
  if (replicationFactor <= 0) {
    throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  }
  if (replicationFactor > liveBrokers) {
    throw new KafkaError(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `Replication factor: ${replicationFactor} larger than available brokers: ${liveBrokers}.`,
    );
  }
}

/**
 * Assigns `partitions` partitions with `replicationFactor` replicas each over `brokers`. The result
 * is indexed from 0 (the first entry is partition `startPartitionId`); each entry is the replica
 * list in preference order (entry[0] is the preferred leader).
 */
export function assignReplicas(
  brokers: readonly PlacementBroker[],
  partitions: number,
  replicationFactor: number,
  options: AssignmentOptions = {},
): number[][] {
  if (partitions <= 0)
    throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  checkReplicationFactor(replicationFactor, brokers.length);
  const sorted = [...brokers].sort((a, b) => a.id - b.id);
  const anyRack = sorted.some((b) => b.rack !== null);
  return anyRack
    ? assignRackAware(sorted, partitions, replicationFactor, options)
    : assignRackUnaware(
        sorted.map((b) => b.id),
        partitions,
        replicationFactor,
        options,
      );
}

/**
 * Assignment for partitions added to an existing topic (CreatePartitions): Kafka continues the
 * striping from partition 0's preferred leader and keeps the topic's replication factor.
 */
export function assignNewPartitions(
  brokers: readonly PlacementBroker[],
  existing: readonly (readonly number[])[],
  newCount: number,
  random?: (n: number) => number,
): number[][] {
  const first = existing[0];
  if (!first || first.length === 0) {
    throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The topic has no replica assignment.');
  }
  const sortedIds = [...brokers].map((b) => b.id).sort((a, b) => a - b);
  const startIndex = Math.max(
    0,
    sortedIds.findIndex((id) => id >= first[0]!),
  );
  return assignReplicas(brokers, newCount, first.length, {
    fixedStartIndex: startIndex,
    startPartitionId: existing.length,
    random,
  });
}

/** The broker index of the (replica+1)-th follower: always a different broker than the first. */
function replicaIndex(firstReplicaIndex: number, shift: number, replica: number, nBrokers: number): number {
  const offset = 1 + ((shift + replica) % (nBrokers - 1));
  return (firstReplicaIndex + offset) % nBrokers;
}

/**
 * Kafka's walk over the partitions being placed: for each, the index of its first replica among the
 * `n` brokers and the shift of the others. Both start random (or at fixedStartIndex); the shift
 * grows by one each time the partition id wraps around the brokers.
 */
function placementStarts(
  n: number,
  partitions: number,
  options: AssignmentOptions,
): { first: number; shift: number }[] {
  const random = options.random ?? defaultRandom;
  const fixed = options.fixedStartIndex ?? -1;
  const start = fixed >= 0 ? fixed : random(n);
  let shift = fixed >= 0 ? fixed : random(n);
  let partitionId = Math.max(0, options.startPartitionId ?? 0);
  const out: { first: number; shift: number }[] = [];
  for (let i = 0; i < partitions; i++, partitionId++) {
    if (partitionId > 0 && partitionId % n === 0) shift++;
    out.push({ first: (partitionId + start) % n, shift });
  }
  return out;
}

function assignRackUnaware(
  ids: readonly number[],
  partitions: number,
  replicationFactor: number,
  options: AssignmentOptions,
): number[][] {
  const n = ids.length;
  return placementStarts(n, partitions, options).map(({ first, shift }) => {
    const replicas = [ids[first]!];
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(ids[replicaIndex(first, shift, j, n)]!);
    return replicas;
  });
}

/** One broker from each rack in turn (racks in name order, brokers in id order within a rack). */
export function rackAlternatedBrokers(brokers: readonly PlacementBroker[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of [...brokers].sort((x, y) => x.id - y.id)) {
    const rack = b.rack ?? '';
    const list = byRack.get(rack) ?? [];
    list.push(b.id);
    byRack.set(rack, list);
  }
  const racks = [...byRack.keys()].sort();
  const cursors = new Map(racks.map((r) => [r, 0]));
  const out: number[] = [];
  for (let r = 0; out.length < brokers.length; r = (r + 1) % racks.length) {
    const rack = racks[r]!;
    const list = byRack.get(rack)!;
    const at = cursors.get(rack)!;
    if (at < list.length) {
      out.push(list[at]!);
      cursors.set(rack, at + 1);
    }
  }
  return out;
}

function assignRackAware(
  brokers: readonly PlacementBroker[],
  partitions: number,
  replicationFactor: number,
  options: AssignmentOptions,
): number[][] {
  const rackOf = new Map(brokers.map((b) => [b.id, b.rack ?? '']));
  const numRacks = new Set(rackOf.values()).size;
  const arranged = rackAlternatedBrokers(brokers);
  const n = arranged.length;
  return placementStarts(n, partitions, options).map(({ first, shift }) => {
    const leader = arranged[first]!;
    const replicas = [leader];
    const racksUsed = new Set([rackOf.get(leader)!]);
    const brokersUsed = new Set([leader]);
    let k = 0;
    for (let j = 0; j < replicationFactor - 1; j++) {
      for (;;) {
        // The shift is scaled by the rack count so that consecutive rounds rotate across racks.
        const broker = arranged[replicaIndex(first, shift * numRacks, k, n)]!;
        const rack = rackOf.get(broker)!;
        k++;
        const rackOk = !racksUsed.has(rack) || racksUsed.size === numRacks;
        const brokerOk = !brokersUsed.has(broker) || brokersUsed.size === n;
        if (rackOk && brokerOk) {
          replicas.push(broker);
          racksUsed.add(rack);
          brokersUsed.add(broker);
          break;
        }
      }
    }
    return replicas;
  });
}
