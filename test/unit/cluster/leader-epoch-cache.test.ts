import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LEADER_EPOCH_CHECKPOINT_FILE,
  LeaderEpochCache,
  parseLeaderEpochCheckpoint,
} from '../../../src/cluster/replication/leader-epoch-cache.js';
import { StorageError } from '../../../src/storage/index.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fluxmq-epochs-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('leader-epoch-checkpoint file', () => {
  it("writes Kafka's text format byte for byte and reads it back", () => {
    const dir = tempDir();
    const cache = LeaderEpochCache.load(dir);
    cache.assign(0, 0);
    cache.assign(3, 1200);
    const file = path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
    expect(fs.readFileSync(file)).toEqual(Buffer.from('0\n2\n0 0\n3 1200\n', 'utf8'));
    expect(LeaderEpochCache.load(dir).epochEntries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 1200 },
    ]);
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
  });

  it('an absent file is an empty cache; a malformed one is a StorageError', () => {
    const dir = tempDir();
    expect(LeaderEpochCache.load(dir).latestEpoch).toBe(-1);
    for (const bad of ['1\n0\n', '0\n2\n0 0\n', '0\n1\nx 1\n', '0\n2\n3 10\n2 20\n', '']) {
      expect(() => parseLeaderEpochCheckpoint(bad)).toThrow(StorageError);
    }
    fs.writeFileSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE), '0\n1\n5\n');
    expect(() => LeaderEpochCache.load(dir)).toThrow(StorageError);
  });
});

describe('assign', () => {
  it('ignores older epochs and keeps entries monotonic', () => {
    const c = new LeaderEpochCache(null);
    expect(c.assign(2, 10)).toBe(true);
    expect(c.assign(1, 20)).toBe(false); // older epoch
    expect(c.assign(2, 15)).toBe(false); // same epoch, later start
    expect(c.assign(2, 5)).toBe(true); // same epoch, earlier start replaces it
    expect(c.assign(4, 30)).toBe(true);
    // a newer epoch starting before existing entries removes them
    expect(c.assign(5, 20)).toBe(true);
    expect(c.epochEntries()).toEqual([
      { epoch: 2, startOffset: 5 },
      { epoch: 5, startOffset: 20 },
    ]);
    expect(() => c.assign(-1, 0)).toThrow(RangeError);
  });
});

describe('endOffsetFor (OffsetsForLeaderEpoch answers)', () => {
  const cache = (): LeaderEpochCache =>
    new LeaderEpochCache(null, [
      { epoch: 1, startOffset: 10 },
      { epoch: 3, startOffset: 20 },
      { epoch: 6, startOffset: 35 },
    ]);
  it.each([
    ['UNDEFINED requested', -1, { leaderEpoch: -1, endOffset: -1 }],
    ['the latest epoch ends at the log end offset', 6, { leaderEpoch: 6, endOffset: 50 }],
    ['an epoch in the cache ends where the next starts', 3, { leaderEpoch: 3, endOffset: 35 }],
    ['an unknown epoch between two answers the floor epoch', 4, { leaderEpoch: 3, endOffset: 35 }],
    ['an epoch older than all answers itself and the first start', 0, { leaderEpoch: 0, endOffset: 10 }],
    ['an epoch newer than the latest is UNDEFINED', 7, { leaderEpoch: -1, endOffset: -1 }],
  ])('%s', (_name, requested, expected) => {
    expect(cache().endOffsetFor(requested, 50)).toEqual(expected);
  });
  it('an empty cache answers UNDEFINED', () => {
    expect(new LeaderEpochCache(null).endOffsetFor(0, 5)).toEqual({ leaderEpoch: -1, endOffset: -1 });
  });
});

describe('truncation', () => {
  it('truncateFromEnd drops entries starting at or after the offset', () => {
    const dir = tempDir();
    const c = LeaderEpochCache.load(dir);
    c.assign(1, 0);
    c.assign(2, 10);
    c.assign(3, 20);
    c.truncateFromEnd(10);
    expect(c.epochEntries()).toEqual([{ epoch: 1, startOffset: 0 }]);
    expect(fs.readFileSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE), 'utf8')).toBe('0\n1\n1 0\n');
  });

  it('truncateFromStart moves the last entry at or before the offset up to it', () => {
    const c = new LeaderEpochCache(null, [
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 10 },
      { epoch: 3, startOffset: 20 },
    ]);
    c.truncateFromStart(15);
    expect(c.epochEntries()).toEqual([
      { epoch: 2, startOffset: 15 },
      { epoch: 3, startOffset: 20 },
    ]);
    c.truncateFromStart(5); // below the first entry: nothing to do
    expect(c.epochEntries()[0]).toEqual({ epoch: 2, startOffset: 15 });
    expect(c.epochForOffset(19)).toBe(2);
    expect(c.epochForOffset(20)).toBe(3);
    expect(c.epochForOffset(3)).toBe(-1);
  });
});
