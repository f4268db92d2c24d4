// Transaction administration over the Kafka protocol (KIP-664): ListTransactions on every broker
// (each lists the transactional ids it coordinates), FindCoordinator (key type 1) and
// DescribeTransactions on the coordinator of a transactional id.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type DescribeTransactionsResponse,
  type FindCoordinatorResponse,
  type ListTransactionsResponse,
} from '../../protocol/messages/index.js';
import type { ClusterClient } from '../cluster.js';
import { check } from '../errors.js';

export interface TransactionSummary {
  transactionalId: string;
  producerId: number;
  state: string;
  coordinator: number;
}

export interface TransactionDescription {
  transactionalId: string;
  state: string;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  /** When the open transaction started (ms since the epoch), -1 when none is open. */
  startTimeMs: number;
  coordinator: { id: number; host: string; port: number };
  partitions: { topic: string; partition: number }[];
}

export interface ListTransactionsOptions {
  /** Kafka state names: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, ... */
  states?: string[];
  producerIds?: number[];
  /** Only transactions open at least this long (ListTransactions v1, KIP-994). */
  minDurationMs?: number;
}

const RETRIABLE = new Set<number>([
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
]);
const ATTEMPTS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function listTransactions(
  client: ClusterClient,
  opts: ListTransactionsOptions = {},
): Promise<TransactionSummary[]> {
  const seen = new Map<string, TransactionSummary>();
  for (const id of [...client.brokers.keys()]) {
    for (let attempt = 1; ; attempt++) {
      const { response } = await client.request<ListTransactionsResponse>(
        id,
        ApiKey.ListTransactions,
        () => ({
          stateFilters: opts.states ?? [],
          producerIdFilters: opts.producerIds ?? [],
          durationFilter: opts.minDurationMs ?? -1,
        }),
        opts.minDurationMs !== undefined ? { min: 1 } : {},
      );
      if (RETRIABLE.has(response.errorCode) && attempt < ATTEMPTS) {
        await sleep(200);
        continue;
      }
      check(response.errorCode, `list the transactions of broker ${id}`);
      if (response.unknownStateFilters.length > 0) {
        throw new Error(`Unknown transaction state(s): ${response.unknownStateFilters.join(', ')}`);
      }
      for (const t of response.transactionStates) {
        seen.set(t.transactionalId, {
          transactionalId: t.transactionalId,
          producerId: t.producerId,
          state: t.transactionState,
          coordinator: id,
        });
      }
      break;
    }
  }
  return [...seen.values()].sort((a, b) =>
    a.transactionalId < b.transactionalId ? -1 : a.transactionalId > b.transactionalId ? 1 : 0,
  );
}

/** The coordinator of a transactional id (added to the client's broker list when missing). */
async function findTransactionCoordinator(
  client: ClusterClient,
  transactionalId: string,
): Promise<{ id: number; host: string; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const { response, version } = await client.request<FindCoordinatorResponse>(
      'any',
      ApiKey.FindCoordinator,
      () => ({ key: transactionalId, keyType: 1, coordinatorKeys: [transactionalId] }),
      { min: 1 },
    );
    const c =
      version >= 4
        ? response.coordinators[0]
        : {
            nodeId: response.nodeId,
            host: response.host,
            port: response.port,
            errorCode: response.errorCode,
            errorMessage: response.errorMessage,
          };
    if (!c) throw new Error(`FindCoordinator answered without a coordinator for '${transactionalId}'`);
    if (RETRIABLE.has(c.errorCode) && attempt < ATTEMPTS) {
      await sleep(200);
      continue;
    }
    check(c.errorCode, `find the coordinator of transactional id '${transactionalId}'`, c.errorMessage);
    if (!client.brokers.has(c.nodeId))
      client.brokers.set(c.nodeId, { nodeId: c.nodeId, host: c.host, port: c.port, rack: null });
    return { id: c.nodeId, host: c.host, port: c.port };
  }
}

export async function describeTransaction(
  client: ClusterClient,
  transactionalId: string,
): Promise<TransactionDescription> {
  for (let attempt = 1; ; attempt++) {
    const coordinator = await findTransactionCoordinator(client, transactionalId);
    const { response } = await client.request<DescribeTransactionsResponse>(
      coordinator.id,
      ApiKey.DescribeTransactions,
      () => ({ transactionalIds: [transactionalId] }),
    );
    const s = response.transactionStates.find((t) => t.transactionalId === transactionalId);
    if (!s) throw new Error(`DescribeTransactions answered nothing for '${transactionalId}'`);
    if (RETRIABLE.has(s.errorCode) && attempt < ATTEMPTS) {
      await sleep(200);
      continue;
    }
    check(s.errorCode, `describe transactional id '${transactionalId}'`);
    return {
      transactionalId,
      state: s.transactionState,
      producerId: s.producerId,
      producerEpoch: s.producerEpoch,
      timeoutMs: s.transactionTimeoutMs,
      startTimeMs: s.transactionStartTimeMs,
      coordinator,
      partitions: s.topics
        .flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })))
        .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition)),
    };
  }
}
