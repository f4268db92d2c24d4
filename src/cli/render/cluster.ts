// Human rendering of the cluster description, elections and reassignments.

import type {
  ClusterDescription,
  OngoingReassignment,
  PartitionHealth,
  PartitionOutcome,
} from '../../client/admin/index.js';
import { keyValues, table } from '../table.js';

const ids = (list: number[]): string => list.join(',');

/** Leader -1 shows as 'none', as kafka-topics prints it. */
export const leaderCell = (leader: number): string | number => (leader < 0 ? 'none' : leader);

function healthTable(title: string, list: PartitionHealth[]): string {
  return (
    `${title} (${list.length}):\n` +
    table(
      ['TOPIC', 'PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'OFFLINE REPLICAS'],
      list.map((p) => [
        p.topic,
        p.partition,
        leaderCell(p.leader),
        ids(p.replicas),
        ids(p.isr),
        ids(p.offlineReplicas),
      ]),
    )
  );
}

export function renderCluster(c: ClusterDescription): string {
  const parts = [
    keyValues([
      ['Cluster ID', c.clusterId],
      ['Controller', c.controllerId],
      ['Brokers', c.brokers.length],
      ['Partitions', c.partitionCount],
      ['Under-replicated partitions', c.underReplicatedPartitions.length],
      ['Offline partitions', c.offlinePartitions.length],
    ]),
    table(
      ['BROKER ID', 'HOST', 'PORT', 'RACK', 'CONTROLLER'],
      c.brokers.map((b) => [b.id, b.host, b.port, b.rack, b.isController ? 'yes' : 'no']),
    ),
  ];
  if (c.underReplicatedPartitions.length > 0)
    parts.push(healthTable('Under-replicated partitions', c.underReplicatedPartitions));
  if (c.offlinePartitions.length > 0) parts.push(healthTable('Offline partitions', c.offlinePartitions));
  return parts.join('\n');
}

/** One row per partition: what happened to it (`ok` for success, else the Kafka error name). */
export function renderOutcomes(
  outcomes: PartitionOutcome[],
  ok: string,
  /** Target replicas by `topic-partition`, shown in a REPLICAS column when given. */
  targets?: Map<string, string>,
): string {
  const head = ['TOPIC', 'PARTITION', ...(targets ? ['REPLICAS'] : []), 'RESULT', 'MESSAGE'];
  return table(
    head,
    outcomes.map((o) => [
      o.topic,
      o.partition,
      ...(targets ? [targets.get(`${o.topic}-${o.partition}`) ?? null] : []),
      o.error ?? ok,
      o.message,
    ]),
  );
}

export function renderReassignments(list: OngoingReassignment[]): string {
  if (list.length === 0) return 'No partition reassignments in progress.';
  return table(
    ['TOPIC', 'PARTITION', 'REPLICAS', 'ADDING', 'REMOVING'],
    list.map((r) => [r.topic, r.partition, ids(r.replicas), ids(r.addingReplicas), ids(r.removingReplicas)]),
  );
}
