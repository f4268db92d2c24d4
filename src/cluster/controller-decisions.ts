// The controller's decisions as a pure function of the metadata image: which partition states to
// change, and to what. The etcd controller applies them with compare-and-set; a lost race is simply
// recomputed on the next pass, so the rules only need to be right for one snapshot.
//
// The rules are Kafka's (the ZooKeeper controller's partition state machine and KRaft's
// PartitionChangeBuilder):
// - A replica whose broker is not live leaves the ISR, except that the ISR never becomes empty: the
//   last member stays, so that a clean election can bring it back as leader when it returns.
// - A partition whose leader is not live, not in the ISR or no longer a replica gets a new leader: the
//   first replica in `replicas` order that is live, in the ISR and not shutting down. A live leader
//   that is shutting down hands over too when such a replica exists (controlled shutdown).
// - With no such replica the partition goes offline (leader -1). Unclean leader election
//   (`unclean.leader.election.enable`) may instead pick a live replica outside the ISR, which then
//   becomes the whole ISR (and data the old ISR had may be lost — the reason it is off by default).
// - A reassignment (KIP-455) completes once every target replica is in the ISR: replicas = target,
//   ISR = ISR ∩ target, adding/removing cleared; a leader being removed is replaced within target.
// - Every leader change bumps leaderEpoch (also to -1 and back); every change bumps partitionEpoch.

import { nextPartitionState } from './partition-state.js';
import type { MetadataImage, PartitionState } from './types.js';

export const UNCLEAN_LEADER_ELECTION_CONFIG = 'unclean.leader.election.enable';

export interface ReconcileOptions {
  /** Broker-level `unclean.leader.election.enable` (false by default, as in Kafka). */
  uncleanLeaderElection?: boolean;
}

export interface PartitionDecision {
  topic: string;
  partition: number;
  expected: PartitionState;
  next: PartitionState;
  /** Why (for the log line). */
  reason: string;
}

export function reconcile(image: MetadataImage, options: ReconcileOptions = {}): PartitionDecision[] {
  const out: PartitionDecision[] = [];
  for (const [topic, states] of image.partitions) {
    const unclean = uncleanEnabled(image, topic, options);
    states.forEach((state, partition) => {
      // A sparse array can appear transiently while a topic's keys arrive; skip the holes.
      if (!state) return;
      const decision = reconcilePartition(image, state, unclean);
      if (decision) out.push({ topic, partition, expected: state, ...decision });
    });
  }
  return out;
}

function uncleanEnabled(image: MetadataImage, topic: string, options: ReconcileOptions): boolean {
  const override = image.topics.get(topic)?.configs[UNCLEAN_LEADER_ELECTION_CONFIG];
  if (override !== undefined) return override.trim().toLowerCase() === 'true';
  return options.uncleanLeaderElection ?? false;
}

/** The change one partition needs, or null when it is settled. */
export function reconcilePartition(
  image: MetadataImage,
  state: PartitionState,
  unclean: boolean,
): { next: PartitionState; reason: string } | null {
  const live = (id: number): boolean => image.brokers.has(id);
  const shuttingDown = (id: number): boolean => image.brokers.get(id)?.shuttingDown === true;
  const reasons: string[] = [];

  let replicas = [...state.replicas];
  let isr = [...state.isr];
  let adding = [...state.addingReplicas];
  let removing = [...state.removingReplicas];
  let leader = state.leader;

  // KIP-455: the reassignment is done once all target replicas have caught up.
  if (adding.length > 0 || removing.length > 0) {
    const target = replicas.filter((r) => !removing.includes(r));
    if (target.length > 0 && target.every((r) => isr.includes(r))) {
      replicas = target;
      isr = isr.filter((r) => target.includes(r));
      adding = [];
      removing = [];
      reasons.push('reassignment complete');
    }
  }

  // Dead replicas leave the ISR; the last member stays (preferably the leader, which has the most data).
  const liveIsr = isr.filter(live);
  if (liveIsr.length !== isr.length) {
    if (liveIsr.length > 0) isr = liveIsr;
    else if (isr.length > 1) isr = [isr.includes(leader) ? leader : isr[0]!];
    if (isr.length !== state.isr.length) reasons.push('dead replicas left the ISR');
  }

  const eligible = replicas.filter((r) => live(r) && isr.includes(r) && !shuttingDown(r));
  const leaderUsable = leader !== -1 && live(leader) && isr.includes(leader) && replicas.includes(leader);
  if (!leaderUsable) {
    const chosen = eligible[0];
    if (chosen !== undefined) {
      leader = chosen;
      reasons.push(`leader ${state.leader} -> ${chosen}`);
    } else if (unclean && replicas.some((r) => live(r) && !shuttingDown(r))) {
      leader = replicas.find((r) => live(r) && !shuttingDown(r))!;
      isr = [leader];
      reasons.push(`unclean election of ${leader}`);
    } else if (leader !== -1) {
      leader = -1;
      reasons.push('offline: no live in-sync replica');
    }
  } else if (shuttingDown(leader)) {
    const chosen = eligible.find((r) => r !== leader);
    if (chosen !== undefined) {
      // As Kafka's controlled shutdown does, the leaving broker also leaves the ISR.
      const old = leader;
      leader = chosen;
      if (isr.length > 1) isr = isr.filter((r) => r !== old);
      reasons.push(`leader ${old} is shutting down -> ${chosen}`);
    }
  }

  const next = nextPartitionState(state, {
    replicas,
    isr,
    leader,
    addingReplicas: adding,
    removingReplicas: removing,
  });
  if (samePartitionState(state, next)) return null;
  return { next, reason: reasons.join('; ') };
}

/** Equal apart from the epochs. */
export function samePartitionState(a: PartitionState, b: PartitionState): boolean {
  return (
    a.leader === b.leader &&
    sameList(a.replicas, b.replicas) &&
    sameList(a.isr, b.isr) &&
    sameList(a.addingReplicas, b.addingReplicas) &&
    sameList(a.removingReplicas, b.removingReplicas)
  );
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
