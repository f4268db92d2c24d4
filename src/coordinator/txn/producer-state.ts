// Idempotence and transaction state of the producers writing to one partition, as Kafka's
// ProducerStateManager keeps it:
//
// - per producer id: its epoch and the sequence ranges (with their offsets) of its last five
//   batches, so a retried batch is recognised and answered with the offsets it got the first time;
// - the transactions in progress (first offset per producer), which bound the last stable offset
//   (LSO) read_committed consumers read up to;
// - the aborted-transaction index: (producer id, first offset, marker offset) of every aborted
//   transaction, handed to read_committed fetches so clients drop the aborted records.
//
// The state is rebuilt from the log by scanning batch headers (and the key of each control record),
// so it survives a restart without a snapshot file.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ATTRIBUTES,
  BASE_SEQUENCE,
  CONTROL_FLAG,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAX_TIMESTAMP,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORDS,
  TRANSACTIONAL_FLAG,
  batchSizeAt,
  readInt64,
} from '../../protocol/records/batch-header.js';
import { ControlRecordType } from '../../protocol/records/control-record.js';
import { ByteCursor } from '../../protocol/records/varint.js';
import type { PartitionLog } from '../../storage/index.js';

/** Kafka keeps this many batches per producer for duplicate detection (the client's max in-flight). */
export const NUM_BATCHES_TO_RETAIN = 5;
const INT32_MAX = 2_147_483_647;

/** What the checks need from a batch header (ValidatedBatch has all of it). */
export interface ProducerBatchInfo {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  isTransactional: boolean;
}

export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}

export interface ProducerEntry {
  producerId: number;
  epoch: number;
  batches: BatchMetadata[];
  /** Wall clock (ms) of the last write, for producer.id.expiration.ms. */
  lastTimestamp: number;
  coordinatorEpoch: number;
  /** First offset of the transaction in progress, -1 when none. */
  currentTxnFirstOffset: number;
}

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  /** Offset of the ABORT marker. */
  lastOffset: number;
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; firstOffset: number; lastOffset: number }
  | { kind: 'error'; errorCode: number; message: string };

const APPEND: SequenceCheck = { kind: 'append' };

