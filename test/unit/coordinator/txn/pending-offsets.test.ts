// TxnOffsetCommit durability: the pending offsets of a transaction are on __transaction_state before
// EndTxn writes PrepareCommit, so a crash between PrepareCommit and the offsets reaching the group
// coordinator is completed at the next start with the offsets committed; an aborted one drops them.
import { afterEach, describe, expect, it } from 'vitest';
import type { OffsetsTopicAccess } from '../../../../src/coordinator/group/index.js';
import { DEFAULT_TXN_CONFIG } from '../../../../src/coordinator/txn/config.js';
import { TransactionCoordinator, TxnStatus } from '../../../../src/coordinator/txn/index.js';
import { silentLogger } from '../../../../src/observability/logger.js';
import { openHarness, removeDataDirs, tempDataDir, type Harness } from '../group/harness.js';

const open: { h: Harness; txn: TransactionCoordinator }[] = [];

async function start(dataDir: string, firstTime: boolean) {
  const h = openHarness(dataDir);
  if (firstTime) h.createTopic('orders', 2);
  const internal = new Map<string, number>();
  const topics: OffsetsTopicAccess = {
    get: (name) => (h.topics.has(name) ? { partitions: h.topics.get(name)! } : undefined),
    defineInternalTopic: (name, partitions) => void internal.set(name, partitions),
    ensureInternalTopic: (name) => {
      if (!h.topics.has(name)) h.createTopic(name, internal.get(name) ?? 1);
      return { partitions: h.topics.get(name)! };
    },
    partitionLog: (topic, partition) => h.logs.getLog(topic, partition),
  };
  await h.coordinator.startup();
  const txn = new TransactionCoordinator({
    dataDir,
    topics,
    groups: h.coordinator,
    config: { ...DEFAULT_TXN_CONFIG, stateLogPartitions: 3 },
    logger: silentLogger(),
    leaderEpoch: () => 0,
  });
  open.push({ h, txn });
  await txn.startup();
  return { h, txn };
}

function stop(s: { h: Harness; txn: TransactionCoordinator }): void {
  s.txn.shutdown();
  s.h.close();
  open.splice(open.indexOf(s), 1);
}

afterEach(() => {
  for (const s of open.splice(0)) {
    s.txn.shutdown();
    s.h.close();
  }
  removeDataDirs();
});

/** Opens a transaction on 'tx' with offsets 7 and 9 of orders for group 'g'. */
function openTransaction(txn: TransactionCoordinator) {
  const { producerId, producerEpoch } = txn.initProducerId('tx', 60_000, -1, -1, 4);
  expect(
    txn.addPartitions('tx', producerId, producerEpoch, [{ name: 'orders', partitions: [0] }], false, 3),
  ).toBeDefined();
  expect(txn.addOffsets('tx', producerId, producerEpoch, 'g', 3)).toBe(0);
  const res = txn.txnOffsetCommit({
    transactionalId: 'tx',
    groupId: 'g',
    producerId,
    producerEpoch,
    generationId: -1,
    memberId: '',
    version: 3,
    topics: [
      {
        name: 'orders',
        partitions: [0, 1].map((partitionIndex) => ({
          partitionIndex,
          committedOffset: partitionIndex === 0 ? 7 : 9,
          committedLeaderEpoch: -1,
          committedMetadata: null,
          commitTimestamp: -1,
        })),
      },
    ],
  });
  expect(res[0]!.partitions.map((p) => p.errorCode)).toEqual([0, 0]);
  return { producerId, producerEpoch };
}

const committed = (s: { h: Harness }) =>
  s.h.coordinator.fetchOffsets('g', null).topics.flatMap((t) => t.partitions.map((p) => p.committedOffset));

describe('transactional offsets across a restart', () => {
  it('commits the pending offsets of a transaction that crashed after PrepareCommit', async () => {
    const dataDir = tempDataDir();
    const first = await start(dataDir, true);
    const { producerId, producerEpoch } = openTransaction(first.txn);
    // the crash: PrepareCommit and the markers are written, the offsets never reach the group
    first.h.coordinator.commitOffsets = () => {
      throw new Error('crash');
    };
    expect(() => first.txn.endTxn('tx', producerId, producerEpoch, true, 3)).toThrow('crash');
    expect(first.txn.transactions.get('tx')!.status).toBe(TxnStatus.PrepareCommit);
    stop(first);

    const second = await start(dataDir, false);
    expect(second.txn.transactions.get('tx')!.status).toBe(TxnStatus.CompleteCommit);
    expect(committed(second)).toEqual([7, 9]);
    stop(second);

    // completed once: a further restart neither loses nor re-applies anything
    const third = await start(dataDir, false);
    expect(committed(third)).toEqual([7, 9]);
    expect(third.txn.transactions.get('tx')!.pendingOffsets.size).toBe(0);
  });

  it('keeps offsets committed before a restart, and drops those of a transaction left open', async () => {
    const dataDir = tempDataDir();
    const first = await start(dataDir, true);
    const ids = openTransaction(first.txn);
    expect(first.txn.endTxn('tx', ids.producerId, ids.producerEpoch, true, 3).errorCode).toBe(0);
    expect(committed(first)).toEqual([7, 9]);
    // a second transaction moving the offsets on, left open by the crash
    const { producerId, producerEpoch } = { producerId: ids.producerId, producerEpoch: ids.producerEpoch };
    first.txn.addOffsets('tx', producerId, producerEpoch, 'g', 3);
    first.txn.txnOffsetCommit({
      transactionalId: 'tx',
      groupId: 'g',
      producerId,
      producerEpoch,
      generationId: -1,
      memberId: '',
      version: 3,
      topics: [
        {
          name: 'orders',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 100,
              committedLeaderEpoch: -1,
              committedMetadata: null,
              commitTimestamp: -1,
            },
          ],
        },
      ],
    });
    stop(first);

    const second = await start(dataDir, false);
    expect(second.txn.transactions.get('tx')!.status).toBe(TxnStatus.CompleteAbort);
    expect(committed(second)).toEqual([7, 9]);
  });
});
