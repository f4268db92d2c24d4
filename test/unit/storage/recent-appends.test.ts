// The fetch path's in-memory tail: whatever is served from memory is byte for byte what the file
// holds, through rolls, truncations, the per-partition cap and the broker-wide budget; and a read of
// the latest append is a slice of the appended buffer itself (no read, no copy).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CONFIG, PartitionLog, type LogConfig } from '../../../src/storage/index.js';
import { RecentAppends, TailBudget } from '../../../src/storage/recent-appends.js';
import { makeAppend, makeBatch, recordingLogger, removeTempDirs, tempDir } from './helpers.js';

afterEach(() => removeTempDirs());

function open(budget: TailBudget | undefined, config: Partial<LogConfig> = {}, dir?: string): PartitionLog {
  return PartitionLog.open({
    dir: dir ?? path.join(tempDir(), 'tail-0'),
    topic: 'tail',
    partition: 0,
    config: { ...DEFAULT_LOG_CONFIG, ...config },
    logger: recordingLogger(),
    hadCleanShutdown: true,
    recentAppends: budget,
  });
}

/** Every read from every offset with a few byte limits, as [offset, maxBytes, bytes]. */
function allReads(log: PartitionLog): [number, number, string][] {
  const out: [number, number, string][] = [];
  for (let o = log.logStartOffset; o < log.logEndOffset; o++) {
    for (const max of [1, 300, 5000, 1 << 20]) {
      out.push([o, max, log.read(o, max, { minOneMessage: true }).records.toString('hex')]);
    }
  }
  return out;
}

let seq = 0;
function appendBatches(log: PartitionLog, n: number, perAppend = 1): Buffer[] {
  const appended: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const { records, batches } = makeAppend(
      Array.from({ length: perAppend }, () =>
        makeBatch(2 + (seq % 3), `v${seq++}`, { valueSize: 60 + (seq % 50) }),
      ),
    );
    log.append(records, batches);
    appended.push(records);
  }
  return appended;
}

describe('in-memory tail of recent appends', () => {
  it('serves the latest append as a slice of its own buffer', () => {
    const log = open(new TailBudget(1 << 20));
    appendBatches(log, 3);
    const [last] = appendBatches(log, 1);
    const end = log.logEndOffset;
    const read = log.read(end - 1, 1 << 20);
    expect(read.records.buffer).toBe(last!.buffer);
    expect(read.records.equals(last!)).toBe(true);
    log.close();
  });

  it('answers every read exactly as the file does: rolls, truncation, caps, budget evictions', () => {
    const dir = path.join(tempDir(), 'tail-0');
    const budget = new TailBudget(6000); // small: evictions happen all the time
    const log = open(budget, { segmentBytes: 4000 }, dir);
    appendBatches(log, 40, 2);
    log.truncateTo(log.logEndOffset - 7);
    appendBatches(log, 10);
    log.roll();
    appendBatches(log, 5, 3);
    const withTail = allReads(log);
    expect(budget.usedBytes).toBeLessThanOrEqual(6000);
    log.close();
    // the same files read by a log without a tail (every read from disk)
    const plain = open(undefined, { segmentBytes: 4000 }, dir);
    expect(allReads(plain)).toEqual(withTail);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(2);
    plain.close();
  });

  it('keeps the broker-wide budget: the oldest appends of any partition go first', () => {
    const budget = new TailBudget(1000);
    const a = new RecentAppends(budget, 800);
    const b = new RecentAppends(budget, 800);
    const segA = {};
    const segB = {};
    a.appended(segA, 0, Buffer.alloc(400, 1));
    b.appended(segB, 0, Buffer.alloc(400, 2));
    a.appended(segA, 400, Buffer.alloc(400, 3)); // 1200 > 1000: a's first chunk goes
    expect(budget.usedBytes).toBe(800);
    expect(a.read(segA, 0, 10)).toBeNull();
    expect(a.read(segA, 400, 400)!.every((x) => x === 3)).toBe(true);
    expect(b.read(segB, 0, 400)!.every((x) => x === 2)).toBe(true);
    // a range spanning two chunks is copied together
    b.appended(segB, 400, Buffer.alloc(100, 4));
    const spanning = b.read(segB, 350, 100)!;
    expect([...spanning.subarray(0, 50)].every((x) => x === 2)).toBe(true);
    expect([...spanning.subarray(50)].every((x) => x === 4)).toBe(true);
    // a gap in positions (or another segment) starts over
    b.appended(segB, 900, Buffer.alloc(10, 5));
    expect(b.read(segB, 0, 10)).toBeNull();
    expect(b.bytes).toBe(10);
    a.clear();
    b.clear();
    expect(budget.usedBytes).toBe(0);
  });
});
