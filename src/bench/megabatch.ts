// MegaBatch: Produce request frames encoded once, ahead of the run, and re-sent with only the
// fields that must change patched in place: the correlation id always; for end-to-end latency also
// a send timestamp in the first record's value, the batch timestamps, and the CRC they invalidate.
// The load generator then spends its CPU on the socket, not on encoding.

import { Writer } from '../protocol/codec/writer.js';
import { encodeRequestFrame } from '../protocol/framing.js';
import { ApiKey, encodeProduceRequest } from '../protocol/messages/index.js';
import {
  BASE_TIMESTAMP,
  CRC,
  MAX_TIMESTAMP,
  RECORDS,
  computeBatchCrc,
  writeInt64,
} from '../protocol/records/batch-header.js';
import type { CompressionType } from '../protocol/records/compression/index.js';
import { encodeRecordBatch } from '../protocol/records/record-batch.js';
import { payload } from './payload.js';

export const PRODUCE_VERSION = 9;

export interface MegaBatchSpec {
  topic: string;
  partition: number;
  recordCount: number;
  recordSize: number;
  acks: number;
  compression: CompressionType;
  timeoutMs?: number;
  clientId?: string;
}

export interface MegaBatchFrame {
  /** The whole request frame, size prefix included. */
  frame: Buffer;
  /** Where the record batch starts inside the frame. */
  batchAt: number;
  batchSize: number;
  recordCount: number;
  /** Bytes of record values in the batch (what MB/s counts). */
  payloadBytes: number;
  /** Position of the first record's value inside the frame (uncompressed batches only), else -1. */
  firstValueAt: number;
}

/** Encodes one Produce request frame carrying one batch of `recordCount` records. */
export async function buildMegaBatch(spec: MegaBatchSpec): Promise<MegaBatchFrame> {
  const records = Array.from({ length: spec.recordCount }, (_, i) => ({
    key: null,
    value: payload(spec.recordSize, i + 1),
  }));
  const batch = await encodeRecordBatch({
    records,
    compression: spec.compression,
    baseTimestamp: Date.now(),
  });
  const parts = encodeRequestFrame(
    {
      apiKey: ApiKey.Produce,
      apiVersion: PRODUCE_VERSION,
      correlationId: 0,
      clientId: spec.clientId ?? 'fluxmq-bench',
    },
    (w: Writer) =>
      encodeProduceRequest(
        w,
        {
          transactionalId: null,
          acks: spec.acks,
          timeoutMs: spec.timeoutMs ?? 30_000,
          topicData: [{ name: spec.topic, partitionData: [{ index: spec.partition, records: batch }] }],
        },
        PRODUCE_VERSION,
      ),
  );
  const frame = Buffer.concat(parts);
  const batchAt = frame.indexOf(batch.subarray(0, RECORDS));
  if (batchAt < 0) throw new Error('record batch not found in the encoded frame');
  return {
    frame,
    batchAt,
    batchSize: batch.length,
    recordCount: spec.recordCount,
    payloadBytes: spec.recordCount * spec.recordSize,
    firstValueAt: spec.compression === 'none' ? firstValueOffset(frame, batchAt + RECORDS) : -1,
  };
}

/** A copy of a frame, for pipelining: a frame must not change while the socket still holds it. */
export function cloneFrame(f: MegaBatchFrame): MegaBatchFrame {
  return { ...f, frame: Buffer.from(f.frame) };
}

/**
 * Stamps a send time (microseconds since the epoch, float64) into the first 8 bytes of the first
 * record's value, sets the batch timestamps to now, and recomputes the CRC. Needs an uncompressed
 * batch with records of at least 8 bytes.
 */
export function stampSendTime(f: MegaBatchFrame, nowMicros: number): void {
  if (f.firstValueAt < 0) throw new Error('send-time stamps need uncompressed batches');
  f.frame.writeDoubleBE(nowMicros, f.firstValueAt);
  const ms = Math.floor(nowMicros / 1000);
  writeInt64(f.frame, f.batchAt + BASE_TIMESTAMP, ms);
  writeInt64(f.frame, f.batchAt + MAX_TIMESTAMP, ms);
  f.frame.writeUInt32BE(computeBatchCrc(f.frame, f.batchAt, f.batchSize), f.batchAt + CRC);
}

/** Reads the send time stamped by stampSendTime from an uncompressed batch at `at` in `buf`. */
export function readSendTime(buf: Buffer, at: number): number {
  return buf.readDoubleBE(firstValueOffset(buf, at + RECORDS));
}

/** Walks the first record's varints (length, attributes, timestamp delta, offset delta, key) to its value. */
function firstValueOffset(buf: Buffer, at: number): number {
  let p = at;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = buf[p++]!;
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  };
  varint(); // record length
  p += 1; // attributes
  varint(); // timestamp delta
  varint(); // offset delta
  const keyLength = varint();
  if (keyLength > 0) p += keyLength;
  varint(); // value length
  return p;
}
