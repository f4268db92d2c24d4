import { describe, expect, it } from 'vitest';
import type { ConsumeBenchResult } from '../../../src/bench/consume.js';
import { summaryRows } from '../../../src/bench/render.js';

const direct: ConsumeBenchResult = {
  kind: 'consume',
  topic: 'bench',
  partitions: 2,
  records: 10,
  bytes: 1000,
  expectedRecords: 10,
  verified: true,
  durationMs: 5,
  recordsPerSec: 2000,
  mbPerSec: 0.2,
  errors: {},
  fetches: 2,
  group: null,
  committed: null,
  joinMs: null,
};

describe('bench consume summary', () => {
  it('shows fetches and no group rows for direct partition fetches', () => {
    const rows = new Map(summaryRows(direct));
    expect(rows.get('fetches')).toBe('2');
    expect(rows.has('group')).toBe(false);
  });

  it('shows the group, its join time and committed offsets with --group', () => {
    const rows = new Map(
      summaryRows({ ...direct, fetches: 3, group: 'readers', committed: { 0: 6, 1: null }, joinMs: 3012 }),
    );
    expect(rows.get('batches')).toBe('3');
    expect(rows.get('group')).toBe('readers (joined in 3012 ms)');
    expect(rows.get('committed offsets')).toBe('0: 6, 1: none');
  });
});
