// The monitor's screen for one snapshot: a header (cluster, counts, live/paused/unreachable), the
// brokers, topics, consumer groups and requests panels, and a help line. Stateless: MonitorApp
// holds the focus, filter, sort and selection and passes them in.

import { Box, Spacer, Text } from 'ink';
import type { ReactNode } from 'react';
import { sparkline } from '../../bench/ui/format.js';
import { cell, fmtBytes, fmtCount, fmtLatency, fmtMBps, fmtMsgRate, fmtTrend, fmtUptime } from '../format.js';
import { brokerStatus } from '../plain.js';
import type { ApiView, BrokerView, GroupView, MonitorSnapshot, TopicView } from '../types.js';
import { API_SORTS, arrange, GROUP_SORTS, TOPIC_SORTS } from '../view.js';
import { CHROME_ROWS, panelRows, type Column, type PanelId } from './layout.js';
import { TablePanel } from './TablePanel.js';

export interface UiState {
  focus: PanelId;
  filter: string;
  editingFilter: boolean;
  sort: { topics: number; groups: number; requests: number };
  selected: Record<PanelId, number>;
  paused: boolean;
}

export const INITIAL_UI: UiState = {
  focus: 'topics',
  filter: '',
  editingFilter: false,
  sort: { topics: 0, groups: 0, requests: 0 },
  selected: { brokers: 0, topics: 0, groups: 0, requests: 0 },
  paused: false,
};

export const NEEDS_METRICS = "needs FluxMQ's /metrics: pass --http http://HOST:PORT (9644 by default)";

const GROUP_STATE_COLORS: Record<string, string> = {
  Stable: 'green',
  Empty: 'yellow',
  PreparingRebalance: 'yellow',
  CompletingRebalance: 'yellow',
  Dead: 'red',
};

const BROKER_COLUMNS: Column<BrokerView>[] = [
  { title: 'id', width: 4, priority: 0, value: (b) => `${b.id}${b.isController ? '*' : ''}` },
  { title: 'address', width: 21, priority: 0, value: (b) => `${b.host}:${b.port}` },
  {
    title: 'status',
    width: 11,
    priority: 0,
    value: brokerStatus,
    color: (b) => (b.reachable ? 'green' : 'red'),
  },
  { title: 'version', width: 9, priority: 2, value: (b) => b.version ?? '-' },
  { title: 'uptime', width: 8, priority: 1, right: true, value: (b) => fmtUptime(b.uptimeSeconds) },
  { title: 'conns', width: 6, priority: 3, right: true, value: (b) => fmtCount(b.connections) },
  { title: 'loop p99', width: 9, priority: 5, right: true, value: (b) => fmtLatency(b.eventLoopP99Ms) },
  {
    title: 'listeners',
    width: 10,
    priority: 0,
    flex: true,
    value: (b) =>
      b.reachable
        ? b.listeners.map((l) => `${l.name} ${l.connections ?? '-'}`).join(', ') ||
          (b.http ? '' : 'no /v1/status')
        : (b.error ?? 'unreachable'),
    color: (b) => (b.reachable ? undefined : 'red'),
  },
];

function topicColumns(): Column<TopicView>[] {
  return [
    { title: 'topic', width: 12, priority: 0, flex: true, value: (t) => t.name },
    { title: 'parts', width: 5, priority: 3, right: true, value: (t) => String(t.partitions) },
    { title: 'in msg/s', width: 9, priority: 0, right: true, value: (t) => fmtMsgRate(t.produceRate) },
    { title: 'in MB/s', width: 8, priority: 2, right: true, value: (t) => fmtMBps(t.produceBytesRate) },
    { title: 'out msg/s', width: 9, priority: 1, right: true, value: (t) => fmtMsgRate(t.fetchRate) },
    { title: 'out MB/s', width: 8, priority: 4, right: true, value: (t) => fmtMBps(t.fetchBytesRate) },
    { title: 'size', width: 9, priority: 2, right: true, value: (t) => fmtBytes(t.sizeBytes) },
    {
      title: 'in msg/s trend',
      width: 14,
      priority: 5,
      value: (t) => sparkline(t.history, 14),
      color: () => 'green',
    },
  ];
}

function worstText(g: GroupView): string {
  return g.worst
    .slice(0, 3)
    .map((w) => `${w.topic}-${w.partition} ${fmtCount(w.lag)}`)
    .join(', ');
}

