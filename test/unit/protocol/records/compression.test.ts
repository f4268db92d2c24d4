import { describe, expect, it, vi } from 'vitest';
import {
  COMPRESSION_TYPES,
  CorruptRecordError,
  XERIAL_MAGIC,
  compress,
  compressLz4FrameJs,
  compressSnappyRaw,
  compressionIdOf,
  compressionTypeFromId,
  decompress,
  decompressLz4FrameJs,
  isXerial,
  type CompressionType,
} from '../../../../src/protocol/records/index.js';
import { hex, require } from './helpers.js';

const kafkaJsGzip = require('kafkajs/src/protocol/message/compression/gzip') as {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buf: Buffer): Promise<Buffer>;
};
const lz4js = require('lz4js') as {
  compress(b: Uint8Array): Uint8Array;
  decompress(b: Uint8Array): Uint8Array;
};
const xxh32 = (
  require('lz4js/xxh32.js') as { hash: (seed: number, b: Uint8Array, i: number, n: number) => number }
).hash;
const lz4napi = require('lz4-napi') as {
  compressFrameSync(b: Buffer): Buffer;
  decompressFrameSync(b: Buffer): Buffer;
};
const snappy = require('snappy') as { uncompressSync(b: Buffer, o: { asBuffer: true }): Buffer };

