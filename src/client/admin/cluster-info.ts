// The cluster's id, controller and brokers: DescribeCluster where the broker has it (Kafka 2.8+),
// else Metadata.

import { ApiKey, type DescribeClusterResponse } from '../../protocol/messages/index.js';
import type { ClusterClient } from '../cluster.js';
import { check } from '../errors.js';
import type { ClusterDescription } from './types.js';

export async function describeCluster(client: ClusterClient): Promise<ClusterDescription> {
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
  } else {
    await client.refreshMetadata([]);
    clusterId = client.clusterId;
    controllerId = client.controllerId;
    brokers = [...client.brokers.values()].map((b) => ({
      id: b.nodeId,
      host: b.host,
      port: b.port,
      rack: b.rack,
    }));
  }
  return {
    clusterId,
    controllerId,
    brokers: brokers.sort((a, b) => a.id - b.id).map((b) => ({ ...b, isController: b.id === controllerId })),
  };
}
