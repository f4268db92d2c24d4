import { describe, expect, it } from 'vitest';
import { buildMegaBatch, cloneFrame, readSendTime, stampSendTime } from '../../../src/bench/megabatch.js';
import { encodedRecordSize, recordsPerBatch } from '../../../src/bench/options.js';
import { payload } from '../../../src/bench/payload.js';
import { Reader } from '../../../src/protocol/codec/reader.js';
import { readRequestHeader } from '../../../src/protocol/framing.js';
import { decodeProduceRequest } from '../../../src/protocol/messages/index.js';
import { batchCrcMatches } from '../../../src/protocol/records/batch-header.js';
import { decodeRecordBatches } from '../../../src/protocol/records/record-batch.js';
import { validateProducedBatches } from '../../../src/protocol/records/validate.js';

describe('MegaBatch frames', () => {
  it('encode a valid Produce request whose batch the records module decodes record for record', async () => {
    const f = await buildMegaBatch({
      topic: 't',
      partition: 3,
      recordCount: 50,
      recordSize: 32,
      acks: -1,
      compression: 'none',
    });
    expect(f.frame.readInt32BE(0)).toBe(f.frame.length - 4);
    const { header, body } = readRequestHeader(f.frame.subarray(4));
    expect(header.apiKey).toBe(0);
    const req = decodeProduceRequest(body, header.apiVersion);
    expect(req.acks).toBe(-1);
    expect(req.topicData[0]!.partitionData[0]!.index).toBe(3);
    const records = req.topicData[0]!.partitionData[0]!.records!;
    expect(records.equals(f.frame.subarray(f.batchAt, f.batchAt + f.batchSize))).toBe(true);
    expect(validateProducedBatches(records).ok).toBe(true);
    const [batch] = await decodeRecordBatches(records);
    expect(batch!.records).toHaveLength(50);
    batch!.records.forEach((r, i) => expect(r.value).toEqual(payload(32, i + 1)));
    expect(f.payloadBytes).toBe(50 * 32);
  });

  it('stamps a send time, keeps the CRC valid, and reads it back', async () => {
    const f = cloneFrame(
      await buildMegaBatch({
        topic: 't',
        partition: 0,
        recordCount: 10,
        recordSize: 64,
        acks: 1,
        compression: 'none',
      }),
    );
    const t = 1_800_000_000_123_456.5;
    stampSendTime(f, t);
    const batch = f.frame.subarray(f.batchAt, f.batchAt + f.batchSize);
    expect(batchCrcMatches(batch, 0, batch.length)).toBe(true);
    expect(readSendTime(batch, 0)).toBe(t);
    const [decoded] = await decodeRecordBatches(batch);
    expect(decoded!.maxTimestamp).toBe(Math.floor(t / 1000));
    expect(decoded!.records[0]!.value!.readDoubleBE(0)).toBe(t);
  });

  it('compressed batches carry the codec and refuse send-time stamps', async () => {
    const f = await buildMegaBatch({
      topic: 't',
      partition: 0,
      recordCount: 100,
      recordSize: 100,
      acks: 1,
      compression: 'lz4',
    });
    const [decoded] = await decodeRecordBatches(f.frame.subarray(f.batchAt, f.batchAt + f.batchSize));
    expect(decoded!.compression).toBe('lz4');
    expect(decoded!.records).toHaveLength(100);
    expect(() => stampSendTime(f, 1)).toThrow(/uncompressed/);
  });

  it('fills --batch-bytes without going over it', async () => {
    for (const recordSize of [10, 100, 1024]) {
      const n = recordsPerBatch({ batchBytes: 65536, recordSize, lingerMs: 5 });
      const f = await buildMegaBatch({
        topic: 't',
        partition: 0,
        recordCount: n,
        recordSize,
        acks: 1,
        compression: 'none',
      });
      expect(f.batchSize).toBeLessThanOrEqual(65536);
      expect(f.batchSize).toBeGreaterThan(0.9 * 65536 - encodedRecordSize(recordSize));
    }
  });

  it('sizes batches by rate x linger when rate limited', () => {
    expect(recordsPerBatch({ batchBytes: 1 << 20, recordSize: 100, rate: 50_000, lingerMs: 5 })).toBe(250);
    expect(recordsPerBatch({ batchBytes: 1000, recordSize: 100, rate: 1e9, lingerMs: 5 })).toBe(8);
    expect(new Reader(Buffer.alloc(0)).remaining).toBe(0);
  });
});
