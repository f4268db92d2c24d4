// Producer ids, idempotent producer state and transactions on __transaction_state.

export {
  TransactionCoordinator,
  PRODUCER_FENCED_SINCE,
  TXN_STATE_NAMES,
  type TxnCoordinatorOptions,
  type TxnMetadata,
} from './coordinator.js';
export { DEFAULT_TXN_CONFIG, txnConfig, type TxnConfig } from './config.js';
export {
  PartitionProducerState,
  ProducerStateRegistry,
  type ProducerBatchInfo,
  type SequenceCheck,
} from './producer-state.js';
export { TRANSACTION_STATE_TOPIC, TxnStatus } from './transaction-log.js';