/** The selected group's lagging partitions in full, under the groups panel. */
function groupDetail(g: GroupView): string | null {
  if (g.worst.length === 0) return null;
  const parts = g.worst.map(
    (w) =>
      `${w.topic}-${w.partition} lag ${fmtCount(w.lag)} (at ${fmtCount(w.committedOffset)} of ${fmtCount(w.logEndOffset)})`,
  );
  return ` ${g.groupId} worst partitions: ${parts.join(', ')}`;
}

const GROUP_COLUMNS: Column<GroupView>[] = [
  { title: 'group', width: 14, priority: 0, flex: true, value: (g) => g.groupId },
  {
    title: 'state',
    width: 11,
    priority: 1,
    value: (g) => g.error ?? g.state ?? '-',
    color: (g) => (g.error ? 'red' : GROUP_STATE_COLORS[g.state ?? '']),
  },
  { title: 'members', width: 7, priority: 2, right: true, value: (g) => fmtCount(g.members) },
  { title: 'lag', width: 9, priority: 0, right: true, value: (g) => fmtCount(g.totalLag) },
  {
    title: 'trend',
    width: 8,
    priority: 1,
    right: true,
    value: (g) => fmtTrend(g.lagTrend),
    color: (g) =>
      g.lagTrend === null || Math.round(g.lagTrend) === 0 ? undefined : g.lagTrend > 0 ? 'red' : 'green',
  },
  { title: 'msg/s', width: 7, priority: 5, right: true, value: (g) => fmtMsgRate(g.commitRate) },
  {
    title: 'lag history',
    width: 11,
    priority: 3,
    value: (g) => sparkline(g.lagHistory, 11),
    color: () => 'yellow',
  },
  { title: 'worst partitions', width: 24, priority: 4, value: worstText },
];

const API_COLUMNS: Column<ApiView>[] = [
  { title: 'api', width: 14, priority: 0, flex: true, value: (a) => a.api },
  { title: 'req/s', width: 8, priority: 0, right: true, value: (a) => fmtMsgRate(a.requestsPerSec) },
  { title: 'p50', width: 10, priority: 1, right: true, value: (a) => fmtLatency(a.p50Ms) },
  { title: 'p95', width: 10, priority: 2, right: true, value: (a) => fmtLatency(a.p95Ms) },
  { title: 'p99', width: 10, priority: 0, right: true, value: (a) => fmtLatency(a.p99Ms) },
  {
    title: 'errors',
    width: 8,
    priority: 0,
    right: true,
    value: (a) => fmtCount(a.errors),
    color: (a) => (a.errorsPerSec ? 'red' : undefined),
  },
  {
    title: 'top errors',
    width: 24,
    priority: 3,
    value: (a) =>
      a.topErrors
        .slice(0, 2)
        .map((e) => `${e.name} ${e.count}`)
        .join(', '),
  },
];

export interface MonitorViewProps {
  snapshot: MonitorSnapshot | null;
  ui: UiState;
  columns: number;
  rows: number;
  /** Shown before the first snapshot. */
  bootstrap: string;
  intervalMs: number;
}

