// The group consumer of FluxMQ's client (used by `fluxmq consume --group`), and its assignors.

export {
  ConsumerHandlerError,
  GroupConsumer,
  type ConsumedBatch,
  type ConsumedMessage,
  type ConsumerLogger,
  type GroupConsumerOptions,
  type TopicPartition,
} from './group-consumer.js';
export {
  ASSIGNOR_NAMES,
  CooperativeStickyAssignor,
  RangeAssignor,
  RoundRobinAssignor,
  StickyAssignor,
  assignorByName,
  type AssignorName,
  type GroupAssignment,
  type MemberSubscription,
  type PartitionAssignor,
  type TopicPartitions,
} from './assignors/index.js';
