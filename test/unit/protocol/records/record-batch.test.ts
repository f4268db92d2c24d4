import { describe, expect, it } from 'vitest';
import {
  CorruptRecordError,
  crc32c,
  decodeRecordBatches,
  encodeRecordBatch,
  encodeRecordBatchSync,
  type CompressionType,
  type DecodedBatch,
} from '../../../../src/protocol/records/index.js';
import { FIXTURE_BATCH, FIXTURE_CRC, FIXTURE_INPUT } from './fixtures.js';
import { referenceCrc32c, require } from './helpers.js';

interface KafkaJsRecordBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  records: {
    offset: string;
    timestamp: string;
    key: Buffer | null;
    value: Buffer | null;
    headers: Record<string, Buffer>;
  }[];
}

const KafkaJsDecoder = require('kafkajs/src/protocol/decoder') as new (buf: Buffer) => unknown;
const kafkaJsRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: object) => unknown;
const { RecordBatch: kafkaJsRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (b: object) => Promise<{ buffer: Buffer }>;
};
const kafkaJsDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  d: unknown,
) => Promise<KafkaJsRecordBatch>;

const decodeWithKafkaJs = (buf: Buffer) => kafkaJsDecodeBatch(new KafkaJsDecoder(buf));

describe('hand-written RecordBatch fixture', () => {
  it('has the CRC an independent CRC-32C computes over attributes..end', () => {
    expect(FIXTURE_BATCH.length).toBe(12 + 76);
    expect(referenceCrc32c(FIXTURE_BATCH.subarray(21))).toBe(FIXTURE_CRC);
    expect(crc32c(FIXTURE_BATCH.subarray(21))).toBe(FIXTURE_CRC);
    expect(referenceCrc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('is what encodeRecordBatch writes, byte for byte', async () => {
    expect((await encodeRecordBatch(FIXTURE_INPUT)).toString('hex')).toBe(FIXTURE_BATCH.toString('hex'));
    expect(encodeRecordBatchSync(FIXTURE_INPUT).equals(FIXTURE_BATCH)).toBe(true);
  });

  it('decodes to the fields written by hand', async () => {
    const [batch, ...rest] = await decodeRecordBatches(FIXTURE_BATCH);
    expect(rest).toHaveLength(0);
    expect(batch).toMatchObject({
      baseOffset: 0,
      batchLength: 76,
      partitionLeaderEpoch: -1,
      magic: 2,
      crc: FIXTURE_CRC,
      attributes: 0,
      compression: 'none',
      timestampType: 'create',
      isTransactional: false,
      isControl: false,
      lastOffsetDelta: 1,
      baseTimestamp: 1700000000000,
      maxTimestamp: 1700000000005,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      recordCount: 2,
    });
    expect(batch!.records).toEqual([
      {
        offset: 0,
        timestamp: 1700000000000,
        key: null,
        value: Buffer.from('hello'),
        headers: [{ key: 'h', value: Buffer.from('x') }],
        attributes: 0,
      },
      {
        offset: 1,
        timestamp: 1700000000005,
        key: Buffer.from('k'),
        value: null,
        headers: [{ key: 'n', value: null }],
        attributes: 0,
      },
    ]);
  });

  it('is read by KafkaJS', async () => {
    const b = await decodeWithKafkaJs(FIXTURE_BATCH);
    expect(b.firstTimestamp).toBe('1700000000000');
    expect(b.records.map((r) => [r.offset, r.timestamp, r.key, r.value?.toString()])).toEqual([
      ['0', '1700000000000', null, 'hello'],
      ['1', '1700000000005', Buffer.from('k'), undefined],
    ]);
    expect(b.records[0]!.headers.h!.toString()).toBe('x');
  });

  it('throws CorruptRecordError for a flipped byte', async () => {
    for (const at of [21, 40, 70, FIXTURE_BATCH.length - 1]) {
      const bad = Buffer.from(FIXTURE_BATCH);
      bad[at] ^= 0x01;
      await expect(decodeRecordBatches(bad)).rejects.toBeInstanceOf(CorruptRecordError);
    }
  });

  it('ignores a trailing partial batch and decodes batches back to back', async () => {
    const two = Buffer.concat([FIXTURE_BATCH, FIXTURE_BATCH]);
    for (let cut = 0; cut < FIXTURE_BATCH.length; cut += 7) {
      const partial = Buffer.concat([two, FIXTURE_BATCH.subarray(0, cut)]);
      const batches = await decodeRecordBatches(partial);
      expect(batches).toHaveLength(2);
    }
    expect(await decodeRecordBatches(FIXTURE_BATCH.subarray(0, 60))).toEqual([]);
    expect(await decodeRecordBatches(Buffer.alloc(0))).toEqual([]);
  });
});

function kafkaJsRecords(n: number) {
  return Array.from({ length: n }, (_, i) =>
    kafkaJsRecord({
      offsetDelta: i,
      timestampDelta: i * 3,
      key: i % 3 === 0 ? null : Buffer.from(`key-${i}`),
      value: i % 5 === 0 ? null : Buffer.from(`value-${i}-`.repeat(i % 7)),
      headers: i % 2 ? { a: Buffer.from(`h${i}`), b: Buffer.from('') } : {},
    }),
  );
}

function ourRecords(n: number, base: number) {
  return Array.from({ length: n }, (_, i) => ({
    key: i % 3 === 0 ? null : `key-${i}`,
    value: i % 5 === 0 ? null : `value-${i}-`.repeat(i % 7),
    headers:
      i % 2
        ? [
            { key: 'a', value: Buffer.from(`h${i}`) },
            { key: 'b', value: Buffer.alloc(0) },
          ]
        : [],
    timestamp: base + i * 3,
  }));
}

describe('KafkaJS interop', () => {
  const base = 1_650_000_000_123;
  const common = {
    partitionLeaderEpoch: 7,
    producerId: 4242,
    producerEpoch: 3,
    baseSequence: 100,
  };

  for (const compression of ['none', 'gzip'] as const) {
    it(`KafkaJS-encoded batch (${compression}) decodes with ours`, async () => {
      const n = 25;
      const encoded = await kafkaJsRecordBatch({
        compression: compression === 'gzip' ? 1 : 0,
        firstOffset: 1000,
        firstTimestamp: base,
        maxTimestamp: base + (n - 1) * 3,
        partitionLeaderEpoch: 7,
        lastOffsetDelta: n - 1,
        transactional: true,
        producerId: 4242,
        producerEpoch: 3,
        firstSequence: 100,
        records: kafkaJsRecords(n),
      });
      const [batch] = await decodeRecordBatches(encoded.buffer);
      expect(batch).toMatchObject({
        baseOffset: 1000,
        partitionLeaderEpoch: 7,
        compression,
        isTransactional: true,
        lastOffsetDelta: n - 1,
        baseTimestamp: base,
        producerId: 4242,
        producerEpoch: 3,
        baseSequence: 100,
        recordCount: n,
      });
      const expected = ourRecords(n, base);
      batch!.records.forEach((r, i) => {
        expect(r.offset).toBe(1000 + i);
        expect(r.timestamp).toBe(expected[i]!.timestamp);
        expect(r.key?.toString() ?? null).toBe(expected[i]!.key);
        expect(r.value?.toString() ?? null).toBe(expected[i]!.value);
        expect(r.headers.map((h) => [h.key, h.value?.toString()])).toEqual(
          expected[i]!.headers.map((h) => [h.key, h.value.toString()]),
        );
      });
      if (compression === 'none') {
        // same content, same bytes
        const ours = await encodeRecordBatch({
          ...common,
          baseOffset: 1000,
          transactional: true,
          records: ourRecords(n, base),
        });
        expect(ours.toString('hex')).toBe(encoded.buffer.toString('hex'));
      }
    });

    it(`our batch (${compression}) decodes with KafkaJS`, async () => {
      const n = 30;
      const ours = await encodeRecordBatch({
        ...common,
        baseOffset: 55,
        compression,
        records: ourRecords(n, base),
      });
      const b = await decodeWithKafkaJs(ours);
      expect(b.firstOffset).toBe('55');
      expect(b.partitionLeaderEpoch).toBe(7);
      expect(b.producerId).toBe('4242');
      expect(b.producerEpoch).toBe(3);
      expect(b.firstSequence).toBe(100);
      expect(b.maxTimestamp).toBe(String(base + (n - 1) * 3));
      const expected = ourRecords(n, base);
      b.records.forEach((r, i) => {
        expect(r.offset).toBe(String(55 + i));
        expect(r.timestamp).toBe(String(expected[i]!.timestamp));
        expect(r.key?.toString() ?? null).toBe(expected[i]!.key);
        expect(r.value?.toString() ?? null).toBe(expected[i]!.value);
        expect(Object.keys(r.headers)).toEqual(expected[i]!.headers.map((h) => h.key));
      });
    });
  }
});

describe('encode/decode round trips', () => {
  const codecs: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

  for (const compression of codecs) {
    it(`round-trips ${compression}, small and past the sync threshold`, async () => {
      for (const n of [1, 3, 2500]) {
        const records = Array.from({ length: n }, (_, i) => ({
          key: `k${i}`,
          value: Buffer.from(`value ${i} `.repeat(5)),
          headers: { trace: `t${i}`, bin: Buffer.from([i & 0xff, 0, 0xff]) },
          timestamp: 1_700_000_000_000 + ((i * 7919) % 1000) - 500,
        }));
        const buf = await encodeRecordBatch({ records, compression, baseOffset: 10, transactional: true });
        expect(buf.readUInt16BE(21) & 7).toBe(['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(compression));
        const [b] = (await decodeRecordBatches(buf)) as [DecodedBatch];
        expect(b.compression).toBe(compression);
        expect(b.recordCount).toBe(n);
        expect(b.baseTimestamp).toBe(records[0]!.timestamp);
        expect(b.maxTimestamp).toBe(Math.max(...records.map((r) => r.timestamp)));
        b.records.forEach((r, i) => {
          expect(r.offset).toBe(10 + i);
          expect(r.timestamp).toBe(records[i]!.timestamp);
          expect(r.key!.toString()).toBe(records[i]!.key);
          expect(r.value!.equals(records[i]!.value)).toBe(true);
          expect(r.headers).toEqual([
            { key: 'trace', value: Buffer.from(`t${i}`) },
            { key: 'bin', value: records[i]!.headers.bin },
          ]);
        });
      }
    });
  }

  it('gives every record maxTimestamp when the batch is log-append time', async () => {
    const buf = await encodeRecordBatch({
      timestampType: 'log-append',
      records: [
        { value: 'a', timestamp: 5 },
        { value: 'b', timestamp: 9 },
        { value: 'c', timestamp: 7 },
      ],
    });
    const [b] = await decodeRecordBatches(buf);
    expect(b!.timestampType).toBe('log-append');
    expect(b!.records.map((r) => r.timestamp)).toEqual([9, 9, 9]);
  });

  it('honours an explicit baseTimestamp and large int64 fields', async () => {
    const buf = await encodeRecordBatch({
      baseTimestamp: 1000,
      baseOffset: 2 ** 40 + 3,
      producerId: 2 ** 45 + 1,
      records: [
        { value: 'x', timestamp: 900 },
        { value: 'y', timestamp: 2 ** 41 },
      ],
    });
    const [b] = await decodeRecordBatches(buf);
    expect(b!.baseTimestamp).toBe(1000);
    expect(b!.records.map((r) => [r.offset, r.timestamp])).toEqual([
      [2 ** 40 + 3, 900],
      [2 ** 40 + 4, 2 ** 41],
    ]);
    expect(b!.producerId).toBe(2 ** 45 + 1);
  });

  it('rejects an empty record list', async () => {
    await expect(encodeRecordBatch({ records: [] })).rejects.toThrow(RangeError);
  });

  it('throws CorruptRecordError for records that do not fill the batch, even with a good CRC', async () => {
    const good = encodeRecordBatchSync({ records: [{ value: 'abc' }, { value: 'def' }] });
    // claim 3 records
    const bad = Buffer.from(good);
    bad.writeInt32BE(3, 57);
    bad.writeUInt32BE(crc32c(bad.subarray(21)), 17);
    await expect(decodeRecordBatches(bad)).rejects.toThrow(CorruptRecordError);
    // claim 1 record: bytes left over
    bad.writeInt32BE(1, 57);
    bad.writeUInt32BE(crc32c(bad.subarray(21)), 17);
    await expect(decodeRecordBatches(bad)).rejects.toThrow(/left over/);
  });

  it('throws CorruptRecordError for an unknown magic or an impossible batchLength', async () => {
    const bad = Buffer.from(FIXTURE_BATCH);
    bad[16] = 3;
    await expect(decodeRecordBatches(bad)).rejects.toThrow(/magic 3/);
    const short = Buffer.from(FIXTURE_BATCH);
    short.writeInt32BE(20, 8);
    await expect(decodeRecordBatches(short)).rejects.toThrow(CorruptRecordError);
  });

  it('throws CorruptRecordError for undecodable compressed data', async () => {
    const buf = await encodeRecordBatch({ compression: 'lz4', records: [{ value: 'x'.repeat(100) }] });
    const bad = Buffer.from(buf);
    bad.fill(0xaa, 61 + 7, 61 + 12);
    bad.writeUInt32BE(crc32c(bad.subarray(21)), 17);
    await expect(decodeRecordBatches(bad)).rejects.toThrow(CorruptRecordError);
  });
});
