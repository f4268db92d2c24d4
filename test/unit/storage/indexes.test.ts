import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OffsetIndex } from '../../../src/storage/offset-index.js';
import { TimeIndex } from '../../../src/storage/time-index.js';
import { removeTempDirs, tempDir } from './helpers.js';

afterEach(removeTempDirs);

describe('OffsetIndex', () => {
  it('appends, persists big-endian (relative offset, position) entries and looks up the floor entry', () => {
    const file = path.join(tempDir(), '00000000000000000100.index');
    const idx = new OffsetIndex(file, 100, 1024);
    idx.create();
    idx.append(105, 400);
    idx.append(110, 900);
    idx.append(130, 2000);
    idx.persist();
    const disk = fs.readFileSync(file);
    expect([...disk]).toEqual([
      0, 0, 0, 5, 0, 0, 1, 144, 0, 0, 0, 10, 0, 0, 3, 132, 0, 0, 0, 30, 0, 0, 7, 208,
    ]);
    expect(idx.lookup(99)).toBe(0);
    expect(idx.lookup(104)).toBe(0);
    expect(idx.lookup(105)).toBe(400);
    expect(idx.lookup(129)).toBe(900);
    expect(idx.lookup(1000)).toBe(2000);
    expect(idx.lookupBeforePosition(900)).toBe(400);
    expect(() => idx.append(130, 3000)).toThrow();
    idx.truncateToPosition(900);
    expect(idx.entries).toBe(1);
    expect(fs.statSync(file).size).toBe(8);
    idx.closeFd();

    const loaded = new OffsetIndex(file, 100, 1024);
    expect(loaded.load(10_000)).toBeNull();
    expect(loaded.lastOffset).toBe(105);
    expect(loaded.load(400)).toMatch(/beyond the log size/);
  });

  it('reports a missing or malformed file instead of using it', () => {
    const dir = tempDir();
    expect(new OffsetIndex(path.join(dir, 'x.index'), 0, 1024).load(100)).toBe('missing');
    fs.writeFileSync(path.join(dir, 'y.index'), Buffer.alloc(12));
    expect(new OffsetIndex(path.join(dir, 'y.index'), 0, 1024).load(100)).toMatch(/multiple of 8/);
    fs.writeFileSync(path.join(dir, 'z.index'), Buffer.alloc(16)); // two (0, 0) entries
    expect(new OffsetIndex(path.join(dir, 'z.index'), 0, 1024).load(100)).toMatch(/not increasing/);
  });

  it('is full at segment.index.bytes / 8 entries and grows its buffer as needed', () => {
    const idx = new OffsetIndex(path.join(tempDir(), 'a.index'), 0, 8 * 200);
    idx.create();
    for (let i = 0; i < 200; i++) expect(idx.append(i + 1, i * 10)).toBe(true);
    expect(idx.isFull).toBe(true);
    expect(idx.append(500, 5000)).toBe(false);
    idx.persist();
    expect(idx.lookup(150)).toBe(1490);
    idx.closeFd();
  });
});

describe('TimeIndex', () => {
  it('only appends growing timestamps, reserves the last slot and finds the floor entry', () => {
    const file = path.join(tempDir(), '00000000000000000010.timeindex');
    const idx = new TimeIndex(file, 10, 12 * 3);
    idx.create();
    expect(idx.maybeAppend(-1, 10)).toBe(false);
    expect(idx.maybeAppend(1000, 12)).toBe(true);
    expect(idx.maybeAppend(1000, 13)).toBe(false);
    expect(idx.maybeAppend(2000, 15)).toBe(true);
    expect(idx.isFull).toBe(true);
    expect(idx.maybeAppend(3000, 18)).toBe(false);
    expect(idx.maybeAppend(3000, 18, true)).toBe(true);
    idx.persist();
    expect(fs.statSync(file).size).toBe(36);
    const disk = fs.readFileSync(file);
    expect(disk.readBigInt64BE(12)).toBe(2000n);
    expect(disk.readInt32BE(20)).toBe(5);
    expect(idx.lookup(999)).toBe(10);
    expect(idx.lookup(1500)).toBe(12);
    expect(idx.lookup(2000)).toBe(15);
    expect(idx.lookup(99999)).toBe(18);
    idx.truncateToOffset(15);
    expect(idx.entries).toBe(1);
    expect(idx.lastTimestamp).toBe(1000);
    idx.closeFd();
    const loaded = new TimeIndex(file, 10, 1024);
    expect(loaded.load(0)).toBeNull();
    expect(loaded.lastOffset).toBe(12);
  });
});
