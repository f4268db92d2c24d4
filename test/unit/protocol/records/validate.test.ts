import { describe, expect, it } from 'vitest';
import {
  BatchScanner,
  RecordErrorCode,
  buildEndTxnMarkerBatch,
  crc32c,
  encodeRecordBatch,
  encodeRecordBatchSync,
  scanBatches,
  validateProducedBatches,
  type BatchValidation,
} from '../../../../src/protocol/records/index.js';
import { FIXTURE_BATCH } from './fixtures.js';
import { hex } from './helpers.js';

const { CORRUPT_MESSAGE, INVALID_RECORD, UNSUPPORTED_COMPRESSION_TYPE } = RecordErrorCode;

/** Rewrites the CRC so a deliberately broken header is only wrong in the field under test. */
function recrc(b: Buffer): Buffer {
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  return b;
}

function expectError(v: BatchValidation, code: number, pattern?: RegExp): void {
  expect(v.ok).toBe(false);
  if (v.ok) return;
  expect(v.errorCode).toBe(code);
  if (pattern) expect(v.message).toMatch(pattern);
}

const records = [
  { key: 'a', value: 'one', timestamp: 1000 },
  { key: null, value: 'two', headers: { h: 'v' }, timestamp: 1004 },
  { key: 'c', value: null, timestamp: 1002 },
];

describe('validateProducedBatches accepts', () => {
  it('the hand-written fixture', () => {
    const v = validateProducedBatches(FIXTURE_BATCH);
    expect(v).toEqual({
      ok: true,
      recordCount: 2,
      batches: [
        {
          position: 0,
          size: 88,
          recordCount: 2,
          lastOffsetDelta: 1,
          baseTimestamp: 1700000000000,
          maxTimestamp: 1700000000005,
          attributes: 0,
          compression: 'none',
          producerId: -1,
          producerEpoch: -1,
          baseSequence: -1,
          isTransactional: false,
        },
      ],
    });
  });

  it('every codec, idempotent and transactional producers', async () => {
    for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const buf = await encodeRecordBatch({
        records,
        compression,
        producerId: 12,
        producerEpoch: 2,
        baseSequence: 40,
        transactional: true,
      });
      const v = validateProducedBatches(buf, { apiVersion: 9 });
      expect(v.ok).toBe(true);
      if (!v.ok) continue;
      expect(v.recordCount).toBe(3);
      expect(v.batches[0]).toMatchObject({
        compression,
        producerId: 12,
        producerEpoch: 2,
        baseSequence: 40,
        isTransactional: true,
        maxTimestamp: 1004,
      });
    }
  });

  it('several batches only when allowed', () => {
    const two = Buffer.concat([FIXTURE_BATCH, FIXTURE_BATCH]);
    expectError(validateProducedBatches(two), INVALID_RECORD, /one record batch/);
    const v = validateProducedBatches(two, { allowMultipleBatches: true });
    expect(v.ok && v.batches.map((b) => b.position)).toEqual([0, 88]);
    expect(v.ok && v.recordCount).toBe(4);
  });

  it('records whose length varints take several bytes', () => {
    const big = encodeRecordBatchSync({
      records: [{ value: Buffer.alloc(300) }, { value: Buffer.alloc(20_000) }],
    });
    expect(validateProducedBatches(big).ok).toBe(true);
  });
});

