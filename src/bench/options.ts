// Option types and checks shared by the bench workloads and their commands.

import type { ClientSecurity } from '../client/connection.js';
import { COMPRESSION_TYPES, type CompressionType } from '../protocol/records/compression/index.js';

export interface CommonBenchOptions {
  bootstrap: string;
  topic: string;
  /** TLS and SASL for every connection the bench opens. */
  security?: ClientSecurity;
}

export interface ConsumeBenchOptions extends CommonBenchOptions {
  /** Stop after this many records (default: everything up to the log end at start). */
  records?: number;
  /** Fetch max_bytes and per-partition max bytes. */
  maxBytes: number;
  partitionMaxBytes: number;
  /** Consume as a member of this group, committing offsets, instead of direct partition fetches. */
  group?: string;
  /** With a group: how often processed offsets are committed (0: after every fetch). */
  commitIntervalMs?: number;
  /** With a group: stop (unverified) when no record arrived for this long. */
  idleTimeoutMs?: number;
}

export const DEFAULT_COMMIT_INTERVAL_MS = 1000;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export interface ProduceBenchOptions extends CommonBenchOptions {
  /** Partitions to create the topic with when it does not exist. */
  partitions: number;
  recordSize: number;
  /** Stop after this many records (or durationMs). */
  records?: number;
  durationMs?: number;
  acks: number;
  compression: CompressionType;
  /** Target size of one record batch; 1048576 is MegaBatch territory. */
  batchBytes: number;
  /** With --rate: how long records gather before a batch goes. */
  lingerMs: number;
  /** Pipelined requests per connection. */
  inflight: number;
  connections: number;
  /** Records per second; unlimited when absent. */
  rate?: number;
  /** Stamp a send time into each batch (end-to-end latency); needs compression none. */
  stampSendTime?: boolean;
}

const BATCH_HEADER_BYTES = 61;

/** Bytes of an unsigned varint. */
function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/**
 * Upper bound of one encoded record without key or headers: attributes, timestamp delta 0, offset
 * delta (zig-zag, at most 3 bytes below 2^20 records), key length -1, value length and value,
 * header count 0, all behind the record's own length varint.
 */
export function encodedRecordSize(valueSize: number): number {
  const body = 1 + 1 + 3 + 1 + varintSize(valueSize * 2) + valueSize + 1;
  return varintSize(body * 2) + body;
}

export class BenchOptionError extends Error {
  override name = 'BenchOptionError';
}

function positive(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isFinite(v) || v <= 0))
    throw new BenchOptionError(`--${name} must be a positive number, got ${v}`);
}

export function checkProduceOptions(o: ProduceBenchOptions): ProduceBenchOptions {
  positive('partitions', o.partitions);
  positive('record-size', o.recordSize);
  positive('records', o.records);
  positive('duration', o.durationMs);
  positive('batch-bytes', o.batchBytes);
  positive('inflight', o.inflight);
  positive('connections', o.connections);
  positive('rate', o.rate);
  if (o.lingerMs < 0) throw new BenchOptionError(`--linger-ms must be >= 0, got ${o.lingerMs}`);
  if (![0, 1, -1].includes(o.acks))
    throw new BenchOptionError(`--acks must be 0, 1 or -1 (all), got ${o.acks}`);
  if (!COMPRESSION_TYPES.includes(o.compression)) {
    throw new BenchOptionError(
      `--compression must be one of ${COMPRESSION_TYPES.join(', ')}, got ${o.compression}`,
    );
  }
  if (o.records === undefined && o.durationMs === undefined)
    throw new BenchOptionError('give --records or --duration');
  if (o.stampSendTime && o.compression !== 'none')
    throw new BenchOptionError('end-to-end latency needs --compression none');
  if (o.stampSendTime && o.recordSize < 8)
    throw new BenchOptionError('end-to-end latency needs --record-size of at least 8');
  return o;
}

export function checkConsumeOptions(o: ConsumeBenchOptions): ConsumeBenchOptions {
  positive('records', o.records);
  positive('max-bytes', o.maxBytes);
  positive('partition-max-bytes', o.partitionMaxBytes);
  positive('idle-timeout', o.idleTimeoutMs);
  if (o.commitIntervalMs !== undefined && !(o.commitIntervalMs >= 0))
    throw new BenchOptionError(`--commit-interval must be >= 0, got ${o.commitIntervalMs}`);
  if (o.group !== undefined && o.group.trim() === '')
    throw new BenchOptionError('--group must name a consumer group');
  if (o.group === undefined && (o.commitIntervalMs !== undefined || o.idleTimeoutMs !== undefined))
    throw new BenchOptionError('--commit-interval and --idle-timeout need --group');
  return o;
}

/** Records per batch: as many as fit in --batch-bytes, or with --rate what arrives in --linger-ms. */
export function recordsPerBatch(
  o: Pick<ProduceBenchOptions, 'batchBytes' | 'recordSize' | 'rate' | 'lingerMs'>,
): number {
  const fit = Math.max(1, Math.floor((o.batchBytes - BATCH_HEADER_BYTES) / encodedRecordSize(o.recordSize)));
  if (o.rate === undefined) return fit;
  return Math.max(1, Math.min(fit, Math.round((o.rate * Math.max(o.lingerMs, 1)) / 1000)));
}

/** "10s", "500ms", "2m" or a number of seconds -> milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s.trim());
  if (!m) throw new BenchOptionError(`'${s}' is not a duration like 10s, 500ms or 2m`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

export function parseAcks(s: string): number {
  if (s === 'all') return -1;
  const n = Number(s);
  if (![0, 1, -1].includes(n)) throw new BenchOptionError(`--acks must be 0, 1, -1 or all, got ${s}`);
  return n;
}
