// Human renderings of consumer group results.

import type { GroupDescription, GroupSummary, OffsetResetResult } from '../../client/admin/index.js';
import { keyValues, table } from '../table.js';

export function renderGroupList(groups: GroupSummary[]): string {
  if (groups.length === 0) return 'No groups.';
  return table(
    ['GROUP', 'STATE', 'PROTOCOL TYPE'],
    groups.map((g) => [g.groupId, g.state, g.protocolType]),
  );
}

export function renderGroupDescription(g: GroupDescription): string {
  const parts = [
    keyValues([
      ['Group', g.groupId],
      ['State', g.state],
      ['Protocol type', g.protocolType],
      ['Assignor', g.protocol],
      ['Coordinator', `${g.coordinator.id} (${g.coordinator.host}:${g.coordinator.port})`],
      ['Members', g.members.length],
      ['Total lag', g.totalLag],
    ]),
  ];
  if (g.members.length > 0) {
    parts.push(
      table(
        ['MEMBER ID', 'CLIENT ID', 'HOST', 'ASSIGNMENT'],
        g.members.map((m) => [
          m.memberId,
          m.clientId,
          m.clientHost,
          m.assignment.map((a) => `${a.topic}-${a.partition}`).join(', '),
        ]),
      ),
    );
  }
  if (g.offsets.length > 0) {
    parts.push(
      table(
        ['TOPIC', 'PARTITION', 'COMMITTED OFFSET', 'LOG END OFFSET', 'LAG', 'MEMBER ID', 'CLIENT ID', 'HOST'],
        g.offsets.map((o) => [
          o.topic,
          o.partition,
          o.committedOffset,
          o.logEndOffset,
          o.lag,
          o.memberId,
          o.clientId,
          o.host,
        ]),
      ),
    );
  } else {
    parts.push('No committed offsets or assigned partitions.');
  }
  return parts.join('\n');
}

export function renderOffsetReset(r: OffsetResetResult): string {
  if (r.partitions.length === 0) return 'No partitions to reset.';
  return table(
    ['TOPIC', 'PARTITION', 'CURRENT OFFSET', 'NEW OFFSET'],
    r.partitions.map((p) => [p.topic, p.partition, p.currentOffset, p.newOffset]),
  );
}
