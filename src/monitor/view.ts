// What the views do with a snapshot before drawing it: filter topics and groups by text, sort each
// panel by one of its columns, and cut a page that holds the selected row. Shared by the Ink panels
// and the plain tables.

import type { ApiView, GroupView, MonitorSnapshot, TopicView } from './types.js';

export interface SortKey<T> {
  label: string;
  compare: (a: T, b: T) => number;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Descending by a number, unknown last. */
const desc =
  <T>(value: (x: T) => number | null) =>
  (a: T, b: T) =>
    (value(b) ?? -Infinity) - (value(a) ?? -Infinity);

export const TOPIC_SORTS: SortKey<TopicView>[] = [
  {
    label: 'in msg/s',
    compare: (a, b) => desc<TopicView>((t) => t.produceRate)(a, b) || byName(a.name, b.name),
  },
  {
    label: 'out msg/s',
    compare: (a, b) => desc<TopicView>((t) => t.fetchRate)(a, b) || byName(a.name, b.name),
  },
  { label: 'size', compare: (a, b) => desc<TopicView>((t) => t.sizeBytes)(a, b) || byName(a.name, b.name) },
  { label: 'partitions', compare: (a, b) => b.partitions - a.partitions || byName(a.name, b.name) },
  { label: 'name', compare: (a, b) => byName(a.name, b.name) },
];

export const GROUP_SORTS: SortKey<GroupView>[] = [
  {
    label: 'lag',
    compare: (a, b) => desc<GroupView>((g) => g.totalLag)(a, b) || byName(a.groupId, b.groupId),
  },
  {
    label: 'trend',
    compare: (a, b) => desc<GroupView>((g) => g.lagTrend)(a, b) || byName(a.groupId, b.groupId),
  },
  {
    label: 'members',
    compare: (a, b) => desc<GroupView>((g) => g.members)(a, b) || byName(a.groupId, b.groupId),
  },
  {
    label: 'state',
    compare: (a, b) => byName(a.state ?? '~', b.state ?? '~') || byName(a.groupId, b.groupId),
  },
  { label: 'name', compare: (a, b) => byName(a.groupId, b.groupId) },
];

export const API_SORTS: SortKey<ApiView>[] = [
  { label: 'req/s', compare: (a, b) => desc<ApiView>((x) => x.requestsPerSec)(a, b) || byName(a.api, b.api) },
  { label: 'p99', compare: (a, b) => desc<ApiView>((x) => x.p99Ms)(a, b) || byName(a.api, b.api) },
  { label: 'errors', compare: (a, b) => b.errors - a.errors || byName(a.api, b.api) },
  { label: 'name', compare: (a, b) => byName(a.api, b.api) },
];

/** Topics whose name holds `text` (case-insensitive); everything for an empty filter. */
export function filterTopics(topics: TopicView[], text: string): TopicView[] {
  const f = text.trim().toLowerCase();
  return f ? topics.filter((t) => t.name.toLowerCase().includes(f)) : topics;
}

/** Groups whose id, or one of whose topics, holds `text` (case-insensitive). */
export function filterGroups(groups: GroupView[], text: string): GroupView[] {
  const f = text.trim().toLowerCase();
  if (!f) return groups;
  return groups.filter(
    (g) => g.groupId.toLowerCase().includes(f) || g.topics.some((t) => t.toLowerCase().includes(f)),
  );
}

export function sorted<T>(items: T[], sorts: SortKey<T>[], index: number): T[] {
  const key = sorts[((index % sorts.length) + sorts.length) % sorts.length]!;
  return [...items].sort(key.compare);
}

export interface Page {
  start: number;
  end: number;
  /** The selected row, clamped to the items. */
  selected: number;
}

/** The page of `size` rows that holds `selected` (clamped to the item count). */
export function pageOf(total: number, selected: number, size: number): Page {
  const rows = Math.max(1, size);
  const sel = total === 0 ? 0 : Math.min(Math.max(0, selected), total - 1);
  const start = Math.floor(sel / rows) * rows;
  return { start, end: Math.min(total, start + rows), selected: sel };
}

/** The snapshot's topics and groups filtered and sorted as a view shows them. */
export function arrange(
  s: MonitorSnapshot,
  filter: string,
  sort: { topics: number; groups: number; requests: number },
): { topics: TopicView[]; groups: GroupView[]; requests: ApiView[] | null } {
  return {
    topics: sorted(filterTopics(s.topics, filter), TOPIC_SORTS, sort.topics),
    groups: sorted(filterGroups(s.groups, filter), GROUP_SORTS, sort.groups),
    requests: s.requests ? sorted(s.requests, API_SORTS, sort.requests) : null,
  };
}