describe('validateProducedBatches rejects', () => {
  it('an empty records set: INVALID_RECORD', () => {
    expectError(validateProducedBatches(Buffer.alloc(0)), INVALID_RECORD, /at least one/);
  });

  it('a truncated batch: CORRUPT_MESSAGE', () => {
    for (const cut of [1, 11, 16, 17, 60, 61, 87]) {
      expectError(validateProducedBatches(FIXTURE_BATCH.subarray(0, cut)), CORRUPT_MESSAGE);
    }
  });

  it('trailing bytes after the batch: CORRUPT_MESSAGE', () => {
    expectError(validateProducedBatches(Buffer.concat([FIXTURE_BATCH, Buffer.alloc(5)])), CORRUPT_MESSAGE);
    expectError(
      validateProducedBatches(Buffer.concat([FIXTURE_BATCH, FIXTURE_BATCH.subarray(0, 40)])),
      CORRUPT_MESSAGE,
    );
  });

  it('a wrong batchLength: CORRUPT_MESSAGE', () => {
    for (const len of [77, 75, 48, 0, -1, 0x7fffffff]) {
      const b = Buffer.from(FIXTURE_BATCH);
      b.writeInt32BE(len, 8);
      expectError(validateProducedBatches(b), CORRUPT_MESSAGE);
    }
  });

  it('any flipped byte covered by the CRC: CORRUPT_MESSAGE', () => {
    for (let at = 21; at < FIXTURE_BATCH.length; at++) {
      const b = Buffer.from(FIXTURE_BATCH);
      b[at] ^= 0x10;
      expectError(validateProducedBatches(b), CORRUPT_MESSAGE, /crc/);
    }
    const b = Buffer.from(FIXTURE_BATCH);
    b[19] ^= 1; // the CRC itself
    expectError(validateProducedBatches(b), CORRUPT_MESSAGE, /crc/);
  });

  it('magic 1 (a legacy message) or 0: INVALID_RECORD', () => {
    // offset 0 | size 22 | crc | magic 1 | attributes 0 | timestamp | key null | value "ab"
    const v1 = hex(`0000000000000000 00000016 00000000 01 00 0000000000000001 ffffffff 00000002 6162`);
    expectError(validateProducedBatches(v1), INVALID_RECORD, /magic 1/);
    const b = Buffer.from(FIXTURE_BATCH);
    b[16] = 0;
    expectError(validateProducedBatches(b), INVALID_RECORD, /magic 0/);
  });

  it('recordCount 0: INVALID_RECORD', () => {
    const b = Buffer.from(FIXTURE_BATCH);
    b.writeInt32BE(0, 57);
    expectError(validateProducedBatches(recrc(b)), INVALID_RECORD, /record count 0/);
  });

  it('lastOffsetDelta != recordCount - 1: INVALID_RECORD', () => {
    const b = Buffer.from(FIXTURE_BATCH);
    b.writeInt32BE(5, 23);
    expectError(validateProducedBatches(recrc(b)), INVALID_RECORD, /lastOffsetDelta/);
  });

  it('the control flag: INVALID_RECORD', () => {
    expectError(
      validateProducedBatches(
        buildEndTxnMarkerBatch({ producerId: 1, producerEpoch: 0, commit: true, coordinatorEpoch: 0 }),
      ),
      INVALID_RECORD,
      /control/,
    );
  });

  it('codec ids 5-7: UNSUPPORTED_COMPRESSION_TYPE; zstd before Produce v7 too', async () => {
    for (const id of [5, 6, 7]) {
      const b = Buffer.from(FIXTURE_BATCH);
      b.writeInt16BE(id, 21);
      expectError(validateProducedBatches(recrc(b)), UNSUPPORTED_COMPRESSION_TYPE, /codec id/);
    }
    const zstd = await encodeRecordBatch({ records, compression: 'zstd' });
    expectError(validateProducedBatches(zstd, { apiVersion: 6 }), UNSUPPORTED_COMPRESSION_TYPE, /zstd/);
    expect(validateProducedBatches(zstd, { apiVersion: 7 }).ok).toBe(true);
  });

  it('record lengths that do not fill the batch: INVALID_RECORD', () => {
    // one more / one fewer record than the lengths describe
    for (const count of [1, 3]) {
      const b = Buffer.from(FIXTURE_BATCH);
      b.writeInt32BE(count, 57);
      b.writeInt32BE(count - 1, 23);
      expectError(validateProducedBatches(recrc(b)), INVALID_RECORD, /fill/);
    }
    // a record length one byte too long or too short
    for (const len of [0x1c, 0x20, 0x01, 0x00]) {
      const b = Buffer.from(FIXTURE_BATCH);
      b[61] = len;
      expectError(validateProducedBatches(recrc(b)), INVALID_RECORD, /fill/);
    }
  });

  it('a non-zero baseOffset or a producer id without a sequence: INVALID_RECORD', () => {
    const b = Buffer.from(FIXTURE_BATCH);
    b.writeInt32BE(9, 4); // baseOffset is not covered by the CRC
    expectError(validateProducedBatches(b), INVALID_RECORD, /baseOffset 9/);
    const noSeq = encodeRecordBatchSync({ records, producerId: 5, producerEpoch: 0, baseSequence: -1 });
    expectError(validateProducedBatches(noSeq), INVALID_RECORD, /sequence/);
  });
});

describe('BatchScanner / scanBatches', () => {
  const a = encodeRecordBatchSync({ records, baseOffset: 0 });
  const b = encodeRecordBatchSync({ records: records.slice(0, 1), baseOffset: 3, partitionLeaderEpoch: 4 });
  const log = Buffer.concat([a, b]);

  it('steps over good batches to the end', () => {
    const s = new BatchScanner(log);
    const seen: [number, number, number, number][] = [];
    while (s.next()) seen.push([s.position, s.size, s.baseOffset, s.lastOffset]);
    expect(seen).toEqual([
      [0, a.length, 0, 2],
      [a.length, b.length, 3, 3],
    ]);
    expect(s.stop).toBe('end');
    expect(s.validEnd).toBe(log.length);
    expect(s.next()).toBe(false);
  });

  it('stops at a torn tail with "incomplete"', () => {
    for (const cut of [1, 11, 12, 30, b.length - 1]) {
      const r = scanBatches(Buffer.concat([a, b.subarray(0, cut)]));
      expect(r.stop).toBe('incomplete');
      expect(r.validEnd).toBe(a.length);
      expect(r.batches).toHaveLength(1);
    }
  });

  it('stops at a bad CRC, magic or length with "corrupt"', () => {
    const flipped = Buffer.from(log);
    flipped[a.length + 40] ^= 1;
    const r = scanBatches(flipped);
    expect([r.stop, r.validEnd, r.batches.length]).toEqual(['corrupt', a.length, 1]);
    expect(r.reason).toMatch(/CRC/);
    expect(scanBatches(flipped, 0, flipped.length, { verifyCrc: false }).stop).toBe('end');

    const zeroed = Buffer.concat([a, Buffer.alloc(100)]);
    expect(scanBatches(zeroed).stop).toBe('corrupt');
    const magic = Buffer.from(log);
    magic[a.length + 16] = 1;
    expect(scanBatches(magic).reason).toMatch(/magic 1/);
  });

  it('scans a sub-range', () => {
    const r = scanBatches(log, a.length, log.length);
    expect(r.batches.map((x) => x.baseOffset)).toEqual([3]);
    expect(r.batches[0]!.partitionLeaderEpoch).toBe(4);
  });
});
