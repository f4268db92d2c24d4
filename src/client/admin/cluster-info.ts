// The cluster's id, controller and brokers: DescribeCluster where the broker has it (Kafka 2.8+),
// else Metadata. Partition health (under-replicated and offline partitions) always comes from
// Metadata for every topic: leader, replicas, ISR and offline replicas per partition.

import {
  ApiKey,
  type DescribeClusterResponse,
  type MetadataResponse,
} from '../../protocol/messages/index.js';
import type { ClusterClient } from '../cluster.js';
import { check } from '../errors.js';
import type { ClusterDescription, PartitionHealth } from './types.js';

/**
 * Partitions of a Metadata response whose ISR is short of their replicas or that have a replica on
 * a broker that is not live (the ISR may still name it until the controller shrinks it), and those
 * without a leader.
 */
export function partitionHealth(meta: MetadataResponse): {
  partitionCount: number;
  underReplicated: PartitionHealth[];
  offline: PartitionHealth[];
} {
  const underReplicated: PartitionHealth[] = [];
  const offline: PartitionHealth[] = [];
  let partitionCount = 0;
  const topics = meta.topics
    .filter((t) => t.errorCode === 0 && t.name)
    .sort((a, b) => (a.name! < b.name! ? -1 : a.name! > b.name! ? 1 : 0));
  for (const t of topics) {
    for (const p of [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex)) {
      partitionCount++;
      const h: PartitionHealth = {
        topic: t.name!,
        partition: p.partitionIndex,
        leader: p.leaderId,
        replicas: p.replicaNodes,
        isr: p.isrNodes,
        offlineReplicas: p.offlineReplicas ?? [],
      };
      if (p.isrNodes.length < p.replicaNodes.length || h.offlineReplicas.length > 0) underReplicated.push(h);
      if (p.leaderId < 0) offline.push(h);
    }
  }
  return { partitionCount, underReplicated, offline };
}

export async function describeCluster(client: ClusterClient): Promise<ClusterDescription> {
  const meta = await client.refreshMetadata(null);
  let clusterId = client.clusterId;
  let controllerId = client.controllerId;
  let brokers = [...client.brokers.values()].map((b) => ({
    id: b.nodeId,
    host: b.host,
    port: b.port,
    rack: b.rack,
  }));
  if (await client.supports('any', ApiKey.DescribeCluster)) {
    const { response } = await client.request<DescribeClusterResponse>('any', ApiKey.DescribeCluster, () => ({
      includeClusterAuthorizedOperations: false,
      endpointType: 1,
    }));
    check(response.errorCode, 'describe the cluster', response.errorMessage);
    clusterId = response.clusterId;
    controllerId = response.controllerId;
    brokers = response.brokers.map((b) => ({ id: b.brokerId, host: b.host, port: b.port, rack: b.rack }));
  }
  const health = partitionHealth(meta);
  return {
    clusterId,
    controllerId,
    brokers: brokers.sort((a, b) => a.id - b.id).map((b) => ({ ...b, isController: b.id === controllerId })),
    partitionCount: health.partitionCount,
    underReplicatedPartitions: health.underReplicated,
    offlinePartitions: health.offline,
  };
}
