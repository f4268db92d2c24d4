// Kafka's RoundRobinAssignor ("roundrobin"): every partition of every subscribed topic, sorted by
// topic and partition, dealt in turn to the members (Java's member order), skipping members not
// subscribed to the partition's topic.

import {
  addPartition,
  compareMembers,
  emptyAssignment,
  type GroupAssignment,
  type MemberSubscription,
  type PartitionAssignor,
} from './types.js';

export class RoundRobinAssignor implements PartitionAssignor {
  readonly name = 'roundrobin';
  readonly rebalanceProtocol = 'eager' as const;

  assign(members: MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): GroupAssignment {
    const out = emptyAssignment(members);
    const sorted = [...members].sort(compareMembers);
    if (sorted.length === 0) return out;
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    let next = 0;
    for (const topic of topics) {
      const count = partitionsPerTopic.get(topic) ?? 0;
      for (let p = 0; p < count; p++) {
        for (let tried = 0; tried < sorted.length; tried++) {
          const m = sorted[next]!;
          next = (next + 1) % sorted.length;
          if (m.topics.includes(topic)) {
            addPartition(out, m.memberId, topic, p);
            break;
          }
        }
      }
    }
    return out;
  }
}
