// Control records: the single record of a control batch (attributes bit 5), written by the broker.
//
//   key:   version int16 (0) | type int16 (0 ABORT, 1 COMMIT; KRaft uses 2-6 in its own log)
//   value of an ABORT/COMMIT marker (EndTxnMarker): version int16 (0) | coordinatorEpoch int32
//
// A transaction marker batch is transactional + control, carries the producer's id and epoch,
// baseSequence -1, and its record's key/value as above (what Java's MemoryRecords.withEndTransactionMarker
// writes). Newer key/value versions are read as long as the v0 fields are there, as Java does.

import { CorruptRecordError } from './errors.js';
import { encodeRecordBatchSync, type DecodedBatch } from './record-batch.js';

export const ControlRecordType = {
  ABORT: 0,
  COMMIT: 1,
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const;

export interface ControlRecordKey {
  version: number;
  type: number;
}

export interface EndTxnMarker {
  version: number;
  coordinatorEpoch: number;
}

export const CONTROL_KEY_SIZE = 4;
export const END_TXN_MARKER_VALUE_SIZE = 6;

export function encodeControlRecordKey(type: number, version = 0): Buffer {
  const b = Buffer.allocUnsafe(CONTROL_KEY_SIZE);
  b.writeInt16BE(version, 0);
  b.writeInt16BE(type, 2);
  return b;
}

export function decodeControlRecordKey(key: Buffer | null): ControlRecordKey {
  if (key === null || key.length < CONTROL_KEY_SIZE) {
    throw new CorruptRecordError(
      `control record key needs ${CONTROL_KEY_SIZE} bytes, has ${key?.length ?? 'null'}`,
    );
  }
  const version = key.readInt16BE(0);
  if (version < 0) throw new CorruptRecordError(`control record key has version ${version}`);
  return { version, type: key.readInt16BE(2) };
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number, version = 0): Buffer {
  const b = Buffer.allocUnsafe(END_TXN_MARKER_VALUE_SIZE);
  b.writeInt16BE(version, 0);
  b.writeInt32BE(coordinatorEpoch, 2);
  return b;
}

export function decodeEndTxnMarkerValue(value: Buffer | null): EndTxnMarker {
  if (value === null || value.length < END_TXN_MARKER_VALUE_SIZE) {
    throw new CorruptRecordError(
      `end transaction marker needs ${END_TXN_MARKER_VALUE_SIZE} bytes, has ${value?.length ?? 'null'}`,
    );
  }
  const version = value.readInt16BE(0);
  if (version < 0) throw new CorruptRecordError(`end transaction marker has version ${version}`);
  return { version, coordinatorEpoch: value.readInt32BE(2) };
}

export interface EndTxnMarkerBatchInput {
  producerId: number;
  producerEpoch: number;
  /** true: COMMIT, false: ABORT. */
  commit: boolean;
  coordinatorEpoch: number;
  /** Offset the marker takes in the log (default 0, to be assigned by the log). */
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  /** Default now. */
  timestamp?: number;
}

/** A complete control batch holding one COMMIT or ABORT marker, with its CRC. */
export function buildEndTxnMarkerBatch(input: EndTxnMarkerBatchInput): Buffer {
  const timestamp = input.timestamp ?? Date.now();
  return encodeRecordBatchSync({
    records: [
      {
        key: encodeControlRecordKey(input.commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT),
        value: encodeEndTxnMarkerValue(input.coordinatorEpoch),
        timestamp,
      },
    ],
    baseOffset: input.baseOffset ?? 0,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? -1,
    producerId: input.producerId,
    producerEpoch: input.producerEpoch,
    baseSequence: -1,
    transactional: true,
    control: true,
  });
}

export interface DecodedTxnMarker {
  commit: boolean;
  coordinatorEpoch: number;
  producerId: number;
  producerEpoch: number;
  offset: number;
}

/** The COMMIT/ABORT marker of a decoded control batch, or null if it is not a transaction marker. */
export function txnMarkerOf(batch: DecodedBatch): DecodedTxnMarker | null {
  if (!batch.isControl || batch.records.length === 0) return null;
  const record = batch.records[0]!;
  const { type } = decodeControlRecordKey(record.key);
  if (type !== ControlRecordType.ABORT && type !== ControlRecordType.COMMIT) return null;
  return {
    commit: type === ControlRecordType.COMMIT,
    coordinatorEpoch: decodeEndTxnMarkerValue(record.value).coordinatorEpoch,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    offset: record.offset,
  };
}
