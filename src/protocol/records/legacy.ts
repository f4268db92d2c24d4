// Legacy message sets (magic v0 and v1, before Kafka 0.11), read-only, so clients can read old data.
//
//   offset int64 | message_size int32 | crc uint32 | magic int8 | attributes int8 |
//   [timestamp int64, v1 only] | key bytes (int32 length, -1 null) | value bytes (int32 length, -1 null)
//
// The CRC is CRC-32 (IEEE) over magic..end of the message. attributes bits 0-2 are the codec
// (gzip/snappy, and lz4 in v1); bit 3 (v1) the timestamp type. A compressed "wrapper" message
// holds a whole message set in its value. In v0 the inner messages carry absolute offsets; in v1
// they carry relative offsets and the wrapper carries the absolute offset of the last inner one.

import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { decompress } from './compression/index.js';
import { decompressLz4FrameJs } from './compression/lz4.js';
import { compressionTypeFromId, type CompressionType } from './compression/types.js';
import { CorruptRecordError } from './errors.js';
import { readInt64 } from './batch-header.js';

type Crc32 = (data: Buffer) => number;

function loadCrc32(): Crc32 {
  // zlib.crc32 exists from Node 20.15 / 22.2; crc-32's default export otherwise.
  const native = (zlib as unknown as { crc32?: (data: Buffer) => number }).crc32;
  if (typeof native === 'function') return (data) => native(data) >>> 0;
  const mod = createRequire(import.meta.url)('crc-32') as { buf: (data: Uint8Array) => number };
  return (data) => mod.buf(data) >>> 0;
}

/** CRC-32 (IEEE), the checksum of magic v0/v1 messages. */
export const crc32Ieee: Crc32 = loadCrc32();

export const LEGACY_OFFSET = 0;
export const LEGACY_SIZE = 8;
export const LEGACY_CRC = 12;
export const LEGACY_MAGIC = 16;
export const LEGACY_ATTRIBUTES = 17;
/** Smallest message_size: crc + magic + attributes + key length + value length (v0). */
export const LEGACY_MIN_MESSAGE_SIZE = 14;
const LEGACY_TIMESTAMP_TYPE_LOG_APPEND = 0x08;

export interface LegacyMessage {
  offset: number;
  magic: 0 | 1;
  /** Attributes of the message as stored (inner messages of a wrapper carry codec 0). */
  attributes: number;
  /** Codec of the wrapper this message came from ('none' if it was not compressed). */
  compression: CompressionType;
  timestampType: 'create' | 'log-append';
  /** -1 for v0 (no timestamp). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  crc: number;
}

interface RawMessage {
  offset: number;
  magic: 0 | 1;
  attributes: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  crc: number;
}

function corrupt(why: string, at: number): never {
  throw new CorruptRecordError(`legacy message at byte ${at}: ${why}`);
}

/** Parses one message whose entry (offset, size, message) is buf[at, at + 12 + size). */
function parseMessage(buf: Buffer, at: number, size: number): RawMessage {
  const end = at + 12 + size;
  const crc = buf.readUInt32BE(at + LEGACY_CRC);
  if (crc32Ieee(buf.subarray(at + LEGACY_MAGIC, end)) !== crc) corrupt('CRC mismatch', at);
  const magic = buf[at + LEGACY_MAGIC]!;
  if (magic !== 0 && magic !== 1) corrupt(`magic ${magic} is not a legacy message`, at);
  const attributes = buf[at + LEGACY_ATTRIBUTES]!;
  let p = at + 18;
  let timestamp = -1;
  if (magic === 1) {
    if (p + 8 > end) corrupt('truncated timestamp', at);
    timestamp = readInt64(buf, p);
    p += 8;
  }
  const field = (): Buffer | null => {
    if (p + 4 > end) corrupt('truncated length', at);
    const len = buf.readInt32BE(p);
    p += 4;
    if (len === -1) return null;
    if (len < 0 || p + len > end) corrupt(`field length ${len} overruns the message`, at);
    const out = buf.subarray(p, p + len);
    p += len;
    return out;
  };
  const key = field();
  const value = field();
  return { offset: readInt64(buf, at), magic, attributes, timestamp, key, value, crc };
}

/**
 * Size of the complete legacy entry at `at` (12 + message_size), or -1 when buf ends before it does.
 * Throws CorruptRecordError for a message_size below the minimum.
 */
export function legacyEntrySize(buf: Buffer, at: number, end = buf.length): number {
  if (end - at < 12) return -1;
  const size = buf.readInt32BE(at + LEGACY_SIZE);
  if (size < LEGACY_MIN_MESSAGE_SIZE) corrupt(`message_size ${size} is below the minimum`, at);
  return end - at < 12 + size ? -1 : 12 + size;
}

/**
 * Decodes the legacy entry buf[at, at + size) (size from legacyEntrySize): one message, or the
 * inner messages of a compressed wrapper with absolute offsets.
 */
export async function decodeLegacyEntry(buf: Buffer, at: number, size: number): Promise<LegacyMessage[]> {
  const m = parseMessage(buf, at, size - 12);
  const codecId = m.attributes & 0x07;
  const logAppend = m.magic === 1 && (m.attributes & LEGACY_TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const timestampType = logAppend ? 'log-append' : 'create';
  if (codecId === 0) return [{ ...m, compression: 'none', timestampType }];

  const codec = compressionTypeFromId(codecId);
  if (codec === null || codec === 'zstd') corrupt(`codec ${codecId} is not valid in magic ${m.magic}`, at);
  if (m.value === null) corrupt('compressed wrapper without a value', at);
  // Magic v0 lz4 frames carry a header checksum over the wrong bytes; the JS reader ignores it.
  const inner =
    codec === 'lz4' && m.magic === 0 ? decompressLz4FrameJs(m.value) : await decompress(codec, m.value);

  const messages: RawMessage[] = [];
  for (let p = 0; p < inner.length;) {
    const n = legacyEntrySize(inner, p);
    if (n < 0) corrupt('truncated inner message set', at);
    const im = parseMessage(inner, p, n - 12);
    if ((im.attributes & 0x07) !== 0) corrupt('nested compression', at);
    messages.push(im);
    p += n;
  }
  if (messages.length === 0) return [];
  // v1: inner offsets are relative; the wrapper's offset is that of the last inner message.
  const base = m.magic === 0 ? 0 : m.offset - messages[messages.length - 1]!.offset;
  return messages.map((im) => ({
    ...im,
    offset: base + im.offset,
    timestamp: logAppend ? m.timestamp : im.timestamp,
    compression: codec,
    timestampType,
  }));
}

/**
 * Decodes a v0/v1 message set, expanding compressed wrappers. A trailing partial message (fetch
 * responses may end with one) is ignored; a bad CRC throws CorruptRecordError.
 */
export async function decodeLegacyMessageSet(
  buf: Buffer,
  start = 0,
  end = buf.length,
): Promise<LegacyMessage[]> {
  const out: LegacyMessage[] = [];
  for (let at = start; ;) {
    const size = legacyEntrySize(buf, at, end);
    if (size < 0) break;
    for (const m of await decodeLegacyEntry(buf, at, size)) out.push(m);
    at += size;
  }
  return out;
}
