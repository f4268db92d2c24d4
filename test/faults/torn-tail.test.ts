// Damage a segment while the broker is stopped: start recovers to the last whole batch, says so in
// its log, and serves and appends from there.
import { openSync, closeSync, readdirSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import { startBroker, tempDataDir, type RunningBroker } from '../helpers/broker.js';
import { connectTo, createTopic, fetchAll, logEndOffset, produceValues } from '../helpers/client.js';
import { newTally, summary, verify } from '../helpers/faults.js';
import { storedBatches } from '../helpers/segments.js';

let broker: RunningBroker | undefined;

afterEach(async () => {
  await broker?.stop();
  broker = undefined;
});

/** 20 batches of 5 records in one partition; returns the data dir, after the broker is stopped as asked. */
async function seed(stop: 'clean' | 'kill'): Promise<string> {
  const dataDir = tempDataDir();
  broker = await startBroker({ dataDir });
  const c = await connectTo(broker.port);
  await createTopic(c, 'torn');
  for (let b = 0; b < 20; b++) {
    await produceValues(
      c,
      'torn',
      0,
      Array.from({ length: 5 }, (_, i) => `b${b}-r${i}`),
    );
  }
  c.close();
  if (stop === 'clean') await broker.stop();
  else await broker.kill9();
  broker = undefined;
  return dataDir;
}

function segmentFile(dataDir: string): string {
  const dir = join(dataDir, 'torn-0');
  return join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.log'))!,
  );
}

/** The values of the first `batches` seeded batches, acknowledged at offsets 0, 1, ... */
function seededTally(batches: number) {
  const tally = newTally();
  for (let b = 0; b < batches; b++) for (let i = 0; i < 5; i++) tally.acked.set(`b${b}-r${i}`, b * 5 + i);
  return tally;
}

/** Prints the summary line of a scenario whose first `intact` batches must all be read back. */
function report(scenario: string, intact: number, records: { offset: number; value: string | null }[]) {
  const v = verify(
    seededTally(intact),
    records.map((r) => ({ ...r, key: null })),
  );
  summary(scenario, v, { 'batches cut at recovery (the damaged one and those after it)': 20 - intact });
  expect(v.lost).toBe(0);
  expect(v.duplicated).toBe(0);
}

function recoveryWarning(l: Record<string, unknown>): boolean {
  return l.level === 40 && /truncat/i.test(String(l.msg));
}

describe('recovery of a damaged segment', () => {
  for (const stop of ['kill', 'clean'] as const) {
    it(`truncates a torn tail (cut mid-batch after a ${stop} stop) back to the last whole batch`, async () => {
      const dataDir = await seed(stop);
      const file = segmentFile(dataDir);
      truncateSync(file, statSync(file).size - 7);

      broker = await startBroker({ dataDir });
      await broker.waitForLog(recoveryWarning);
      const c = await connectTo(broker.port);
      expect(await logEndOffset(c, 'torn')).toBe(95);
      const records = await fetchAll(c, 'torn');
      report(`torn segment tail after a ${stop} stop`, 19, records);
      expect(records.map((r) => r.value)).toEqual(
        Array.from({ length: 19 }, (_, b) => Array.from({ length: 5 }, (_, i) => `b${b}-r${i}`)).flat(),
      );
      expect((await produceValues(c, 'torn', 0, ['again'])).baseOffset).toBe(95);
      c.close();
    });
  }

  it('truncates from a batch with a flipped byte (bad CRC) after a crash', async () => {
    const dataDir = await seed('kill');
    const file = segmentFile(dataDir);
    const tenth = storedBatches(dataDir, 'torn', 0)[10]!;
    const before = readFileSync(file);
    let position = 0;
    for (let i = 0; i < 10; i++) position += before.readInt32BE(position + 8) + 12;
    expect(tenth.baseOffset).toBe(50);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from([before[position + 70]! ^ 0x5a]), 0, 1, position + 70);
    closeSync(fd);

    broker = await startBroker({ dataDir });
    const warning = await broker.waitForLog(recoveryWarning);
    expect(JSON.stringify(warning)).toContain('torn');
    const c = await connectTo(broker.port);
    expect(await logEndOffset(c, 'torn')).toBe(50);
    const records = await fetchAll(c, 'torn');
    report('bad CRC in the 11th of 20 batches after a crash', 10, records);
    expect(records.length).toBe(50);
    c.close();
  });
});

