// The monitor without a terminal: one block of plain tables per snapshot (brokers, topics, groups,
// requests), for pipes and logs.

import { table } from '../cli/table.js';
import { fmtBytes, fmtCount, fmtLatency, fmtMBps, fmtMsgRate, fmtTrend, fmtUptime } from './format.js';
import type { MonitorSnapshot } from './types.js';
import { arrange } from './view.js';

export function brokerStatus(b: MonitorSnapshot['brokers'][number]): string {
  if (!b.reachable) return 'unreachable';
  return b.state ?? 'up';
}

export function renderPlain(s: MonitorSnapshot, filter = ''): string {
  const out: string[] = [];
  const rates =
    s.sampleSeconds !== null ? `rates over ${s.sampleSeconds.toFixed(1)} s` : 'rates after the next poll';
  out.push(
    `fluxmq monitor ${s.bootstrap}  cluster ${s.clusterId ?? '-'}  ${s.at}  ${s.reachable ? rates : `UNREACHABLE: ${s.error}`}`,
  );
  out.push(
    'Brokers',
    table(
      ['id', 'address', 'status', 'version', 'uptime', 'connections', 'listeners'],
      s.brokers.map((b) => [
        b.id + (b.isController ? '*' : ''),
        `${b.host}:${b.port}`,
        brokerStatus(b),
        b.version,
        b.uptimeSeconds === null ? null : fmtUptime(b.uptimeSeconds),
        b.connections,
        b.listeners.map((l) => `${l.name} ${l.connections ?? '-'}`).join(', '),
      ]),
    ),
  );
  const { topics, groups, requests } = arrange(s, filter, { topics: 0, groups: 0, requests: 0 });
  out.push(
    `Topics (${topics.length}${filter ? ` matching '${filter}'` : ''})`,
    table(
      ['topic', 'partitions', 'in msg/s', 'in MB/s', 'out msg/s', 'out MB/s', 'size', 'end offset'],
      topics.map((t) => [
        t.name,
        t.partitions,
        fmtMsgRate(t.produceRate),
        fmtMBps(t.produceBytesRate),
        fmtMsgRate(t.fetchRate),
        fmtMBps(t.fetchBytesRate),
        fmtBytes(t.sizeBytes),
        t.endOffset,
      ]),
    ),
  );
  out.push(
    `Consumer groups (${groups.length})`,
    table(
      ['group', 'state', 'members', 'lag', 'trend', 'consumed msg/s', 'worst partitions'],
      groups.map((g) => [
        g.groupId,
        g.error ?? g.state,
        g.members,
        fmtCount(g.totalLag),
        fmtTrend(g.lagTrend),
        fmtMsgRate(g.commitRate),
        g.worst
          .slice(0, 3)
          .map((w) => `${w.topic}-${w.partition} ${fmtCount(w.lag)}`)
          .join(', '),
      ]),
    ),
  );
  if (requests) {
    out.push(
      `Requests (latency ${s.latencyWindow === 'interval' ? 'over the last interval' : 'since the broker started'})`,
      table(
        ['api', 'req/s', 'p50', 'p95', 'p99', 'errors', 'top errors'],
        requests.map((r) => [
          r.api,
          fmtMsgRate(r.requestsPerSec),
          fmtLatency(r.p50Ms),
          fmtLatency(r.p95Ms),
          fmtLatency(r.p99Ms),
          r.errors,
          r.topErrors
            .slice(0, 2)
            .map((e) => `${e.name} ${e.count}`)
            .join(', '),
        ]),
      ),
    );
  }
  for (const n of s.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}
