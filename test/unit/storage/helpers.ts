// Test helpers for the storage tests: tiny RecordBatch v2 builder/decoder (uncompressed), temp dirs
// and a logger that records lines. Kept local so these tests do not depend on the records codec.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BATCH_LENGTH,
  CRC,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAX_TIMESTAMP,
  RECORD_COUNT,
  RECORDS,
  computeBatchCrc,
  readInt64,
  writeInt64,
} from '../../../src/protocol/records/batch-header.js';
import type { AppendBatch } from '../../../src/storage/index.js';

export interface TestRecord {
  value: string;
  key?: string;
  timestamp?: number;
}

function varint(n: number, out: number[]): void {
  let z = n >= 0 ? n * 2 : -n * 2 - 1; // zigzag, safe for small magnitudes
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
}

function readVarint(buf: Buffer, at: { pos: number }): number {
  let z = 0;
  let mul = 1;
  for (;;) {
    const b = buf[at.pos++];
    z += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 0x80;
  }
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** One uncompressed v2 batch (baseOffset 0, no producer id) with a valid CRC. */
export function buildBatch(records: TestRecord[], baseTimestamp = 1_700_000_000_000): Buffer {
  const body: number[] = [];
  let maxTs = -1;
  records.forEach((r, i) => {
    const ts = r.timestamp ?? baseTimestamp + i;
    if (ts > maxTs) maxTs = ts;
    const rec: number[] = [0];
    varint(ts - (records[0].timestamp ?? baseTimestamp), rec);
    varint(i, rec);
    if (r.key === undefined) varint(-1, rec);
    else {
      const k = Buffer.from(r.key);
      varint(k.length, rec);
      rec.push(...k);
    }
    const v = Buffer.from(r.value);
    varint(v.length, rec);
    rec.push(...v);
    varint(0, rec); // headers
    varint(rec.length, body);
    body.push(...rec);
  });
  const buf = Buffer.alloc(RECORDS + body.length);
  writeInt64(buf, 0, 0);
  buf.writeInt32BE(buf.length - LOG_OVERHEAD, BATCH_LENGTH);
  buf.writeInt32BE(-1, 12);
  buf.writeInt8(2, 16);
  buf.writeInt16BE(0, 21);
  buf.writeInt32BE(records.length - 1, LAST_OFFSET_DELTA);
  writeInt64(buf, 27, records[0].timestamp ?? baseTimestamp);
  writeInt64(buf, MAX_TIMESTAMP, maxTs);
  writeInt64(buf, 43, -1);
  buf.writeInt16BE(-1, 51);
  buf.writeInt32BE(-1, 53);
  buf.writeInt32BE(records.length, RECORD_COUNT);
  Buffer.from(body).copy(buf, RECORDS);
  buf.writeUInt32BE(computeBatchCrc(buf, 0, buf.length), CRC);
  return buf;
}

/** A batch of `count` records with values `${prefix}-${i}` padded to `valueSize` bytes. */
export function makeBatch(
  count: number,
  prefix: string,
  opts: { valueSize?: number; timestamp?: number } = {},
): Buffer {
  const records: TestRecord[] = [];
  for (let i = 0; i < count; i++) {
    records.push({
      value: `${prefix}-${i}`.padEnd(opts.valueSize ?? 0, '.'),
      timestamp: opts.timestamp === undefined ? undefined : opts.timestamp + i,
    });
  }
  return buildBatch(records);
}

/** Batches concatenated into one request-like buffer, with their AppendBatch descriptions. */
export function makeAppend(batches: Buffer[]): { records: Buffer; batches: AppendBatch[] } {
  const records = Buffer.concat(batches);
  return { records, batches: describeBatches(records) };
}

export function describeBatches(buf: Buffer): AppendBatch[] {
  const out: AppendBatch[] = [];
  let at = 0;
  while (at < buf.length) {
    const size = LOG_OVERHEAD + buf.readInt32BE(at + BATCH_LENGTH);
    out.push({
      position: at,
      size,
      lastOffsetDelta: buf.readInt32BE(at + LAST_OFFSET_DELTA),
      maxTimestamp: readInt64(buf, at + MAX_TIMESTAMP),
      recordCount: buf.readInt32BE(at + RECORD_COUNT),
    });
    at += size;
  }
  return out;
}

export interface DecodedRecord {
  offset: number;
  value: string;
  timestamp: number;
}

/** Decodes uncompressed batches into (offset, value, timestamp). */
export function decodeRecords(buf: Buffer): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  let at = 0;
  while (at + LOG_OVERHEAD <= buf.length) {
    const size = LOG_OVERHEAD + buf.readInt32BE(at + BATCH_LENGTH);
    const base = readInt64(buf, at);
    const baseTs = readInt64(buf, at + 27);
    const count = buf.readInt32BE(at + RECORD_COUNT);
    const p = { pos: at + RECORDS };
    for (let i = 0; i < count; i++) {
      readVarint(buf, p); // length
      p.pos++; // attributes
      const tsDelta = readVarint(buf, p);
      const offDelta = readVarint(buf, p);
      const kLen = readVarint(buf, p);
      if (kLen > 0) p.pos += kLen;
      const vLen = readVarint(buf, p);
      const value = buf.toString('utf8', p.pos, p.pos + vLen);
      p.pos += vLen;
      const headers = readVarint(buf, p);
      if (headers !== 0) throw new Error('headers not supported in tests');
      out.push({ offset: base + offDelta, value, timestamp: baseTs + tsDelta });
    }
    at += size;
  }
  return out;
}

export function batchOffsets(buf: Buffer): number[] {
  return describeBatches(buf).map((b) => readInt64(buf, b.position));
}

const dirs: string[] = [];

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fluxmq-storage-'));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg?: string;
}

export function recordingLogger(): {
  lines: LogLine[];
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
} {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** A controllable clock for segment.ms / flush.ms. */
export function fakeClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}