// The index files: damaged while the broker is stopped, they are rebuilt from the log at start and
// lookups by offset and by timestamp answer as before.
describe('recovery of a damaged index file', () => {
  const INDEX = '00000000000000000000.index';
  const TIME_INDEX = '00000000000000000000.timeindex';

  /** 20 batches of 5 records with a sparse index entry every ~100 bytes; returns the data dir. */
  async function seedIndexed(stop: 'clean' | 'kill'): Promise<string> {
    const dataDir = tempDataDir();
    broker = await startBroker({ dataDir, overrides: { 'log.index.interval.bytes': 100 } });
    const c = await connectTo(broker.port);
    await createTopic(c, 'torn');
    for (let b = 0; b < 20; b++) {
      await produceValues(
        c,
        'torn',
        0,
        Array.from({ length: 5 }, (_, i) => `b${b}-r${i}`),
      );
    }
    c.close();
    if (stop === 'clean') await broker.stop();
    else await broker.kill9();
    broker = undefined;
    return dataDir;
  }

  /** The first record offset a Fetch at `offset` returns. */
  async function firstFetched(port: number, offset: number): Promise<number> {
    const c = await connectTo(port);
    const res = await c.request(ApiKey.Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        { topic: 'torn', partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    c.close();
    const [first] = await decodeRecordBatches(res.responses[0].partitions[0].records);
    return first!.records.find((r) => r.offset >= offset)!.offset;
  }

  function rebuilt(l: Record<string, unknown>): boolean {
    return l.msg === 'rebuilding segment indexes' || l.msg === 'log recovery truncated invalid data';
  }

  async function expectIntact(scenario: string, dataDir: string, indexBytes: number): Promise<void> {
    broker = await startBroker({ dataDir, overrides: { 'log.index.interval.bytes': 100 } });
    const c = await connectTo(broker.port);
    expect(await logEndOffset(c, 'torn')).toBe(100);
    const records = await fetchAll(c, 'torn');
    report(scenario, 20, records);
    expect(records.map((r) => r.value)).toEqual(
      Array.from({ length: 20 }, (_, b) => Array.from({ length: 5 }, (_, i) => `b${b}-r${i}`)).flat(),
    );
    c.close();
    for (const offset of [0, 37, 57, 99]) expect(await firstFetched(broker.port, offset)).toBe(offset);
    // the rebuilt index holds whole entries again, as many as before
    expect(statSync(join(dataDir, 'torn-0', INDEX)).size).toBe(indexBytes);
    const p = await connectTo(broker.port);
    expect((await produceValues(p, 'torn', 0, ['again'])).baseOffset).toBe(100);
    p.close();
    await broker.stop();
    broker = undefined;
  }

  it('rebuilds an offset index cut mid-entry (after a clean stop)', async () => {
    const dataDir = await seedIndexed('clean');
    const index = join(dataDir, 'torn-0', INDEX);
    const size = statSync(index).size;
    expect(size).toBeGreaterThanOrEqual(5 * 8);
    truncateSync(index, size - 3);
    broker = await startBroker({ dataDir, overrides: { 'log.index.interval.bytes': 100 } });
    expect(JSON.stringify(await broker.waitForLog(rebuilt))).toContain('offset index');
    await broker.stop();
    await expectIntact('offset index cut mid-entry after a clean stop', dataDir, size);
  });

  it('rebuilds an offset index whose entries were overwritten with garbage (after a kill -9)', async () => {
    const dataDir = await seedIndexed('kill');
    const index = join(dataDir, 'torn-0', INDEX);
    const size = statSync(index).size;
    const fd = openSync(index, 'r+');
    writeSync(fd, Buffer.alloc(size, 0x7f), 0, size, 0);
    closeSync(fd);
    await expectIntact('offset index overwritten with garbage after a kill -9', dataDir, size);
  });

  it('rebuilds a time index with decreasing timestamps (after a clean stop); ListOffsets by time still answers', async () => {
    const dataDir = await seedIndexed('clean');
    const timeIndex = join(dataDir, 'torn-0', TIME_INDEX);
    const size = statSync(timeIndex).size;
    expect(size).toBeGreaterThanOrEqual(2 * 12);
    const fd = openSync(timeIndex, 'r+');
    writeSync(fd, Buffer.alloc(8, 0x7f), 0, 8, 0); // first entry's timestamp becomes the largest
    closeSync(fd);
    broker = await startBroker({ dataDir, overrides: { 'log.index.interval.bytes': 100 } });
    expect(JSON.stringify(await broker.waitForLog(rebuilt))).toContain('time index');
    const c = await connectTo(broker.port);
    const res = await c.request(ApiKey.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: 'torn', partitions: [{ partitionIndex: 0, timestamp: 0 }] }],
    });
    expect(res.topics[0].partitions[0].offset).toBe(0);
    c.close();
    await broker.stop();
    broker = undefined;
    await expectIntact(
      'time index out of order after a clean stop',
      dataDir,
      statSync(join(dataDir, 'torn-0', INDEX)).size,
    );
  });
});
