// The partition assignors our consumer offers, by the protocol names Kafka clients share.

import { RangeAssignor } from './range.js';
import { RoundRobinAssignor } from './round-robin.js';
import { CooperativeStickyAssignor, StickyAssignor } from './sticky.js';
import type { PartitionAssignor } from './types.js';

export { RangeAssignor } from './range.js';
export { RoundRobinAssignor } from './round-robin.js';
export { CooperativeStickyAssignor, StickyAssignor, stickyAssign } from './sticky.js';
export type { GroupAssignment, MemberSubscription, PartitionAssignor, TopicPartitions } from './types.js';

export type AssignorName = 'range' | 'roundrobin' | 'sticky' | 'cooperative-sticky';

export const ASSIGNOR_NAMES: readonly AssignorName[] = [
  'range',
  'roundrobin',
  'sticky',
  'cooperative-sticky',
];

export function assignorByName(name: AssignorName): PartitionAssignor {
  switch (name) {
    case 'range':
      return new RangeAssignor();
    case 'roundrobin':
      return new RoundRobinAssignor();
    case 'sticky':
      return new StickyAssignor();
    case 'cooperative-sticky':
      return new CooperativeStickyAssignor();
    default:
      throw new Error(`unknown assignor '${String(name)}' (known: ${ASSIGNOR_NAMES.join(', ')})`);
  }
}