function sample(size: number, seed = 1): Buffer {
  // compressible but not trivial: words drawn by a small LCG
  const words = ['kafka', 'record', 'batch', 'offset', '{"id":', 'value', 'topic', '\n', ' ', '0123'];
  const parts: string[] = [];
  let x = seed;
  let n = 0;
  while (n < size) {
    x = (x * 1103515245 + 12345) >>> 0;
    const w = words[x % words.length]!;
    parts.push(w);
    n += w.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

const codecs = COMPRESSION_TYPES.filter((c) => c !== 'none') as Exclude<CompressionType, 'none'>[];

describe('codec ids', () => {
  it('maps attribute ids 0..4 and nothing else', () => {
    expect(COMPRESSION_TYPES).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
    COMPRESSION_TYPES.forEach((t, id) => {
      expect(compressionIdOf(t)).toBe(id);
      expect(compressionTypeFromId(id)).toBe(t);
    });
    for (const id of [5, 6, 7]) expect(compressionTypeFromId(id)).toBeNull();
  });
});

describe('round trips', () => {
  for (const codec of codecs) {
    it(`${codec}: empty, tiny, 200 KB (several blocks, async path), incompressible`, async () => {
      const random = Buffer.alloc(70_000);
      for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
      for (const data of [Buffer.alloc(0), Buffer.from('x'), sample(200_000), random]) {
        const c = await compress(codec, data);
        const d = await decompress(codec, c);
        expect(d.equals(data)).toBe(true);
      }
    });

    it(`${codec}: garbage input throws CorruptRecordError`, async () => {
      const good = await compress(codec, sample(5000));
      const bad = Buffer.from(good);
      bad.fill(0xee, Math.min(20, bad.length - 8), bad.length - 4);
      await expect(decompress(codec, bad)).rejects.toBeInstanceOf(CorruptRecordError);
    });
  }

  it('none is the identity', async () => {
    const b = Buffer.from('abc');
    expect(await compress('none', b)).toBe(b);
    expect(await decompress('none', b)).toBe(b);
  });
});

describe('gzip interop', () => {
  it('reads KafkaJS gzip output and KafkaJS reads ours', async () => {
    const data = sample(100_000, 7);
    expect((await decompress('gzip', await kafkaJsGzip.compress({ buffer: data }))).equals(data)).toBe(true);
    expect((await kafkaJsGzip.decompress(await compress('gzip', data))).equals(data)).toBe(true);
  });

  it('honours the level option', async () => {
    const data = sample(50_000, 3);
    const fast = await compress('gzip', data, { level: 1 });
    const best = await compress('gzip', data, { level: 9 });
    expect(best.length).toBeLessThanOrEqual(fast.length);
    expect((await decompress('gzip', fast)).equals(data)).toBe(true);
  });
});

describe('snappy', () => {
  // Raw snappy: uncompressed length varint, then a literal element: tag (len-1)<<2 | 0, bytes.
  const rawHello = hex(`05 10 68656c6c6f`); // len 5; literal of 5 ("hello")
  const rawWorld = hex(`06 14 20776f726c64`); // len 6; literal of 6 (" world")

  it('reads a xerial stream written by hand', async () => {
    const xerial = hex(`
      82 534e415050 59 00   // magic "\\x82SNAPPY\\0"
      00000001              // version 1
      00000001              // compatible version 1
      00000007 ${rawHello.toString('hex')}  // block 1: 7 bytes
      00000008 ${rawWorld.toString('hex')}  // block 2: 8 bytes
    `);
    expect(isXerial(xerial)).toBe(true);
    expect((await decompress('snappy', xerial)).toString()).toBe('hello world');
  });

  it('reads concatenated xerial streams (header repeated between blocks)', async () => {
    const header = hex(`82534e41505059000000000100000001`);
    const one = Buffer.concat([header, hex('00000007'), rawHello]);
    const two = Buffer.concat([header, hex('00000008'), rawWorld]);
    expect((await decompress('snappy', Buffer.concat([one, two]))).toString()).toBe('hello world');
  });

  it('reads raw snappy (librdkafka) by the absence of the magic', async () => {
    expect(isXerial(rawHello)).toBe(false);
    expect((await decompress('snappy', rawHello)).toString()).toBe('hello');
    const data = sample(100_000, 5);
    expect((await decompress('snappy', await compressSnappyRaw(data))).equals(data)).toBe(true);
  });

  it('writes xerial with 32 KiB blocks that plain snappy decodes', async () => {
    const data = sample(80_000, 9);
    const out = await compress('snappy', data);
    expect(out.subarray(0, 8).equals(XERIAL_MAGIC)).toBe(true);
    expect(out.readInt32BE(8)).toBe(1);
    expect(out.readInt32BE(12)).toBe(1);
    const blocks: Buffer[] = [];
    for (let at = 16; at < out.length;) {
      const len = out.readInt32BE(at);
      blocks.push(snappy.uncompressSync(out.subarray(at + 4, at + 4 + len), { asBuffer: true }));
      at += 4 + len;
    }
    expect(blocks.map((b) => b.length)).toEqual([32768, 32768, 80_000 - 65536]);
    expect(Buffer.concat(blocks).equals(data)).toBe(true);
  });

  it('rejects a xerial block running past the end', async () => {
    const bad = hex(`82534e41505059000000000100000001 00000009 0510 68656c6c6f`);
    await expect(decompress('snappy', bad)).rejects.toBeInstanceOf(CorruptRecordError);
  });
});

describe('lz4 frames', () => {
  function handFrame(blocks: Buffer[]): Buffer {
    const header = hex(`04224d18 60 40 00`); // magic LE, FLG: v01 + independent blocks, BD: 64 KiB, HC
    header[6] = (xxh32(0, header, 4, 2) >>> 8) & 0xff; // HC = second byte of xxh32(FLG..BD)
    const parts: Buffer[] = [header];
    for (const b of blocks) {
      const size = Buffer.alloc(4);
      size.writeUInt32LE((0x80000000 | b.length) >>> 0); // high bit: stored uncompressed
      parts.push(size, b);
    }
    parts.push(hex('00000000')); // end mark
    return Buffer.concat(parts);
  }

  it('reads a frame written by hand (uncompressed blocks)', async () => {
    const frame = handFrame([Buffer.from('hello '), Buffer.from('lz4')]);
    expect((await decompress('lz4', frame)).toString()).toBe('hello lz4');
    expect(decompressLz4FrameJs(frame).toString()).toBe('hello lz4');
  });

  it('reads lz4js frames (linked 4 MiB blocks) and lz4js reads ours', async () => {
    const data = sample(300_000, 11);
    const theirs = Buffer.from(lz4js.compress(data));
    expect((await decompress('lz4', theirs)).equals(data)).toBe(true);
    expect(decompressLz4FrameJs(theirs).equals(data)).toBe(true);
    expect(Buffer.from(lz4js.decompress(await compress('lz4', data))).equals(data)).toBe(true);
  });

  it('pure-JS writer emits what Kafka writes and lz4-napi reads it; and the reverse', () => {
    const data = sample(200_000, 13);
    const js = compressLz4FrameJs(data);
    expect(js.subarray(0, 6).toString('hex')).toBe('04224d186040'); // independent blocks, 64 KiB
    expect(js[6]).toBe((xxh32(0, js, 4, 2) >>> 8) & 0xff);
    expect(lz4napi.decompressFrameSync(js).equals(data)).toBe(true);
    expect(decompressLz4FrameJs(lz4napi.compressFrameSync(data)).equals(data)).toBe(true);
    expect(decompressLz4FrameJs(compressLz4FrameJs(Buffer.alloc(0))).length).toBe(0);
  });

  it('falls back to the pure-JS frame codec when asked (FLUXMQ_LZ4=js)', async () => {
    vi.stubEnv('FLUXMQ_LZ4', 'js');
    vi.resetModules();
    try {
      const mod = await import('../../../../src/protocol/records/compression/lz4.js');
      expect(mod.lz4Implementation).toBe('js');
      const data = sample(150_000, 17);
      const c = await mod.compressLz4(data);
      expect(c.subarray(4, 6).toString('hex')).toBe('6040');
      expect((await mod.decompressLz4(c)).equals(data)).toBe(true);
      expect(lz4napi.decompressFrameSync(c).equals(data)).toBe(true);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });

  it('pure-JS reader rejects a truncated frame', () => {
    const frame = compressLz4FrameJs(sample(1000));
    expect(() => decompressLz4FrameJs(frame.subarray(0, frame.length - 3))).toThrow(CorruptRecordError);
    expect(() => decompressLz4FrameJs(Buffer.from('not a frame'))).toThrow(CorruptRecordError);
  });
});

describe('zstd', () => {
  it('reads a streamed frame without content size, written by hand', async () => {
    const frame = hex(`
      28b52ffd   // magic
      00         // frame header descriptor: no content size, not single segment, no checksum, no dict
      00         // window descriptor: 1 KiB
      280000     // block header: last=0, type=raw(0), size=5
      68656c6c6f // "hello"
      530000     // block header: last=1, type=RLE(1), size=10
      7a         // 'z' repeated 10 times
    `);
    expect((await decompress('zstd', frame)).toString()).toBe('hello' + 'z'.repeat(10));
  });

  it('writes standard zstd frames', async () => {
    const out = await compress('zstd', sample(10_000));
    expect(out.readUInt32LE(0)).toBe(0xfd2fb528);
  });
});
