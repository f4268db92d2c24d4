import { describe, expect, it } from 'vitest';
import { RECORD_COUNT, RECORDS } from '../../../../src/protocol/records/batch-header.js';
import type { CompressionType } from '../../../../src/protocol/records/compression/types.js';
import { CorruptRecordError } from '../../../../src/protocol/records/errors.js';
import { encodeRecordBatch } from '../../../../src/protocol/records/record-batch.js';
import {
  firstRecordWithoutKey,
  firstRecordWithoutKeyInBatch,
} from '../../../../src/protocol/records/record-keys.js';

describe('records without a key (compacted topics)', () => {
  it('finds the first keyless record of an uncompressed batch in place', async () => {
    const batch = await encodeRecordBatch({
      records: [
        { key: 'a', value: '1' },
        { key: '', value: '2' },
        { value: '3' },
        { key: null, value: null },
      ],
    });
    const count = batch.readInt32BE(RECORD_COUNT);
    expect(firstRecordWithoutKey(batch, RECORDS, batch.length, count)).toBe(2);
    const keyed = await encodeRecordBatch({ records: [{ key: 'a', value: null }] });
    expect(firstRecordWithoutKey(keyed, RECORDS, keyed.length, 1)).toBe(-1);
  });

  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as CompressionType[]) {
    it(`decompresses a ${codec} batch to check its keys`, async () => {
      const batch = await encodeRecordBatch({
        records: [{ key: 'a', value: '1' }, { value: 'no key' }],
        compression: codec,
      });
      expect(await firstRecordWithoutKeyInBatch(batch, 0, batch.length)).toBe(1);
    });
  }

  it('throws CorruptRecordError for records that do not parse', async () => {
    const batch = await encodeRecordBatch({ records: [{ key: 'a', value: '1' }] });
    expect(() => firstRecordWithoutKey(batch, RECORDS, batch.length - 3, 1)).toThrow(CorruptRecordError);
  });
});
