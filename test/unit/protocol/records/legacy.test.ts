import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CorruptRecordError,
  compress,
  compressLz4FrameJs,
  crc32Ieee,
  decodeLegacyMessageSet,
  decodeRecordBatches,
  type CompressionType,
} from '../../../../src/protocol/records/index.js';
import { FIXTURE_BATCH } from './fixtures.js';
import { hex, require } from './helpers.js';

const crc32 = require('crc-32') as { buf(b: Uint8Array): number };
const KafkaJsDecoder = require('kafkajs/src/protocol/decoder') as new (buf: Buffer) => unknown;
const kafkaJsMessageSet = require('kafkajs/src/protocol/messageSet') as (a: object) => { buffer: Buffer };
const kafkaJsMessageSetDecoder = require('kafkajs/src/protocol/messageSet/decoder') as (
  d: unknown,
  size: number,
) => Promise<{ offset: string; key: Buffer | null; value: Buffer | null; timestamp?: string }[]>;
const kafkaJsMessage = require('kafkajs/src/protocol/message') as (o: { version: number }) => (m: object) => {
  buffer: Buffer;
};
const xxh32 = (
  require('lz4js/xxh32.js') as { hash: (seed: number, b: Uint8Array, i: number, n: number) => number }
).hash;

// Written by hand from the "Old Message Format" section of Kafka's implementation docs.
const V0_MESSAGE = hex(`
  0000000000000005   // offset int64 = 5
  00000011           // message_size int32 = 17
  165764b1           // crc int32: CRC-32 (IEEE) of magic..value
  00                 // magic = 0
  00                 // attributes: no compression
  00000001 6b        // key bytes: "k"
  00000002 7630      // value bytes: "v0"
`);
const V1_MESSAGE = hex(`
  0000000000000006   // offset int64 = 6
  00000018           // message_size int32 = 24
  6a5500fb           // crc int32
  01                 // magic = 1
  00                 // attributes: no compression, create time
  0000018bcfe56800   // timestamp int64 = 1700000000000
  ffffffff           // key bytes: null
  00000002 7631      // value bytes: "v1"
`);

/** One outer entry: offset, message_size, message. */
function entry(offset: number, message: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigInt64BE(BigInt(offset), 0);
  head.writeInt32BE(message.length, 8);
  return Buffer.concat([head, message]);
}

/** A compressed wrapper around `inner` (a message set), encoded with KafkaJS's message encoders. */
function wrapper(
  magic: 0 | 1,
  codecId: number,
  offset: number,
  compressed: Buffer,
  timestamp = 0,
  logAppend = false,
) {
  const message =
    magic === 0
      ? kafkaJsMessage({ version: 0 })({ compression: codecId, key: null, value: compressed })
      : kafkaJsMessage({ version: 1 })({ compression: codecId, timestamp, key: null, value: compressed });
  const m = Buffer.from(message.buffer);
  if (logAppend) {
    m[5] |= 0x08;
    m.writeInt32BE(crc32.buf(m.subarray(4)), 0);
  }
  return entry(offset, m);
}

const innerEntries = [
  { key: 'a', value: 'first', timestamp: 1000 },
  { key: null, value: 'second', timestamp: 1001 },
  { key: 'c', value: null, timestamp: 1002 },
];

