// snappy (codec 2), in Kafka's two dialects:
//
// - xerial framing, written by the Java client (snappy-java's SnappyOutputStream):
//     magic "\x82SNAPPY\0" (8 bytes) | version int32 BE (1) | compatible version int32 BE (1) |
//     then blocks of: compressed length int32 BE | raw snappy block (each <= 32 KiB uncompressed)
//   A stream may hold several such streams back to back (the header can reappear between blocks).
// - raw snappy (one block, no framing), written by librdkafka.
//
// decompressSnappy detects xerial by its 8-byte magic and treats anything else as raw. We write
// xerial with 32 KiB blocks, byte-for-byte the framing Java producers put in the log: snappy-java reads
// it natively and librdkafka detects and unwraps it, so every client can read what we write.

import { createRequire } from 'node:module';
import { CorruptRecordError, UnsupportedCompressionError } from '../errors.js';
import { SYNC_THRESHOLD } from './types.js';

interface SnappyBinding {
  compress(input: Uint8Array): Promise<Buffer>;
  compressSync(input: Uint8Array): Buffer;
  uncompress(input: Uint8Array, options: { asBuffer: true }): Promise<Buffer | string>;
  uncompressSync(input: Uint8Array, options: { asBuffer: true }): Buffer | string;
}

const require = createRequire(import.meta.url);
let binding: SnappyBinding | null = null;

function snappy(): SnappyBinding {
  if (binding) return binding;
  try {
    binding = require('snappy') as SnappyBinding;
    return binding;
  } catch (err) {
    throw new UnsupportedCompressionError(
      `snappy is unavailable on this platform: ${(err as Error).message}`,
    );
  }
}

export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
export const XERIAL_HEADER_SIZE = 16;
/** Uncompressed bytes per xerial block (snappy-java's default). */
export const XERIAL_BLOCK_SIZE = 32 * 1024;

export function isXerial(data: Buffer, at = 0): boolean {
  return data.length - at >= XERIAL_HEADER_SIZE && data.compare(XERIAL_MAGIC, 0, 8, at, at + 8) === 0;
}

function xerialHeader(): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  return header;
}

/** One raw snappy block. */
export async function compressSnappyRaw(data: Buffer): Promise<Buffer> {
  const s = snappy();
  return data.length < SYNC_THRESHOLD ? s.compressSync(data) : s.compress(data);
}

/** xerial-framed snappy, as the Java producer writes it. */
export async function compressSnappy(data: Buffer): Promise<Buffer> {
  const s = snappy();
  const parts: Buffer[] = [xerialHeader()];
  const blocks: Buffer[] = [];
  for (let at = 0; at < data.length; at += XERIAL_BLOCK_SIZE) {
    blocks.push(data.subarray(at, Math.min(at + XERIAL_BLOCK_SIZE, data.length)));
  }
  const compressed =
    data.length < SYNC_THRESHOLD
      ? blocks.map((b) => s.compressSync(b))
      : await Promise.all(blocks.map((b) => s.compress(b)));
  for (const block of compressed) {
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

function uncompressRaw(s: SnappyBinding, block: Buffer): Buffer {
  const out = s.uncompressSync(block, { asBuffer: true });
  return typeof out === 'string' ? Buffer.from(out) : out;
}

export async function decompressSnappy(data: Buffer): Promise<Buffer> {
  const s = snappy();
  try {
    if (!isXerial(data)) {
      if (data.length < SYNC_THRESHOLD) return uncompressRaw(s, data);
      const out = await s.uncompress(data, { asBuffer: true });
      return typeof out === 'string' ? Buffer.from(out) : out;
    }
    const parts: Buffer[] = [];
    let at = 0;
    while (at < data.length) {
      if (isXerial(data, at)) {
        at += XERIAL_HEADER_SIZE;
        continue;
      }
      if (data.length - at < 4) throw new Error('truncated xerial block length');
      const len = data.readInt32BE(at);
      at += 4;
      if (len < 0 || at + len > data.length)
        throw new Error(`xerial block of ${len} bytes overruns the input`);
      parts.push(uncompressRaw(s, data.subarray(at, at + len)));
      at += len;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  } catch (err) {
    if (err instanceof UnsupportedCompressionError) throw err;
    throw new CorruptRecordError(`snappy: ${(err as Error).message}`);
  }
}
