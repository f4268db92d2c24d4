// The records of __transaction_state, in Kafka's own format: key = int16 version (0) +
// TransactionLogKey, value = int16 version (0) + TransactionLogValue, null value = the
// transactional id was removed (expired). A transactional id lives on partition
// abs(javaHashCode(id)) % partitions, as in Kafka.

import { ProtocolDecodeError, Reader } from '../../protocol/codec/reader.js';
import { Writer } from '../../protocol/codec/writer.js';
import {
  decodeTransactionLogKey,
  decodeTransactionLogValue,
  encodeTransactionLogKey,
  encodeTransactionLogValue,
  type TransactionLogValue,
} from '../../protocol/messages/index.js';
import { partitionForGroup } from '../group/offsets-topic.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

export const TRANSACTION_STATE_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact',
  'segment.bytes': String(104_857_600),
};

/** Kafka's TransactionState ids, as stored in TransactionLogValue.transactionStatus. */
export const TxnStatus = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;
export type TxnStatus = (typeof TxnStatus)[keyof typeof TxnStatus];

export const TXN_STATUS_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(TxnStatus).map(([k, v]) => [v, k]),
);

export function partitionForTransactionalId(transactionalId: string, partitions: number): number {
  return partitionForGroup(transactionalId, partitions);
}

export interface TxnRecordValue {
  producerId: number;
  previousProducerId: number;
  producerEpoch: number;
  timeoutMs: number;
  status: TxnStatus;
  partitions: Map<string, Set<number>>;
  lastUpdateTimestamp: number;
  startTimestamp: number;
}

export function transactionLogRecord(
  transactionalId: string,
  v: TxnRecordValue | null,
): { key: Buffer; value: Buffer | null } {
  const kw = new Writer(32);
  kw.writeInt16(0);
  encodeTransactionLogKey(kw, { transactionalId }, 0);
  if (v === null) return { key: kw.toBuffer(), value: null };
  const vw = new Writer(64);
  vw.writeInt16(0);
  encodeTransactionLogValue(
    vw,
    {
      producerId: v.producerId,
      previousProducerId: v.previousProducerId,
      nextProducerId: -1,
      producerEpoch: v.producerEpoch,
      transactionTimeoutMs: v.timeoutMs,
      transactionStatus: v.status,
      transactionPartitions: [...v.partitions].map(([topic, ps]) => ({ topic, partitionIds: [...ps] })),
      transactionLastUpdateTimestampMs: v.lastUpdateTimestamp,
      transactionStartTimestampMs: v.startTimestamp,
    },
    0,
  );
  return { key: kw.toBuffer(), value: vw.toBuffer() };
}

/** Decodes one record; null when the key is of a version this broker does not know. */
export function decodeTransactionLogRecord(
  key: Buffer,
  value: Buffer | null,
): { transactionalId: string; value: TxnRecordValue | null } | null {
  const kr = new Reader(key);
  const keyVersion = kr.readInt16();
  if (keyVersion !== 0) return null;
  const { transactionalId } = decodeTransactionLogKey(kr, 0);
  if (value === null) return { transactionalId, value: null };
  const vr = new Reader(value);
  const version = vr.readInt16();
  if (version < 0) throw new ProtocolDecodeError(`TransactionLogValue has negative version ${version}`);
  const v: TransactionLogValue = decodeTransactionLogValue(vr, Math.min(version, 1));
  return {
    transactionalId,
    value: {
      producerId: v.producerId,
      previousProducerId: v.previousProducerId,
      producerEpoch: v.producerEpoch,
      timeoutMs: v.transactionTimeoutMs,
      status: v.transactionStatus as TxnStatus,
      partitions: new Map((v.transactionPartitions ?? []).map((p) => [p.topic, new Set(p.partitionIds)])),
      lastUpdateTimestamp: v.transactionLastUpdateTimestampMs,
      startTimestamp: v.transactionStartTimestampMs,
    },
  };
}
