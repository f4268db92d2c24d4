// Kafka's RangeAssignor ("range"): per topic, the members subscribed to it (in Java's member
// order) each take a contiguous range of partitions; the first (partitions % members) take one
// more. Members subscribed to the same topics therefore get the same partition numbers of each.

import {
  addPartition,
  compareMembers,
  emptyAssignment,
  type GroupAssignment,
  type MemberSubscription,
  type PartitionAssignor,
} from './types.js';

export class RangeAssignor implements PartitionAssignor {
  readonly name = 'range';
  readonly rebalanceProtocol = 'eager' as const;

  assign(members: MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): GroupAssignment {
    const out = emptyAssignment(members);
    const topics = new Set(members.flatMap((m) => m.topics));
    for (const topic of [...topics].sort()) {
      const count = partitionsPerTopic.get(topic) ?? 0;
      const consumers = members.filter((m) => m.topics.includes(topic)).sort(compareMembers);
      if (count === 0 || consumers.length === 0) continue;
      const per = Math.floor(count / consumers.length);
      const extra = count % consumers.length;
      consumers.forEach((m, i) => {
        const start = per * i + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        for (let p = start; p < start + length; p++) addPartition(out, m.memberId, topic, p);
      });
    }
    return out;
  }
}
