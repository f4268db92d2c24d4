// Human rendering of the cluster description.

import type { ClusterDescription } from '../../client/admin/index.js';
import { keyValues, table } from '../table.js';

export function renderCluster(c: ClusterDescription): string {
  return [
    keyValues([
      ['Cluster ID', c.clusterId],
      ['Controller', c.controllerId],
      ['Brokers', c.brokers.length],
    ]),
    table(
      ['BROKER ID', 'HOST', 'PORT', 'RACK', 'CONTROLLER'],
      c.brokers.map((b) => [b.id, b.host, b.port, b.rack, b.isController ? 'yes' : 'no']),
    ),
  ].join('\n');
}
