// Human renderings of config results.

import type { ConfigEntry, ConfigResource } from '../../client/admin/index.js';
import { table, type Cell } from '../table.js';

export function resourceLabel(r: ConfigResource): string {
  if (r.type === 'topic') return `topic '${r.name}'`;
  return r.name === '' ? 'the cluster-wide broker defaults' : `broker ${r.name}`;
}

export function renderConfigs(
  configs: ConfigEntry[],
  opts: { readOnly?: boolean; synonyms?: boolean; documentation?: boolean } = {},
): string {
  const head = ['NAME', 'VALUE', 'SOURCE'];
  if (opts.readOnly) head.push('READ-ONLY');
  if (opts.synonyms) head.push('SYNONYMS');
  if (opts.documentation) head.push('DOCUMENTATION');
  const rows = configs.map((c) => {
    const row: Cell[] = [c.name, c.sensitive ? '(sensitive)' : c.value, c.source];
    if (opts.readOnly) row.push(c.readOnly ? 'yes' : 'no');
    if (opts.synonyms) row.push(c.synonyms.map((s) => `${s.name}=${s.value ?? ''} (${s.source})`).join('\n'));
    if (opts.documentation) row.push(c.documentation);
    return row;
  });
  return table(head, rows);
}
