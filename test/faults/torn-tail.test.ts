// Damage a segment while the broker is stopped: start recovers to the last whole batch, says so in
// its log, and serves and appends from there.
import { openSync, closeSync, readdirSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBroker, tempDataDir, type RunningBroker } from '../helpers/broker.js';
import { connectTo, createTopic, fetchAll, logEndOffset, produceValues } from '../helpers/client.js';
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
    expect((await fetchAll(c, 'torn')).length).toBe(50);
    c.close();
  });
});
