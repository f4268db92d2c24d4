// Consumer groups (classic protocol) and committed offsets on __consumer_offsets.

export { GroupCoordinator, type GroupCoordinatorOptions } from './coordinator.js';
export {
  DEFAULT_GROUP_COORDINATOR_CONFIG,
  groupCoordinatorConfig,
  type GroupCoordinatorConfig,
} from './config.js';
export { OFFSETS_TOPIC, partitionForGroup, javaStringHashCode } from './offsets-topic.js';
export type { OffsetsTopicAccess } from './store.js';
export type * from './types.js';
