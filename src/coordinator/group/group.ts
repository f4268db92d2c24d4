// One classic consumer group as the coordinator holds it in memory: its state, generation, members
// (with the protocols each supports and the assignment the leader gave it), static members by
// group.instance.id, members that still have to rejoin with their new id (KIP-394), and the
// committed offsets.
//
//   Empty --join--> PreparingRebalance --all joined / timeout--> CompletingRebalance
//     ^                 ^          |                                   | leader's SyncGroup
//     |                 |          +--no members left--> Empty         v
//     +--last member leaves/expires, then the join completes------ Stable
//   Empty --offsets expired or DeleteGroups--> Dead (removed)

import { decodeSubscription } from '../../protocol/consumer-protocol.js';
import type { StoredOffset } from './offsets-topic.js';
import type { GroupProtocol, JoinResult, SyncResult } from './types.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const GROUP_STATES: readonly GroupState[] = [
  'Empty',
  'PreparingRebalance',
  'CompletingRebalance',
  'Stable',
  'Dead',
];

const EMPTY = Buffer.alloc(0);

export class GroupMember {
  assignment: Buffer = EMPTY;
  /** Resolves the member's pending JoinGroup. */
  awaitingJoin: ((r: JoinResult) => void) | null = null;
  /** Resolves the member's pending SyncGroup. */
  awaitingSync: ((r: SyncResult) => void) | null = null;
  heartbeatTimer: NodeJS.Timeout | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    public protocolType: string,
    public protocols: GroupProtocol[],
  ) {}

  metadataFor(protocol: string | null): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY;
  }

  /** Whether `protocols` is exactly what the member joined with last time (names, order and bytes). */
  sameProtocols(protocols: GroupProtocol[]): boolean {
    return (
      protocols.length === this.protocols.length &&
      protocols.every(
        (p, i) => p.name === this.protocols[i]!.name && p.metadata.equals(this.protocols[i]!.metadata),
      )
    );
  }
}

/**
 * Whether a rejoining static member still asks for the same thing: the same protocols and, for
 * consumer groups, the same subscribed topics (owned partitions, generation and user data change
 * with every restart, so they do not count); other protocol types compare the metadata bytes.
 */
export function sameSubscription(
  protocolType: string,
  before: GroupProtocol[],
  after: GroupProtocol[],
): boolean {
  if (before.length !== after.length) return false;
  return before.every((b, i) => {
    const a = after[i]!;
    if (a.name !== b.name) return false;
    if (a.metadata.equals(b.metadata)) return true;
    if (protocolType !== 'consumer') return false;
    try {
      const x = decodeSubscription(b.metadata);
      const y = decodeSubscription(a.metadata);
      const topics = (s: { topics: string[] }) => [...new Set(s.topics)].sort().join('\u0000');
      return topics(x) === topics(y) && x.rackId === y.rackId;
    } catch {
      return false;
    }
  });
}

