// Human renderings of transaction results.

import type { TransactionDescription, TransactionSummary } from '../../client/admin/index.js';
import { keyValues, table } from '../table.js';

export function renderTransactionList(txns: TransactionSummary[]): string {
  if (txns.length === 0) return 'No transactions.';
  return table(
    ['TRANSACTIONAL ID', 'PRODUCER ID', 'STATE', 'COORDINATOR'],
    txns.map((t) => [t.transactionalId, t.producerId, t.state, t.coordinator]),
  );
}

export function renderTransactionDescription(t: TransactionDescription, now = Date.now()): string {
  const parts = [
    keyValues([
      ['Transactional id', t.transactionalId],
      ['State', t.state],
      ['Producer id', t.producerId],
      ['Producer epoch', t.producerEpoch],
      ['Timeout (ms)', t.timeoutMs],
      ['Started', t.startTimeMs >= 0 ? new Date(t.startTimeMs).toISOString() : '-'],
      ['Open for (ms)', t.startTimeMs >= 0 ? Math.max(0, now - t.startTimeMs) : '-'],
      ['Coordinator', `${t.coordinator.id} (${t.coordinator.host}:${t.coordinator.port})`],
    ]),
  ];
  parts.push(
    t.partitions.length > 0
      ? table(
          ['TOPIC', 'PARTITION'],
          t.partitions.map((p) => [p.topic, p.partition]),
        )
      : 'No partitions in the transaction.',
  );
  return parts.join('\n');
}
