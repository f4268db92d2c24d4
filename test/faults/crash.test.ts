// kill -9 while a producer sends with acks=1: after restart every acknowledged record is there,
// exactly once, at the offset the broker acknowledged, and the log end offset is consistent.
import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaConnection } from '../../src/client/connection.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { encodeRecordBatch } from '../../src/protocol/records/record-batch.js';
import { startBroker, tempDataDir, type RunningBroker } from '../helpers/broker.js';
import { connectTo, createTopic, fetchAll, logEndOffset } from '../helpers/client.js';

let broker: RunningBroker | undefined;

afterEach(async () => {
  await broker?.kill9();
  broker = undefined;
});

/** Sends batches of 10 records, up to `inflight` requests at a time, until the connection dies. */
async function produceUntilDeath(
  c: KafkaConnection,
  acked: Map<string, number>,
  inflight = 8,
): Promise<void> {
  let seq = 0;
  const sendOne = async (): Promise<void> => {
    const values = Array.from({ length: 10 }, () => `m-${seq++}`);
    const records = await encodeRecordBatch({ records: values.map((v) => ({ value: v })) });
    const res = await c.request(ApiKey.Produce, 9, {
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: 'crash', partitionData: [{ index: 0, records }] }],
    });
    const p = res.responses[0].partitionResponses[0];
    if (p.errorCode !== 0) throw new Error(`produce error ${p.errorCode}`);
    values.forEach((v, i) => acked.set(v, p.baseOffset + i));
  };
  const lanes = Array.from({ length: inflight }, async () => {
    for (;;) await sendOne();
  });
  await Promise.allSettled(lanes);
}

describe('crash with kill -9 during acks=1 produce', () => {
  it('recovers with every acknowledged record present exactly once', async () => {
    const dataDir = tempDataDir();
    broker = await startBroker({ dataDir, overrides: { 'log.segment.bytes': 64 * 1024 } });
    const c = await connectTo(broker.port);
    await createTopic(c, 'crash');
    const acked = new Map<string, number>();
    const producing = produceUntilDeath(c, acked);
    while (acked.size < 3000) await new Promise((r) => setTimeout(r, 10));
    await broker.kill9();
    await producing;
    c.close();

    broker = await startBroker({ dataDir });
    const c2 = await connectTo(broker.port);
    const records = await fetchAll(c2, 'crash');
    const leo = await logEndOffset(c2, 'crash');
    c2.close();

    // offsets are dense and end at the log end offset
    records.forEach((r, i) => expect(r.offset).toBe(i));
    expect(leo).toBe(records.length);
    // every acknowledged record is there exactly once, at its acknowledged offset
    const seen = new Map<string, number>();
    for (const r of records) {
      expect(seen.has(r.value!)).toBe(false);
      seen.set(r.value!, r.offset);
    }
    for (const [value, offset] of acked) expect(seen.get(value)).toBe(offset);
    expect(records.length).toBeGreaterThanOrEqual(acked.size);
  });
});
