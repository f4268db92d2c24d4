// How a partition's state changes: every change bumps partitionEpoch (the compare-and-set version),
// and a change of leader also bumps leaderEpoch (Kafka's rule; followers and clients fence on it).

import type { PartitionState } from './types.js';

export type PartitionStateChange = Partial<
  Pick<PartitionState, 'replicas' | 'isr' | 'leader' | 'addingReplicas' | 'removingReplicas'>
>;

export function nextPartitionState(state: PartitionState, change: PartitionStateChange): PartitionState {
  const next = { ...state, ...change };
  return {
    ...next,
    leaderEpoch: next.leader !== state.leader ? state.leaderEpoch + 1 : state.leaderEpoch,
    partitionEpoch: state.partitionEpoch + 1,
  };
}
