import { describe, expect, it } from 'vitest';
import { partitionHealth } from '../../../src/client/admin/cluster-info.js';
import type { MetadataResponse } from '../../../src/protocol/messages/index.js';

function partition(
  partitionIndex: number,
  leaderId: number,
  replicas: number[],
  isr: number[],
  offline: number[],
) {
  return {
    errorCode: 0,
    partitionIndex,
    leaderId,
    leaderEpoch: 0,
    replicaNodes: replicas,
    isrNodes: isr,
    offlineReplicas: offline,
  };
}

describe('partitionHealth', () => {
  it('counts a short ISR or a replica on a broker that is not live as under-replicated, no leader as offline', () => {
    const meta = {
      topics: [
        {
          errorCode: 0,
          name: 't',
          partitions: [
            partition(0, 1, [1, 2, 3], [1, 2, 3], []), // healthy
            partition(1, 1, [1, 2, 3], [1, 2], []), // ISR shrunk
            partition(2, 1, [1, 2, 3], [1, 2, 3], [3]), // broker 3 gone, ISR not shrunk yet
            partition(3, -1, [3], [3], [3]), // its only replica gone
          ],
        },
      ],
    } as unknown as MetadataResponse;
    const h = partitionHealth(meta);
    expect(h.partitionCount).toBe(4);
    expect(h.underReplicated.map((p) => p.partition)).toEqual([1, 2, 3]);
    expect(h.offline.map((p) => p.partition)).toEqual([3]);
  });
});
