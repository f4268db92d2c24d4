// Sticky assignors: as balanced as possible (partition counts differ by at most one where the
// subscriptions allow it), and moving as few partitions as possible from their previous owners.
//
// - "sticky" (eager): every member revokes everything before rejoining, so each member reports
//   what it owned in its subscription (ownedPartitions + generationId), and the leader keeps those
//   in place wherever balance allows.
// - "cooperative-sticky" (KIP-429): the same assignment, except that a partition moving from one
//   member to another is withheld this round; its old owner sees it gone from its assignment,
//   revokes it and rejoins, and the next rebalance hands it to its new owner.
//
// Previous ownership counts only for members reporting the newest generation (older claims may
// have been reassigned since); a partition claimed twice in that generation goes to the first
// claimant in Java's member order.

import {
  cmp,
  compareMembers,
  emptyAssignment,
  normalize,
  addPartition,
  type GroupAssignment,
  type MemberSubscription,
  type PartitionAssignor,
} from './types.js';

/** A partition as one string key. */
type TP = string;
const tpKey = (topic: string, partition: number): TP => `${topic}\u0000${partition}`;
function tpParse(tp: TP): [string, number] {
  const i = tp.lastIndexOf('\u0000');
  return [tp.slice(0, i), Number(tp.slice(i + 1))];
}

export interface StickyResult {
  assignment: Map<string, TP[]>;
  /** Each partition's owner in the previous generation (members still in the group only). */
  previousOwner: Map<TP, string>;
}

/** The sticky assignment, as partition keys per member. */
export function stickyAssign(
  members: MemberSubscription[],
  partitionsPerTopic: ReadonlyMap<string, number>,
): StickyResult {
  const sorted = [...members].sort(compareMembers);
  const subs = new Map(sorted.map((m) => [m.memberId, new Set(m.topics)]));
  const topics = [...new Set(sorted.flatMap((m) => m.topics))].sort(cmp);

  const all: TP[] = [];
  const order = new Map<TP, number>();
  const eligible = new Map<TP, string[]>();
  for (const topic of topics) {
    const consumers = sorted.filter((m) => subs.get(m.memberId)!.has(topic)).map((m) => m.memberId);
    const count = partitionsPerTopic.get(topic) ?? 0;
    for (let p = 0; p < count; p++) {
      const tp = tpKey(topic, p);
      order.set(tp, all.length);
      all.push(tp);
      eligible.set(tp, consumers);
    }
  }
  const byOrder = (a: TP, b: TP) => order.get(a)! - order.get(b)!;

  // previous owners: only claims from the newest generation reported count
  let maxGeneration = -1;
  for (const m of sorted) {
    if (m.ownedPartitions.some((o) => o.partitions.length > 0))
      maxGeneration = Math.max(maxGeneration, m.generationId);
  }
  const previousOwner = new Map<TP, string>();
  const owned = new Map<string, TP[]>(sorted.map((m) => [m.memberId, []]));
  for (const m of sorted) {
    if (m.generationId < maxGeneration) continue;
    for (const o of m.ownedPartitions) {
      for (const p of o.partitions) {
        const tp = tpKey(o.topic, p);
        if (!eligible.get(tp)?.includes(m.memberId) || previousOwner.has(tp)) continue;
        previousOwner.set(tp, m.memberId);
        owned.get(m.memberId)!.push(tp);
      }
    }
  }
  for (const list of owned.values()) list.sort(byOrder);

  const first = sorted[0];
  const sameSubscriptions =
    first !== undefined &&
    sorted.every((m) => {
      const a = subs.get(m.memberId)!;
      const b = subs.get(first.memberId)!;
      return a.size === b.size && [...a].every((t) => b.has(t));
    });

  const assignment = sameSubscriptions
    ? constrained(sorted, all, owned, previousOwner, byOrder)
    : general(sorted, all, owned, previousOwner, eligible, byOrder);
  return { assignment, previousOwner };
}

