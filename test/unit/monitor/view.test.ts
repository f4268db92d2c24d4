import { describe, expect, it } from 'vitest';
import { cell, fmtBytes, fmtMsgRate, fmtTrend, fmtUptime } from '../../../src/monitor/format.js';
import type { GroupView, TopicView } from '../../../src/monitor/types.js';
import { fitColumns, panelRows, type Column } from '../../../src/monitor/ui/layout.js';
import {
  filterGroups,
  filterTopics,
  GROUP_SORTS,
  pageOf,
  sorted,
  TOPIC_SORTS,
} from '../../../src/monitor/view.js';

const t = (name: string, produceRate: number | null, sizeBytes: number | null = null): TopicView => ({
  name,
  internal: false,
  partitions: 1,
  endOffset: 0,
  produceRate,
  produceBytesRate: null,
  fetchRate: null,
  fetchBytesRate: null,
  sizeBytes,
  history: [],
});

const g = (groupId: string, totalLag: number | null, topics: string[] = []): GroupView => ({
  groupId,
  protocolType: 'consumer',
  state: 'Stable',
  members: 1,
  coordinator: 1,
  totalLag,
  lagTrend: null,
  commitRate: null,
  lagHistory: [],
  partitions: 1,
  topics,
  worst: [],
  error: null,
});

describe('filter, sort and page', () => {
  it('filters topics by name and groups by id or topic, case-insensitively', () => {
    const topics = [t('orders', 1), t('Payments', 2), t('audit', 3)];
    expect(filterTopics(topics, 'PAY').map((x) => x.name)).toEqual(['Payments']);
    expect(filterTopics(topics, '  ')).toHaveLength(3);
    const groups = [
      g('billing', 1, ['orders']),
      g('orders-archiver', 2, ['archive']),
      g('audit', 3, ['audit']),
    ];
    expect(filterGroups(groups, 'orders').map((x) => x.groupId)).toEqual(['billing', 'orders-archiver']);
  });

  it('sorts by rate, size or name with unknown values last, and cycles the sort keys', () => {
    const topics = [t('b', null, 5), t('a', 10, 1), t('c', 20, null)];
    expect(sorted(topics, TOPIC_SORTS, 0).map((x) => x.name)).toEqual(['c', 'a', 'b']);
    expect(sorted(topics, TOPIC_SORTS, 2).map((x) => x.name)).toEqual(['b', 'a', 'c']);
    expect(sorted(topics, TOPIC_SORTS, TOPIC_SORTS.length + 4).map((x) => x.name)).toEqual(['a', 'b', 'c']);
    expect(sorted([g('x', 5), g('y', null), g('z', 50)], GROUP_SORTS, 0).map((x) => x.groupId)).toEqual([
      'z',
      'x',
      'y',
    ]);
  });

  it('cuts the page holding the selected row', () => {
    expect(pageOf(312, 0, 10)).toEqual({ start: 0, end: 10, selected: 0 });
    expect(pageOf(312, 25, 10)).toEqual({ start: 20, end: 30, selected: 25 });
    expect(pageOf(312, 999, 10)).toEqual({ start: 310, end: 312, selected: 311 });
    expect(pageOf(0, 5, 10)).toEqual({ start: 0, end: 0, selected: 0 });
  });
});

describe('layout', () => {
  it('fits all panels in a tall terminal without exceeding it, the focused one growing', () => {
    const counts = { brokers: 3, topics: 300, groups: 200, requests: 12 };
    const rows = panelRows(40, counts, 'topics');
    const used = Object.values(rows).reduce((a, n) => a + n + 2, 0) + 3;
    expect(used).toBe(39);
    expect(rows.brokers).toBe(3);
    expect(rows.requests).toBe(6);
    expect(rows.topics).toBeGreaterThanOrEqual(rows.groups);
    const focusGroups = panelRows(40, counts, 'groups');
    expect(focusGroups.groups).toBeGreaterThanOrEqual(focusGroups.topics);
  });

  it('gives unused rows of a short list to the other list', () => {
    const rows = panelRows(40, { brokers: 1, topics: 2, groups: 100, requests: 0 }, 'topics');
    expect(rows.topics).toBe(2);
    expect(rows.groups).toBe(40 - 1 - 3 - 8 - 1 - 1 - 2);
  });

  it('shows only the focused panel in a short terminal', () => {
    expect(panelRows(12, { brokers: 1, topics: 50, groups: 5, requests: 5 }, 'groups')).toEqual({
      brokers: 0,
      topics: 0,
      groups: 6,
      requests: 0,
    });
  });

  it('drops the lowest-priority columns first and widens the flexible one', () => {
    const cols: Column<string>[] = [
      { title: 'name', width: 10, priority: 0, flex: true, value: (s) => s },
      { title: 'a', width: 10, priority: 1, value: () => 'a' },
      { title: 'b', width: 10, priority: 3, value: () => 'b' },
      { title: 'c', width: 10, priority: 2, value: () => 'c' },
    ];
    expect(fitColumns(cols, 80).map((c) => [c.title, c.width])).toEqual([
      ['name', 47],
      ['a', 10],
      ['b', 10],
      ['c', 10],
    ]);
    expect(fitColumns(cols, 32).map((c) => [c.title, c.width])).toEqual([
      ['name', 10],
      ['a', 10],
      ['c', 10],
    ]);
  });
});

describe('format', () => {
  it('formats rates, bytes, uptimes, trends and cells', () => {
    expect(fmtMsgRate(null)).toBe('-');
    expect(fmtMsgRate(2.5)).toBe('2.5');
    expect(fmtMsgRate(0)).toBe('0');
    expect(fmtMsgRate(250_000)).toBe('250.0 k');
    expect(fmtBytes(999)).toBe('999 B');
    expect(fmtBytes(1_234_567)).toBe('1.23 MB');
    expect(fmtBytes(45_600_000_000)).toBe('45.6 GB');
    expect(fmtUptime(42)).toBe('42s');
    expect(fmtUptime(185)).toBe('3m 05s');
    expect(fmtUptime(7500)).toBe('2h 05m');
    expect(fmtUptime(3 * 86400 + 7200)).toBe('3d 02h');
    expect(fmtTrend(12.4)).toBe('+12/s');
    expect(fmtTrend(-2500)).toBe('-2.5k/s');
    expect(fmtTrend(0.2)).toBe('0/s');
    expect(cell('orders-archive', 8)).toBe('orders-…');
    expect(cell('7', 4, true)).toBe('   7');
  });
});