/** The sequence `delta` after `seq`, wrapping past Int32.MAX to 0 as Kafka does. */
export function incrementSequence(seq: number, delta: number): number {
  return seq > INT32_MAX - delta ? delta - (INT32_MAX - seq) - 1 : seq + delta;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

export class PartitionProducerState {
  readonly producers = new Map<number, ProducerEntry>();
  /** Aborted transactions in marker order. */
  readonly aborted: AbortedTxn[] = [];
  /** Producer id -> first offset of its open transaction. */
  private readonly ongoing = new Map<number, number>();

  /** Whether the batch may be appended, is a duplicate of a recent one, or must be refused. */
  check(b: ProducerBatchInfo): SequenceCheck {
    if (b.producerId < 0) return APPEND;
    const entry = this.producers.get(b.producerId);
    if (!entry) return APPEND; // unknown producer (new, or its state expired): any sequence, as Kafka
    if (b.producerEpoch < entry.epoch) {
      return {
        kind: 'error',
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `Epoch of producer ${b.producerId} is ${b.producerEpoch}, which is smaller than the last seen epoch ${entry.epoch}`,
      };
    }
    const lastSeq = incrementSequence(b.baseSequence, b.lastOffsetDelta);
    if (b.producerEpoch === entry.epoch) {
      const dup = entry.batches.find((m) => m.firstSeq === b.baseSequence && m.lastSeq === lastSeq);
      if (dup) return { kind: 'duplicate', firstOffset: dup.firstOffset, lastOffset: dup.lastOffset };
      const currentLast = entry.batches.at(-1)?.lastSeq ?? -1;
      if (entry.epoch >= 0 && !inSequence(currentLast, b.baseSequence)) {
        return {
          kind: 'error',
          errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          message: `Out of order sequence number for producer ${b.producerId}: ${b.baseSequence} (incoming seq. number), ${currentLast} (current end sequence number)`,
        };
      }
    } else if (b.baseSequence !== 0 && entry.epoch >= 0) {
      return {
        kind: 'error',
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `Invalid sequence number for new epoch of producer ${b.producerId}: ${b.producerEpoch} (request epoch), ${b.baseSequence} (seq. number), ${entry.epoch} (current producer epoch)`,
      };
    }
    if (!b.isTransactional && entry.currentTxnFirstOffset >= 0) {
      return {
        kind: 'error',
        errorCode: ErrorCode.INVALID_TXN_STATE,
        message: `Expected transactional write from producer ${b.producerId} at offset ${entry.currentTxnFirstOffset}`,
      };
    }
    return APPEND;
  }

  private entryFor(producerId: number, epoch: number): ProducerEntry {
    let entry = this.producers.get(producerId);
    if (!entry) {
      entry = {
        producerId,
        epoch,
        batches: [],
        lastTimestamp: 0,
        coordinatorEpoch: -1,
        currentTxnFirstOffset: -1,
      };
      this.producers.set(producerId, entry);
    }
    if (epoch > entry.epoch) {
      entry.epoch = epoch;
      entry.batches = [];
    }
    return entry;
  }

  /** Records an appended batch of a producer (call after check() allowed it). */
  onAppend(b: ProducerBatchInfo, firstOffset: number, lastOffset: number, now: number): void {
    if (b.producerId < 0) return;
    const entry = this.entryFor(b.producerId, b.producerEpoch);
    entry.batches.push({
      firstSeq: b.baseSequence,
      lastSeq: incrementSequence(b.baseSequence, b.lastOffsetDelta),
      firstOffset,
      lastOffset,
    });
    if (entry.batches.length > NUM_BATCHES_TO_RETAIN) entry.batches.shift();
    entry.lastTimestamp = Math.max(entry.lastTimestamp, now);
    if (b.isTransactional && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = firstOffset;
      this.ongoing.set(b.producerId, firstOffset);
    }
  }

  /** Records a COMMIT or ABORT marker written at `offset`. */
  onMarker(
    producerId: number,
    epoch: number,
    commit: boolean,
    offset: number,
    coordinatorEpoch: number,
    now: number,
  ): void {
    const entry = this.entryFor(producerId, epoch);
    const first = this.ongoing.get(producerId);
    if (first !== undefined) {
      if (!commit) this.aborted.push({ producerId, firstOffset: first, lastOffset: offset });
      this.ongoing.delete(producerId);
    }
    entry.currentTxnFirstOffset = -1;
    entry.coordinatorEpoch = coordinatorEpoch;
    entry.lastTimestamp = Math.max(entry.lastTimestamp, now);
  }

  /** First offset of the oldest open transaction, or null. */
  firstUnstableOffset(): number | null {
    let min: number | null = null;
    for (const o of this.ongoing.values()) if (min === null || o < min) min = o;
    return min;
  }

  /** The last stable offset given the high watermark. */
  lastStableOffset(highWatermark: number): number {
    const first = this.firstUnstableOffset();
    return first === null ? highWatermark : Math.min(first, highWatermark);
  }

  /** Aborted transactions a read_committed fetch of [from, to) must be told about. */
  abortedIn(from: number, to: number): { producerId: number; firstOffset: number }[] {
    const out: { producerId: number; firstOffset: number }[] = [];
    for (const a of this.aborted) {
      if (a.lastOffset >= from && a.firstOffset < to) {
        out.push({ producerId: a.producerId, firstOffset: a.firstOffset });
      }
    }
    return out;
  }

  /** Open transactions (DescribeProducers). */
  ongoingFirstOffset(producerId: number): number {
    return this.ongoing.get(producerId) ?? -1;
  }

  /**
   * Forgets producers idle longer than `expirationMs` (producer.id.expiration.ms) that have no open
   * transaction, and aborted transactions wholly below the log start offset.
   */
  expire(now: number, expirationMs: number, logStartOffset: number): number {
    let removed = 0;
    for (const [id, e] of this.producers) {
      if (e.currentTxnFirstOffset < 0 && now - e.lastTimestamp > expirationMs) {
        this.producers.delete(id);
        removed++;
      }
    }
    let drop = 0;
    while (drop < this.aborted.length && this.aborted[drop]!.lastOffset < logStartOffset) drop++;
    if (drop > 0) this.aborted.splice(0, drop);
    return removed;
  }

  /**
   * Applies every whole batch of `buf` (stored batches with their offsets; a partial one at the end
   * is left); returns the offset after the last one applied, or -1 when none was whole.
   */
  replayBatches(buf: Buffer): number {
    let next = -1;
    let pos = 0;
    while (pos + LOG_OVERHEAD <= buf.length) {
      const size = batchSizeAt(buf, pos);
      if (pos + size > buf.length) break;
      this.replayBatch(buf, pos);
      next = Math.max(next, readInt64(buf, pos) + buf.readInt32BE(pos + LAST_OFFSET_DELTA) + 1);
      pos += size;
    }
    return next;
  }

  /** Applies the batch at `at` in `buf` (a stored batch with its offsets) while rebuilding. */
  replayBatch(buf: Buffer, at: number): void {
    const producerId = readInt64(buf, at + PRODUCER_ID);
    if (producerId < 0) return;
    const attributes = buf.readInt16BE(at + ATTRIBUTES);
    const baseOffset = readInt64(buf, at);
    const lastOffsetDelta = buf.readInt32BE(at + LAST_OFFSET_DELTA);
    const producerEpoch = buf.readInt16BE(at + PRODUCER_EPOCH);
    const timestamp = readInt64(buf, at + MAX_TIMESTAMP);
    if (attributes & CONTROL_FLAG) {
      const type = controlRecordType(buf, at);
      if (type === ControlRecordType.COMMIT || type === ControlRecordType.ABORT) {
        this.onMarker(
          producerId,
          producerEpoch,
          type === ControlRecordType.COMMIT,
          baseOffset,
          -1,
          timestamp,
        );
      }
      return;
    }
    this.onAppend(
      {
        producerId,
        producerEpoch,
        baseSequence: buf.readInt32BE(at + BASE_SEQUENCE),
        lastOffsetDelta,
        isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
      },
      baseOffset,
      baseOffset + lastOffsetDelta,
      timestamp,
    );
  }
}

/** The type of the (uncompressed) first record of a control batch, or -1 when unreadable. */
function controlRecordType(buf: Buffer, at: number): number {
  try {
    const c = new ByteCursor(buf, at + RECORDS, at + batchSizeAt(buf, at));
    c.varint(); // record length
    c.int8(); // attributes
    c.varlong(); // timestamp delta
    c.varint(); // offset delta
    const key = c.nullableBytes();
    return key && key.length >= 4 ? key.readInt16BE(2) : -1;
  } catch {
    return -1;
  }
}

/** Bytes read per step while rebuilding a partition's producer state. */
const REBUILD_READ_BYTES = 1024 * 1024;

/** Rebuilds a partition's producer state from its log (batch headers and control keys only). */
export function rebuildProducerState(
  log: PartitionLog,
  now: number,
  expirationMs: number,
): PartitionProducerState {
  const state = new PartitionProducerState();
  let at = log.logStartOffset;
  const end = log.logEndOffset;
  while (at < end) {
    const read = log.read(at, REBUILD_READ_BYTES, { minOneMessage: true, maxOffset: end });
    const buf = read.records;
    if (buf.length === 0) break;
    const next = state.replayBatches(buf);
    if (next < 0) break;
    at = Math.max(at, next);
  }
  state.expire(now, expirationMs, log.logStartOffset);
  return state;
}

/** The producer state of every partition log, rebuilt from the log the first time it is needed. */
export class ProducerStateRegistry {
  private readonly states = new WeakMap<PartitionLog, PartitionProducerState>();
  private readonly known = new Set<WeakRef<PartitionLog>>();

  constructor(
    private readonly expirationMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The state of `log`, rebuilt by a scan of its batch headers on first use. */
  forLog(log: PartitionLog): PartitionProducerState {
    let s = this.states.get(log);
    if (!s) {
      s = rebuildProducerState(log, this.now(), this.expirationMs);
      this.states.set(log, s);
      this.known.add(new WeakRef(log));
    }
    return s;
  }

  /**
   * Drops what is known of `log` (its next use rebuilds it from the log): after replication or a
   * truncation changed the log behind this registry's back.
   */
  forget(log: PartitionLog): void {
    this.states.delete(log);
  }

  /**
   * Batches appended to `log` by replication (stored form, whole batches): applied to its state when
   * it is loaded, so a follower's last stable offset and aborted transactions stay right for the
   * consumers it serves (KIP-392).
   */
  onReplicatedAppend(log: PartitionLog, records: Buffer): void {
    // not loaded: rebuilt from the log, these batches included, on first use
    this.states.get(log)?.replayBatches(records);
  }

  /** The state of `log` when it was already loaded (no scan). */
  peek(log: PartitionLog): PartitionProducerState | undefined {
    return this.states.get(log);
  }

  /** Expires idle producers in every loaded partition; returns how many were removed. */
  expireAll(): number {
    const now = this.now();
    let removed = 0;
    for (const ref of this.known) {
      const log = ref.deref();
      const s = log && !log.isClosed ? this.states.get(log) : undefined;
      if (!log || !s) {
        this.known.delete(ref);
        continue;
      }
      removed += s.expire(now, this.expirationMs, log.logStartOffset);
    }
    return removed;
  }
}
