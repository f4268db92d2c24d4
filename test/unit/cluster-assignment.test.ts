import { describe, expect, it } from 'vitest';
import {
  assignNewPartitions,
  assignReplicas,
  checkReplicationFactor,
  rackAlternatedBrokers,
  type PlacementBroker,
} from '../../src/cluster/assignment.js';
import { ErrorCode, KafkaError } from '../../src/protocol/errors.js';

const noRack = (...ids: number[]): PlacementBroker[] => ids.map((id) => ({ id, rack: null }));

function expectKafkaError(fn: () => unknown, code: number, message?: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(KafkaError);
  expect((caught as KafkaError).code).toBe(code);
  if (message !== undefined) expect((caught as KafkaError).message).toBe(message);
}

describe('replica assignment (rack unaware)', () => {
  it('matches Kafka’s documented layout for 5 brokers, 10 partitions, rf 3, start 0', () => {
    const a = assignReplicas(noRack(0, 1, 2, 3, 4), 10, 3, { fixedStartIndex: 0 });
    expect(a).toEqual([
      [0, 1, 2],
      [1, 2, 3],
      [2, 3, 4],
      [3, 4, 0],
      [4, 0, 1],
      // Second round: the follower shift grows by one.
      [0, 2, 3],
      [1, 3, 4],
      [2, 4, 0],
      [3, 0, 1],
      [4, 1, 2],
    ]);
  });

  it('takes brokers in id order whatever order they are given in', () => {
    const a = assignReplicas(noRack(12, 10, 11), 3, 2, { fixedStartIndex: 0 });
    expect(a.map((r) => r[0])).toEqual([10, 11, 12]);
  });

  it('uses random start index and shift, and keeps replicas distinct and leaders balanced', () => {
    const seq = [2, 1];
    const a = assignReplicas(noRack(1, 2, 3, 4), 8, 3, { random: () => seq.shift() ?? 0 });
    expect(a[0]![0]).toBe(3); // start index 2 over [1, 2, 3, 4]
    for (const r of a) expect(new Set(r).size).toBe(3);
    const leaders = new Map<number, number>();
    for (const r of a) leaders.set(r[0]!, (leaders.get(r[0]!) ?? 0) + 1);
    expect([...leaders.values()]).toEqual([2, 2, 2, 2]);
  });

  it('spreads leaders differently across calls with the default random', () => {
    const starts = new Set<number>();
    for (let i = 0; i < 50; i++) starts.add(assignReplicas(noRack(1, 2, 3), 1, 1)[0]![0]!);
    expect(starts.size).toBeGreaterThan(1);
  });

  it('rejects a replication factor above the live brokers with Kafka’s message', () => {
    expectKafkaError(
      () => assignReplicas(noRack(1, 2), 1, 3),
      ErrorCode.INVALID_REPLICATION_FACTOR,
      'Replication factor: 3 larger than available brokers: 2.',
    );
    expectKafkaError(() => checkReplicationFactor(0, 3), ErrorCode.INVALID_REPLICATION_FACTOR);
    expectKafkaError(() => assignReplicas(noRack(1, 2), 0, 1), ErrorCode.INVALID_PARTITIONS);
  });

  it('continues the striping from partition 0 when partitions are added', () => {
    const brokers = noRack(0, 1, 2, 3, 4);
    const all = assignReplicas(brokers, 10, 3, { fixedStartIndex: 0 });
    const added = assignNewPartitions(brokers, all.slice(0, 4), 6);
    expect(added).toEqual(all.slice(4));
  });
});

describe('replica assignment (rack aware)', () => {
  const racks: PlacementBroker[] = [
    { id: 0, rack: 'rack1' },
    { id: 1, rack: 'rack3' },
    { id: 2, rack: 'rack3' },
    { id: 3, rack: 'rack2' },
    { id: 4, rack: 'rack2' },
    { id: 5, rack: 'rack1' },
  ];

  it('alternates racks in the broker list', () => {
    expect(rackAlternatedBrokers(racks)).toEqual([0, 3, 1, 5, 4, 2]);
  });

  it('places the replicas of each partition on distinct racks (Kafka’s expected layout)', () => {
    const a = assignReplicas(racks, 7, 3, { fixedStartIndex: 0, startPartitionId: 0 });
    expect(a).toEqual([
      [0, 3, 1],
      [3, 1, 5],
      [1, 5, 4],
      [5, 4, 2],
      [4, 2, 0],
      [2, 0, 3],
      [0, 4, 2],
    ]);
    const rackOf = new Map(racks.map((b) => [b.id, b.rack]));
    for (const r of a) expect(new Set(r.map((id) => rackOf.get(id))).size).toBe(3);
  });

  it('repeats racks only once every rack has a replica', () => {
    const two: PlacementBroker[] = [
      { id: 1, rack: 'a' },
      { id: 2, rack: 'a' },
      { id: 3, rack: 'b' },
      { id: 4, rack: 'b' },
    ];
    for (const r of assignReplicas(two, 12, 3)) {
      expect(new Set(r).size).toBe(3);
      const rs = r.map((id) => two.find((b) => b.id === id)!.rack);
      expect(new Set(rs.slice(0, 2)).size).toBe(2);
    }
  });

  it('treats brokers without a rack as one rack of their own', () => {
    const mixed: PlacementBroker[] = [
      { id: 1, rack: 'a' },
      { id: 2, rack: null },
      { id: 3, rack: 'a' },
    ];
    for (const r of assignReplicas(mixed, 6, 2)) expect(r).toContain(2);
  });
});