export class ClassicGroup {
  state: GroupState = 'Empty';
  /** When the group entered its current state (ms); retention of an empty group counts from it. */
  stateTimestamp: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, GroupMember>();
  /** group.instance.id -> member id */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, waiting for the member to rejoin with them. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  /** Members that must still send SyncGroup for the current generation. */
  readonly pendingSyncMembers = new Set<string>();
  /** topic -> partition -> committed offset */
  readonly offsets = new Map<string, Map<number, StoredOffset>>();
  /**
   * TxnOffsetCommit offsets waiting for their transaction's marker, by producer id (Kafka's
   * pendingTransactionalOffsetCommits): a COMMIT marker on the group's __consumer_offsets partition
   * makes them committed offsets, an ABORT drops them.
   */
  readonly pendingTxnOffsets = new Map<number, Map<string, Map<number, StoredOffset>>>();
  /** The delayed join (rebalance timeout, or the initial delay of an empty group). */
  joinTimer: NodeJS.Timeout | null = null;
  initialDelayActive = false;
  /** A member joined since the initial delay was (re)armed. */
  newMemberAdded = false;
  syncTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly groupId: string,
    now: number,
  ) {
    this.stateTimestamp = now;
  }

  transitionTo(state: GroupState, now: number): void {
    this.state = state;
    this.stateTimestamp = now;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  /** A request naming a group.instance.id whose current member id is another one is fenced. */
  isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    if (groupInstanceId === null) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  add(member: GroupMember): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.leaderId ??= member.memberId;
  }

  remove(memberId: string): GroupMember | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    this.members.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.leaderId === memberId) {
      const next = this.members.keys().next();
      this.leaderId = next.done ? null : next.value;
    }
    return member;
  }

  /** Moves a static member to its new member id, keeping its assignment and leadership. */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): GroupMember {
    const member = this.members.get(oldMemberId)!;
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return member;
  }

  get awaitingJoinCount(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.awaitingJoin) n++;
    return n;
  }

  hasAllMembersJoined(): boolean {
    return this.awaitingJoinCount === this.members.size && this.pendingMembers.size === 0;
  }

  /** Largest rebalance timeout of the members: how long a rebalance waits for them to rejoin. */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** Whether a member with this protocol type and protocols can join (Kafka's supportsProtocols). */
  supportsProtocols(protocolType: string, protocolNames: string[]): boolean {
    if (this.members.size === 0) return protocolType.length > 0 && protocolNames.length > 0;
    if (this.protocolType !== protocolType) return false;
    return protocolNames.some((name) => {
      for (const m of this.members.values()) if (!m.protocols.some((p) => p.name === name)) return false;
      return true;
    });
  }

  /**
   * The protocol for the next generation: among those every member supports, the one most members
   * prefer (each votes for its first supported candidate); ties go to the earlier-joined member's vote.
   */
  selectProtocol(): string | null {
    const all = [...this.members.values()];
    if (all.length === 0) return null;
    const candidates = all[0]!.protocols
      .map((p) => p.name)
      .filter((name) => all.every((m) => m.protocols.some((p) => p.name === name)));
    if (candidates.length === 0) return null;
    const votes = new Map<string, number>();
    const order: string[] = [];
    for (const m of all) {
      const vote = m.protocols.find((p) => candidates.includes(p.name))!.name;
      if (!votes.has(vote)) order.push(vote);
      votes.set(vote, (votes.get(vote) ?? 0) + 1);
    }
    let best = order[0]!;
    for (const name of order) if (votes.get(name)! > votes.get(best)!) best = name;
    return best;
  }

  /** Whether the group can take this member (group.max.size), as Kafka's acceptJoiningMember. */
  canAccept(memberId: string, maxSize: number): boolean {
    switch (this.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance': {
        const m = this.members.get(memberId);
        return (m !== undefined && m.awaitingJoin !== null) || this.awaitingJoinCount < maxSize;
      }
      default:
        return this.members.has(memberId) || this.members.size < maxSize;
    }
  }

  /**
   * Topics the members subscribe to, for a "consumer" group (null: unknown, treat every topic as
   * subscribed). An empty group subscribes to nothing.
   */
  subscribedTopics(): Set<string> | null {
    if (this.members.size === 0) return new Set();
    if (this.protocolType !== 'consumer') return null;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      try {
        const protocol = this.protocolName ?? m.protocols[0]?.name ?? null;
        for (const t of decodeSubscription(m.metadataFor(protocol)).topics) topics.add(t);
      } catch {
        return null;
      }
    }
    return topics;
  }

  offsetCount(): number {
    let n = 0;
    for (const parts of this.offsets.values()) n += parts.size;
    return n;
  }

  setOffset(topic: string, partition: number, offset: StoredOffset): void {
    let parts = this.offsets.get(topic);
    if (!parts) this.offsets.set(topic, (parts = new Map()));
    parts.set(partition, offset);
  }

  /** Holds a transactional offset of `producerId` until its transaction ends. */
  setPendingTxnOffset(producerId: number, topic: string, partition: number, offset: StoredOffset): void {
    let byTopic = this.pendingTxnOffsets.get(producerId);
    if (!byTopic) this.pendingTxnOffsets.set(producerId, (byTopic = new Map()));
    let parts = byTopic.get(topic);
    if (!parts) byTopic.set(topic, (parts = new Map()));
    parts.set(partition, offset);
  }

  /**
   * Whether some producer's open transaction holds an offset of this partition (Kafka's
   * hasPendingOffsetCommitsForTopicPartition; OffsetFetch with require_stable refuses it).
   */
  hasPendingTxnOffset(topic: string, partition: number): boolean {
    for (const byTopic of this.pendingTxnOffsets.values())
      if (byTopic.get(topic)?.has(partition)) return true;
    return false;
  }

  /** The transaction of `producerId` ended: its offsets become committed (commit) or go (abort). */
  completeTxnOffsets(producerId: number, commit: boolean): boolean {
    const byTopic = this.pendingTxnOffsets.get(producerId);
    if (!byTopic) return false;
    this.pendingTxnOffsets.delete(producerId);
    if (commit) {
      for (const [topic, parts] of byTopic) for (const [p, o] of parts) this.setOffset(topic, p, o);
    }
    return true;
  }

  deleteOffset(topic: string, partition: number): boolean {
    const parts = this.offsets.get(topic);
    if (!parts?.delete(partition)) return false;
    if (parts.size === 0) this.offsets.delete(topic);
    return true;
  }
}
