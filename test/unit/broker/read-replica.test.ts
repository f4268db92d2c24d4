import { describe, expect, it } from 'vitest';
import type { Partition } from '../../../src/cluster/replication/partition.js';
import type { BrokerRegistration, MetadataImage } from '../../../src/cluster/types.js';
import { preferredReadReplica } from '../../../src/broker/handlers/read-replica.js';

const NOW = 1_000_000;

function image(racks: Record<number, string | null>): MetadataImage {
  const brokers = new Map<number, BrokerRegistration>();
  for (const [id, rack] of Object.entries(racks)) {
    brokers.set(Number(id), {
      id: Number(id),
      rack,
      endpoints: [],
      replicationEndpoint: { host: '127.0.0.1', port: 0 },
      incarnation: id,
      shuttingDown: false,
    });
  }
  return { brokers, topics: new Map(), partitions: new Map(), controllerId: 1 };
}

/** Broker 1 (leading unless told) with followers as "id:logEnd:logStart:msSinceCaughtUp ...". */
function leader(isr: number[], followers: string, isLeader = true): Partition {
  const parsed = followers
    .split(' ')
    .map((f) => f.split(':').map(Number) as [number, number, number, number]);
  const states = new Map(
    parsed.map(([brokerId, logEndOffset, logStartOffset, lag]) => [
      brokerId,
      {
        brokerId,
        logEndOffset,
        logStartOffset,
        lastFetchLeaderLogEndOffset: logEndOffset,
        lastFetchTimeMs: NOW,
        lastCaughtUpTimeMs: NOW - lag,
      },
    ]),
  );
  return { isLeader, localBrokerId: 1, isr, followerStates: () => states } as unknown as Partition;
}

describe('preferredReadReplica (RackAwareReplicaSelector)', () => {
  const racks = image({ 1: 'a', 2: 'b', 3: 'b', 4: 'c' });

  it('keeps the leader for a consumer without a rack, in the leader rack, or in a rack without replicas', () => {
    const p = leader([1, 2, 3], '2:10:0:0 3:10:0:0');
    expect(preferredReadReplica(p, racks, '', 5, NOW)).toBe(-1);
    expect(preferredReadReplica(p, racks, 'a', 5, NOW)).toBe(-1);
    expect(preferredReadReplica(p, racks, 'z', 5, NOW)).toBe(-1);
    expect(preferredReadReplica(leader([1, 2], '2:10:0:0', false), racks, 'b', 5, NOW)).toBe(-1);
  });

  // [case, ISR, followers as "id:logEnd:logStart:msSinceCaughtUp ...", client rack, fetch offset, expected]
  const cases: [string, number[], string, string, number, number][] = [
    ['the highest log end offset', [1, 2, 3], '2:10:0:0 3:12:0:0', 'b', 5, 3],
    ['then the most recently caught up', [1, 2, 3], '2:10:0:50 3:10:0:20', 'b', 5, 3],
    ['then the lowest id', [1, 2, 3], '3:10:0:0 2:10:0:0', 'b', 5, 2],
    ['not one out of the ISR', [1, 2], '2:10:0:0 3:12:0:0', 'b', 5, 2],
    ['not one behind the fetch offset', [1, 2, 3], '2:4:0:0 3:12:0:0', 'b', 5, 3],
    [
      'none when one starts past the offset and one ends before it',
      [1, 2, 3],
      '2:10:6:0 3:4:0:0',
      'b',
      5,
      -1,
    ],
    ['a follower alone in its rack', [1, 4], '4:10:0:0', 'c', 10, 4],
  ];
  it.each(cases)(
    'picks an in-sync follower of the rack holding the offset: %s',
    (_, isr, followers, rack, offset, expected) => {
      expect(preferredReadReplica(leader(isr, followers), racks, rack, offset, NOW)).toBe(expected);
    },
  );
});