function clock(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function MonitorView({ snapshot: s, ui, columns, rows, bootstrap, intervalMs }: MonitorViewProps) {
  const width = Math.max(20, columns);
  if (!s) {
    return (
      <Box flexDirection="column">
        <Text color="cyan">fluxmq monitor</Text>
        <Text>connecting to {bootstrap}…</Text>
      </Box>
    );
  }
  const { topics, groups, requests } = arrange(s, ui.filter, ui.sort);
  const counts = {
    brokers: s.brokers.length,
    topics: topics.length,
    groups: groups.length,
    requests: requests?.length ?? 1,
  };
  const body = panelRows(rows, counts, ui.focus);
  const every = intervalMs >= 1000 ? `${intervalMs / 1000}s` : `${intervalMs}ms`;
  const [stateText, stateColor] = ui.paused
    ? ['PAUSED', 'yellow']
    : s.reachable
      ? [`● live ${every}`, 'green']
      : ['UNREACHABLE', 'red'];
  const title = cell(
    ` fluxmq monitor  ${s.bootstrap}  ${clock(s.at)}  ` +
      `${plural(s.brokers.length, 'broker')} · ${plural(s.topics.length, 'topic')} · ${plural(s.groups.length, 'group')}  cluster ${s.clusterId ?? '-'}  `,
    Math.max(0, width - stateText.length - 1),
  );
  const state = (
    <Text color={stateColor} bold={stateColor !== 'green'}>
      {stateText}
    </Text>
  );
  let status: ReactNode;
  if (ui.editingFilter) {
    status = (
      <Text>
        {' '}
        filter topics and groups: <Text color="cyan">{ui.filter}</Text>
        <Text inverse> </Text>
      </Text>
    );
  } else if (!s.reachable) {
    status = (
      <Text color="red" wrap="truncate">
        {cell(
          ` showing the last data seen, retrying every ${every} · ${s.error ?? 'the cluster is unreachable'}`,
          width,
        )}
      </Text>
    );
  } else if (ui.filter) {
    status = (
      <Text wrap="truncate">
        {' '}
        filter: <Text color="cyan">{ui.filter}</Text>
        <Text dimColor> (esc clears)</Text>
      </Text>
    );
  } else {
    status = (
      <Text dimColor wrap="truncate">
        {cell(s.notes.length > 0 ? ` note: ${s.notes[0]}` : '', width)}
      </Text>
    );
  }
  const topicInfo =
    `sort ${TOPIC_SORTS[ui.sort.topics % TOPIC_SORTS.length]!.label}` +
    (s.sources.metrics || !s.reachable ? '' : ' · out msg/s ' + NEEDS_METRICS);
  const latency =
    s.latencyWindow === 'interval' && s.sampleSeconds !== null
      ? 'latency over the last interval'
      : s.latencyWindow === 'since-start'
        ? 'latency since the broker started'
        : '';
  const panels: Record<PanelId, ReactNode> = {
    brokers: (
      <TablePanel
        key="brokers"
        title="Brokers"
        info={
          s.sources.status || !s.reachable
            ? undefined
            : 'version and uptime ' + NEEDS_METRICS.replace('/metrics', '/v1/status')
        }
        focused={ui.focus === 'brokers'}
        columns={BROKER_COLUMNS}
        items={s.brokers}
        selected={ui.selected.brokers}
        bodyRows={body.brokers}
        width={width}
        empty={`no broker reachable at ${s.bootstrap}`}
        rowKey={(b) => String(b.id)}
      />
    ),
    topics: (
      <TablePanel
        key="topics"
        title="Topics"
        info={topicInfo}
        focused={ui.focus === 'topics'}
        columns={topicColumns()}
        items={topics}
        selected={ui.selected.topics}
        bodyRows={body.topics}
        width={width}
        empty={ui.filter ? `no topic matches '${ui.filter}'` : 'no topics'}
        rowKey={(t) => t.name}
      />
    ),
    groups: (
      <TablePanel
        key="groups"
        title="Consumer groups"
        info={`sort ${GROUP_SORTS[ui.sort.groups % GROUP_SORTS.length]!.label}`}
        focused={ui.focus === 'groups'}
        columns={GROUP_COLUMNS}
        items={groups}
        selected={ui.selected.groups}
        bodyRows={body.groups}
        width={width}
        empty={ui.filter ? `no group matches '${ui.filter}'` : 'no consumer groups'}
        rowKey={(g) => g.groupId}
        footer={groupDetail}
      />
    ),
    requests: (
      <TablePanel
        key="requests"
        title="Requests"
        info={
          requests
            ? `sort ${API_SORTS[ui.sort.requests % API_SORTS.length]!.label}${latency ? ` · ${latency}` : ''}`
            : undefined
        }
        focused={ui.focus === 'requests'}
        columns={API_COLUMNS}
        items={requests ?? []}
        selected={ui.selected.requests}
        bodyRows={body.requests}
        width={width}
        empty={
          requests
            ? 'no requests yet'
            : s.reachable
              ? `latency and errors per API ${NEEDS_METRICS}`
              : 'no data while unreachable'
        }
        rowKey={(a) => a.api}
      />
    ),
  };
  const help = ui.editingFilter
    ? ' type to filter · enter keeps the filter · esc clears it'
    : ' tab/←→ panel  ↑↓ PgUp/PgDn scroll  / filter  s sort  p pause  q quit';
  return (
    <Box flexDirection="column" width={width} height={Math.max(CHROME_ROWS + 1, rows - 1)}>
      <Box>
        <Text bold color="cyan" wrap="truncate">
          {title}
        </Text>
        {state}
      </Box>
      {status}
      {(['brokers', 'topics', 'groups', 'requests'] as const)
        .filter((p) => body[p] > 0)
        .map((p) => panels[p])}
      <Spacer />
      <Text dimColor wrap="truncate">
        {cell(help, width)}
      </Text>
    </Box>
  );
}