describe('legacy message sets', () => {
  it('hand-written fixtures carry CRCs an independent CRC-32 agrees with', () => {
    expect(crc32.buf(V0_MESSAGE.subarray(16)) >>> 0).toBe(0x165764b1);
    expect(crc32.buf(V1_MESSAGE.subarray(16)) >>> 0).toBe(0x6a5500fb);
    expect(crc32Ieee(V1_MESSAGE.subarray(16))).toBe(0x6a5500fb);
  });

  it('decodes v0 and v1 messages written by hand', async () => {
    const messages = await decodeLegacyMessageSet(Buffer.concat([V0_MESSAGE, V1_MESSAGE]));
    expect(messages).toEqual([
      {
        offset: 5,
        magic: 0,
        attributes: 0,
        compression: 'none',
        timestampType: 'create',
        timestamp: -1,
        key: Buffer.from('k'),
        value: Buffer.from('v0'),
        crc: 0x165764b1,
      },
      {
        offset: 6,
        magic: 1,
        attributes: 0,
        compression: 'none',
        timestampType: 'create',
        timestamp: 1700000000000,
        key: null,
        value: Buffer.from('v1'),
        crc: 0x6a5500fb,
      },
    ]);
  });

  it('ignores a trailing partial message and rejects a bad CRC', async () => {
    const withTail = Buffer.concat([V0_MESSAGE, V1_MESSAGE.subarray(0, 20)]);
    expect(await decodeLegacyMessageSet(withTail)).toHaveLength(1);
    const bad = Buffer.from(V1_MESSAGE);
    bad[bad.length - 1] ^= 1;
    await expect(decodeLegacyMessageSet(bad)).rejects.toBeInstanceOf(CorruptRecordError);
  });

  it('agrees with KafkaJS on uncompressed v0/v1 sets', async () => {
    for (const messageVersion of [0, 1]) {
      const set = kafkaJsMessageSet({ messageVersion, compression: 0, entries: innerEntries }).buffer;
      const theirs = await kafkaJsMessageSetDecoder(new KafkaJsDecoder(set), set.length);
      const ours = await decodeLegacyMessageSet(set);
      expect(ours.map((m) => [m.offset, m.key, m.value, m.timestamp])).toEqual(
        theirs.map((m) => [
          Number(m.offset),
          m.key,
          m.value,
          messageVersion === 1 ? Number(m.timestamp) : -1,
        ]),
      );
    }
  });

  it('expands a v1 gzip wrapper with relative inner offsets', async () => {
    const inner = kafkaJsMessageSet({ messageVersion: 1, compression: 1, entries: innerEntries }).buffer;
    const set = wrapper(1, 1, 41, gzipSync(inner), 5000);
    const ours = await decodeLegacyMessageSet(set);
    expect(
      ours.map((m) => [m.offset, m.key?.toString() ?? null, m.value?.toString() ?? null, m.timestamp]),
    ).toEqual([
      [39, 'a', 'first', 1000],
      [40, null, 'second', 1001],
      [41, 'c', null, 1002],
    ]);
    expect(ours.every((m) => m.compression === 'gzip' && m.magic === 1)).toBe(true);
    const theirs = await kafkaJsMessageSetDecoder(new KafkaJsDecoder(set), set.length);
    expect(theirs.map((m) => Number(m.offset))).toEqual([39, 40, 41]);
  });

  it('gives inner messages the wrapper timestamp under log-append time', async () => {
    const inner = kafkaJsMessageSet({ messageVersion: 1, compression: 1, entries: innerEntries }).buffer;
    const set = wrapper(1, 1, 2, gzipSync(inner), 7777, true);
    const ours = await decodeLegacyMessageSet(set);
    expect(ours.map((m) => [m.timestamp, m.timestampType])).toEqual([
      [7777, 'log-append'],
      [7777, 'log-append'],
      [7777, 'log-append'],
    ]);
  });

  it('expands a v0 wrapper with absolute inner offsets, for gzip, snappy and lz4', async () => {
    const inner = kafkaJsMessageSet({ messageVersion: 0, compression: 1, entries: innerEntries }).buffer;
    for (const codec of ['gzip', 'snappy', 'lz4'] as CompressionType[]) {
      let value = await compress(codec, inner);
      if (codec === 'lz4') {
        // Kafka before 0.10 computed the v0 lz4 header checksum over magic+FLG+BD (KAFKA-3160)
        value = Buffer.from(compressLz4FrameJs(inner));
        value[6] = (xxh32(0, value, 0, 6) >>> 8) & 0xff;
      }
      const id = ['none', 'gzip', 'snappy', 'lz4'].indexOf(codec);
      const ours = await decodeLegacyMessageSet(wrapper(0, id, 2, value));
      expect(ours.map((m) => [m.offset, m.value?.toString() ?? null, m.compression])).toEqual([
        [0, 'first', codec],
        [1, 'second', codec],
        [2, null, codec],
      ]);
    }
  });

  it('decodeRecordBatches reads legacy entries next to v2 batches', async () => {
    const inner = kafkaJsMessageSet({ messageVersion: 1, compression: 1, entries: innerEntries }).buffer;
    const buf = Buffer.concat([V0_MESSAGE, wrapper(1, 1, 9, gzipSync(inner), 5000), FIXTURE_BATCH]);
    const batches = await decodeRecordBatches(buf);
    expect(
      batches.map((b) => [b.magic, b.baseOffset, b.recordCount, b.lastOffsetDelta, b.compression]),
    ).toEqual([
      [0, 5, 1, 0, 'none'],
      [1, 7, 3, 2, 'gzip'],
      [2, 0, 2, 1, 'none'],
    ]);
    expect(batches[1]!.records.map((r) => r.offset)).toEqual([7, 8, 9]);
    expect(batches[1]!.maxTimestamp).toBe(1002);
  });
});
