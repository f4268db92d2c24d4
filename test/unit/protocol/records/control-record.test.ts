import { describe, expect, it } from 'vitest';
import {
  ControlRecordType,
  CorruptRecordError,
  buildEndTxnMarkerBatch,
  decodeControlRecordKey,
  decodeEndTxnMarkerValue,
  decodeRecordBatches,
  encodeControlRecordKey,
  encodeEndTxnMarkerValue,
  txnMarkerOf,
} from '../../../../src/protocol/records/index.js';
import { hex } from './helpers.js';

describe('control records', () => {
  it('key and EndTxnMarker value have the documented layout', () => {
    expect(encodeControlRecordKey(ControlRecordType.COMMIT).equals(hex('0000 0001'))).toBe(true); // version 0, COMMIT
    expect(encodeControlRecordKey(ControlRecordType.ABORT).equals(hex('0000 0000'))).toBe(true); // version 0, ABORT
    expect(encodeEndTxnMarkerValue(300).equals(hex('0000 0000012c'))).toBe(true); // version 0, coordinatorEpoch 300
    expect(decodeControlRecordKey(hex('0000 0001'))).toEqual({ version: 0, type: 1 });
    expect(decodeControlRecordKey(hex('0001 0000 ff'))).toEqual({ version: 1, type: 0 }); // newer version, extra bytes
    expect(decodeEndTxnMarkerValue(hex('0000 0000012c'))).toEqual({ version: 0, coordinatorEpoch: 300 });
    expect(() => decodeControlRecordKey(hex('0000'))).toThrow(CorruptRecordError);
    expect(() => decodeControlRecordKey(null)).toThrow(CorruptRecordError);
    expect(() => decodeEndTxnMarkerValue(hex('ffff 00000000'))).toThrow(CorruptRecordError);
  });

  for (const commit of [true, false]) {
    it(`round-trips a ${commit ? 'COMMIT' : 'ABORT'} marker batch`, async () => {
      const buf = buildEndTxnMarkerBatch({
        producerId: 9001,
        producerEpoch: 4,
        commit,
        coordinatorEpoch: 17,
        baseOffset: 120,
        partitionLeaderEpoch: 3,
        timestamp: 1_700_000_000_000,
      });
      const [batch] = await decodeRecordBatches(buf);
      expect(batch).toMatchObject({
        baseOffset: 120,
        partitionLeaderEpoch: 3,
        isControl: true,
        isTransactional: true,
        attributes: 0x30,
        producerId: 9001,
        producerEpoch: 4,
        baseSequence: -1,
        recordCount: 1,
        lastOffsetDelta: 0,
        maxTimestamp: 1_700_000_000_000,
      });
      expect(batch!.records[0]!.key!.equals(hex(commit ? '00000001' : '00000000'))).toBe(true);
      expect(txnMarkerOf(batch!)).toEqual({
        commit,
        coordinatorEpoch: 17,
        producerId: 9001,
        producerEpoch: 4,
        offset: 120,
      });
    });
  }

  it('txnMarkerOf is null for data batches', async () => {
    const [batch] = await decodeRecordBatches(
      buildEndTxnMarkerBatch({ producerId: 1, producerEpoch: 0, commit: true, coordinatorEpoch: 0 }),
    );
    expect(txnMarkerOf({ ...batch!, isControl: false })).toBeNull();
  });
});