/** Every member subscribes to the same topics: each ends with floor or ceil of the average. */
function constrained(
  sorted: MemberSubscription[],
  all: TP[],
  owned: Map<string, TP[]>,
  previousOwner: Map<TP, string>,
  byOrder: (a: TP, b: TP) => number,
): Map<string, TP[]> {
  const n = all.length;
  const m = sorted.length;
  const minQuota = Math.floor(n / m);
  const maxQuota = Math.ceil(n / m);
  let maxSlots = n % m; // members that may hold maxQuota
  const assigned = new Map<string, TP[]>();
  const taken = new Set<TP>();
  // the largest previous owners keep the most
  const byOwned = [...sorted].sort(
    (a, b) => owned.get(b.memberId)!.length - owned.get(a.memberId)!.length || compareMembers(a, b),
  );
  for (const member of byOwned) {
    const mine = owned.get(member.memberId)!;
    let keep = Math.min(mine.length, minQuota);
    if (minQuota !== maxQuota && mine.length >= maxQuota && maxSlots > 0) {
      keep = maxQuota;
      maxSlots--;
    }
    const kept = mine.slice(0, keep);
    for (const tp of kept) taken.add(tp);
    assigned.set(member.memberId, kept);
  }
  const unassigned = all.filter((tp) => !taken.has(tp));
  let next = 0;
  for (const member of sorted) {
    const list = assigned.get(member.memberId)!;
    while (list.length < minQuota && next < unassigned.length) list.push(unassigned[next++]!);
  }
  // the rest (one each) go to members at minQuota, their previous owner first
  for (; next < unassigned.length; next++) {
    const tp = unassigned[next]!;
    const prev = previousOwner.get(tp);
    let target =
      prev !== undefined && assigned.get(prev)!.length === minQuota && maxSlots > 0 ? prev : undefined;
    target ??= sorted.find((s) => assigned.get(s.memberId)!.length === minQuota)?.memberId;
    target ??= sorted.reduce((a, b) =>
      assigned.get(b.memberId)!.length < assigned.get(a.memberId)!.length ? b : a,
    ).memberId;
    assigned.get(target)!.push(tp);
    maxSlots--;
  }
  for (const list of assigned.values()) list.sort(byOrder);
  return assigned;
}

/** Members subscribe to different topics: keep what was owned, fill, then even out by moves. */
function general(
  sorted: MemberSubscription[],
  all: TP[],
  owned: Map<string, TP[]>,
  previousOwner: Map<TP, string>,
  eligible: Map<TP, string[]>,
  byOrder: (a: TP, b: TP) => number,
): Map<string, TP[]> {
  const assigned = new Map<string, TP[]>(sorted.map((m) => [m.memberId, [...owned.get(m.memberId)!]]));
  const count = (id: string) => assigned.get(id)!.length;
  const unassigned = all
    .filter((tp) => !previousOwner.has(tp))
    .sort((a, b) => eligible.get(a)!.length - eligible.get(b)!.length || byOrder(a, b));
  for (const tp of unassigned) {
    const candidates = eligible.get(tp)!;
    if (candidates.length === 0) continue;
    const target = candidates.reduce((a, b) => (count(b) < count(a) ? b : a));
    assigned.get(target)!.push(tp);
  }
  // even out: move a partition from a fuller member to an emptier eligible one while that helps
  for (let guard = 0; guard < all.length * sorted.length + 1; guard++) {
    const desc = [...sorted].sort((a, b) => count(b.memberId) - count(a.memberId) || compareMembers(a, b));
    let moved = false;
    outer: for (const from of desc) {
      for (let i = desc.length - 1; i >= 0; i--) {
        const to = desc[i]!;
        if (count(from.memberId) - count(to.memberId) <= 1) continue;
        const list = assigned.get(from.memberId)!;
        // prefer moving partitions the member did not own before
        const movable = list
          .filter((tp) => eligible.get(tp)!.includes(to.memberId))
          .sort(
            (a, b) =>
              Number(previousOwner.get(a) === from.memberId) - Number(previousOwner.get(b) === from.memberId),
          );
        const tp = movable[0];
        if (tp === undefined) continue;
        list.splice(list.indexOf(tp), 1);
        assigned.get(to.memberId)!.push(tp);
        moved = true;
        break outer;
      }
    }
    if (!moved) break;
  }
  for (const list of assigned.values()) list.sort(byOrder);
  return assigned;
}

function toGroupAssignment(members: MemberSubscription[], assignment: Map<string, TP[]>): GroupAssignment {
  const out = emptyAssignment(members);
  for (const [member, tps] of assignment) {
    for (const tp of tps) {
      const [topic, partition] = tpParse(tp);
      addPartition(out, member, topic, partition);
    }
  }
  return normalize(out);
}

export class StickyAssignor implements PartitionAssignor {
  readonly name = 'sticky';
  readonly rebalanceProtocol = 'eager' as const;

  assign(members: MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): GroupAssignment {
    return toGroupAssignment(members, stickyAssign(members, partitionsPerTopic).assignment);
  }
}

export class CooperativeStickyAssignor implements PartitionAssignor {
  readonly name = 'cooperative-sticky';
  readonly rebalanceProtocol = 'cooperative' as const;

  assign(members: MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): GroupAssignment {
    const { assignment, previousOwner } = stickyAssign(members, partitionsPerTopic);
    // a partition changing hands is withheld until its old owner has revoked it
    for (const [member, tps] of assignment) {
      assignment.set(
        member,
        tps.filter((tp) => {
          const prev = previousOwner.get(tp);
          return prev === undefined || prev === member;
        }),
      );
    }
    return toGroupAssignment(members, assignment);
  }
}
