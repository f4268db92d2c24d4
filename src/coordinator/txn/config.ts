// The transaction coordinator's and producer state's settings (Kafka's key names).

import type { ResolvedConfig } from '../../config/load.js';

export interface TxnConfig {
  /** transaction.state.log.num.partitions (used when __transaction_state is created) */
  stateLogPartitions: number;
  /** transaction.max.timeout.ms: the largest transaction timeout a producer may ask for */
  maxTimeoutMs: number;
  /** transactional.id.expiration.ms: an idle transactional id is forgotten after this */
  transactionalIdExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  abortTimedOutIntervalMs: number;
  /** producer.id.expiration.ms: idle producer ids' sequence state is forgotten after this */
  producerIdExpirationMs: number;
  /** producer.id.expiration.check.interval.ms */
  producerIdExpirationCheckIntervalMs: number;
}

export const DEFAULT_TXN_CONFIG: TxnConfig = {
  stateLogPartitions: 50,
  maxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 604_800_000,
  abortTimedOutIntervalMs: 10_000,
  producerIdExpirationMs: 86_400_000,
  producerIdExpirationCheckIntervalMs: 600_000,
};

export function txnConfig(config: ResolvedConfig): TxnConfig {
  return {
    stateLogPartitions: config.get<number>('transaction.state.log.num.partitions'),
    maxTimeoutMs: config.get<number>('transaction.max.timeout.ms'),
    transactionalIdExpirationMs: config.get<number>('transactional.id.expiration.ms'),
    abortTimedOutIntervalMs: config.get<number>(
      'transaction.abort.timed.out.transaction.cleanup.interval.ms',
    ),
    producerIdExpirationMs: config.get<number>('producer.id.expiration.ms'),
    producerIdExpirationCheckIntervalMs: config.get<number>('producer.id.expiration.check.interval.ms'),
  };
}
