// lz4 (codec 3) in the LZ4 frame format (magic 0x184D2204), which Kafka uses since message format v1.
//
// Native: lz4-napi's frame API (lz4_flex). It writes independent blocks, no content size, no checksums,
// which Java's KafkaLZ4BlockInputStream and librdkafka both read.
// Fallback when the native module cannot load (or FLUXMQ_LZ4=js): a small frame reader/writer of our
// own around lz4js's block codec. The writer emits what Java's KafkaLZ4BlockOutputStream emits
// (independent 64 KiB blocks, header checksum, no content size or checksums). The reader accepts any
// frame (dependent blocks, block/content checksums, content size) but does not verify the checksums;
// it is also what reads lz4 inside magic-v0 messages, whose header checksum old brokers computed
// over the wrong bytes (KAFKA-3160).

import { createRequire } from 'node:module';
import { CorruptRecordError } from '../errors.js';
import { SYNC_THRESHOLD } from './types.js';

interface Lz4Native {
  compressFrame(data: Uint8Array): Promise<Buffer>;
  compressFrameSync(data: Buffer): Buffer;
  decompressFrame(data: Uint8Array): Promise<Buffer>;
  decompressFrameSync(data: Buffer): Buffer;
}

interface Lz4Js {
  compressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    sIndex: number,
    sLength: number,
    hashTable: Uint32Array,
  ): number;
  decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
  compressBound(n: number): number;
}

const require = createRequire(import.meta.url);

function loadNative(): Lz4Native | null {
  if (process.env.FLUXMQ_LZ4 === 'js') return null;
  try {
    return require('lz4-napi') as Lz4Native;
  } catch {
    return null;
  }
}

const native = loadNative();
let lz4js: Lz4Js | null = null;
let xxh32: ((seed: number, src: Uint8Array, index: number, len: number) => number) | null = null;

function js(): Lz4Js {
  if (!lz4js) {
    lz4js = require('lz4js') as Lz4Js;
    xxh32 = (require('lz4js/xxh32.js') as { hash: typeof xxh32 }).hash;
  }
  return lz4js;
}

/** Which implementation compress/decompress use. */
export const lz4Implementation: 'native' | 'js' = native ? 'native' : 'js';

const FRAME_MAGIC = 0x184d2204;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const BLOCK_UNCOMPRESSED = 0x80000000;
const BLOCK_MAX_SIZES: Record<number, number> = { 4: 0x10000, 5: 0x40000, 6: 0x100000, 7: 0x400000 };
/** BD byte for 64 KiB blocks, Kafka's default. */
const BD_64KB = 4 << 4;

/** LZ4 frame written in pure JS (independent 64 KiB blocks). */
export function compressLz4FrameJs(data: Buffer): Buffer {
  const lz = js();
  const blockSize = BLOCK_MAX_SIZES[4]!;
  const out = Buffer.allocUnsafe(
    7 + lz.compressBound(data.length) + 4 * (Math.ceil(data.length / blockSize) + 1),
  );
  out.writeUInt32LE(FRAME_MAGIC, 0);
  out[4] = FLG_VERSION_01 | FLG_BLOCK_INDEPENDENT;
  out[5] = BD_64KB;
  out[6] = (xxh32!(0, out, 4, 2) >>> 8) & 0xff;
  let o = 7;
  const hashTable = new Uint32Array(1 << 16);
  const scratch = new Uint8Array(lz.compressBound(blockSize));
  for (let at = 0; at < data.length; at += blockSize) {
    const block = data.subarray(at, Math.min(at + blockSize, data.length));
    hashTable.fill(0);
    const n = lz.compressBlock(block, scratch, 0, block.length, hashTable);
    if (n > 0 && n < block.length) {
      out.writeUInt32LE(n, o);
      out.set(scratch.subarray(0, n), o + 4);
      o += 4 + n;
    } else {
      out.writeUInt32LE((BLOCK_UNCOMPRESSED | block.length) >>> 0, o);
      block.copy(out, o + 4);
      o += 4 + block.length;
    }
  }
  out.writeUInt32LE(0, o);
  return out.subarray(0, o + 4);
}

/** Reads an LZ4 frame in pure JS. Checksums are skipped, not verified. */
export function decompressLz4FrameJs(data: Buffer): Buffer {
  const lz = js();
  const fail = (why: string): never => {
    throw new CorruptRecordError(`lz4: ${why}`);
  };
  if (data.length < 7 || data.readUInt32LE(0) !== FRAME_MAGIC) fail('bad frame magic');
  const flg = data[4]!;
  if ((flg & 0xc0) !== FLG_VERSION_01) fail('unsupported frame version');
  if (flg & FLG_DICT_ID) fail('dictionary frames are not supported');
  const maxBlock = BLOCK_MAX_SIZES[(data[5]! >> 4) & 7] ?? fail('bad block size');
  const blockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  const start = 7 + (flg & FLG_CONTENT_SIZE ? 8 : 0);

  // pass 1: frame structure and an upper bound of the output
  let bound = 0;
  let at = start;
  for (;;) {
    if (at + 4 > data.length) fail('truncated frame');
    const word = data.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (size > maxBlock) fail('block larger than the frame block size');
    bound += word & BLOCK_UNCOMPRESSED ? size : maxBlock;
    at += size + (blockChecksum ? 4 : 0);
  }
  if (flg & FLG_CONTENT_CHECKSUM && at + 4 > data.length) fail('truncated content checksum');

  // pass 2: blocks into one output, so dependent blocks can reference earlier ones
  const out = Buffer.allocUnsafe(bound);
  let o = 0;
  at = start;
  for (;;) {
    const word = data.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (word & BLOCK_UNCOMPRESSED) {
      data.copy(out, o, at, at + size);
      o += size;
    } else {
      const next = lz.decompressBlock(data, out, at, size, o);
      if (!(next >= o && next - o <= maxBlock)) fail('block decodes past its maximum size');
      o = next;
    }
    at += size + (blockChecksum ? 4 : 0);
  }
  return out.subarray(0, o);
}

export async function compressLz4(data: Buffer): Promise<Buffer> {
  if (!native) return compressLz4FrameJs(data);
  return data.length < SYNC_THRESHOLD ? native.compressFrameSync(data) : native.compressFrame(data);
}

export async function decompressLz4(data: Buffer): Promise<Buffer> {
  if (!native) return decompressLz4FrameJs(data);
  try {
    return data.length < SYNC_THRESHOLD / 4
      ? native.decompressFrameSync(data)
      : await native.decompressFrame(data);
  } catch (err) {
    throw new CorruptRecordError(`lz4: ${(err as Error).message}`);
  }
}
