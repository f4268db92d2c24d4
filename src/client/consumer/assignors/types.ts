// What a partition assignor works with. The group leader runs the assignor its group chose (the
// protocol name all members support) over every member's subscription.

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface MemberSubscription {
  memberId: string;
  groupInstanceId: string | null;
  topics: string[];
  userData: Buffer | null;
  /** Partitions the member owned in its last generation (subscription v1+; empty when unknown). */
  ownedPartitions: TopicPartitions[];
  /** The generation ownedPartitions belong to (subscription v2+), -1 when unknown. */
  generationId: number;
  rackId: string | null;
}

/** member id -> topic -> partitions */
export type GroupAssignment = Map<string, Map<string, number[]>>;

export interface PartitionAssignor {
  /** The protocol name in JoinGroup, shared with Kafka's Java client and librdkafka. */
  readonly name: string;
  /**
   * 'eager': every member gives up all its partitions before rejoining; 'cooperative' (KIP-429):
   * members keep their partitions and give up only those that move, then rejoin once more.
   */
  readonly rebalanceProtocol: 'eager' | 'cooperative';
  assign(members: MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): GroupAssignment;
}

/**
 * Java's member order for deterministic assignments: members with a group.instance.id first, by
 * it; then the others by member id.
 */
export function compareMembers(a: MemberSubscription, b: MemberSubscription): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null)
    return cmp(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return cmp(a.memberId, b.memberId);
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An assignment with an empty entry for every member. */
export function emptyAssignment(members: MemberSubscription[]): GroupAssignment {
  return new Map(members.map((m) => [m.memberId, new Map<string, number[]>()]));
}

export function addPartition(a: GroupAssignment, memberId: string, topic: string, partition: number): void {
  const byTopic = a.get(memberId)!;
  let list = byTopic.get(topic);
  if (!list) byTopic.set(topic, (list = []));
  list.push(partition);
}

/** Sorted topic lists and partition lists, for stable output. */
export function normalize(a: GroupAssignment): GroupAssignment {
  const out: GroupAssignment = new Map();
  for (const [member, byTopic] of a) {
    const topics = [...byTopic.keys()].sort(cmp);
    out.set(member, new Map(topics.map((t) => [t, [...byTopic.get(t)!].sort((x, y) => x - y)])));
  }
  return out;
}
