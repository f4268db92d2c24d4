// TxnOffsetCommit durability, Kafka's way: the offsets are transactional records on
// __consumer_offsets, pending in the group until the transaction's marker lands on the group's
// partition. A crash after PrepareCommit but before that marker is completed at the next start (the
// group reloads them pending, the coordinator writes the COMMIT marker); a transaction left open
// stays open across the restart, as in Kafka: its producer can still commit it, and if nobody does,
// the timeout aborts it and its offsets are dropped.
import { afterEach, describe, expect, it } from 'vitest';
import type { OffsetsTopicAccess } from '../../../../src/coordinator/group/index.js';
import { OFFSETS_TOPIC } from '../../../../src/coordinator/group/index.js';
import { DEFAULT_TXN_CONFIG } from '../../../../src/coordinator/txn/config.js';
import { TransactionCoordinator, TxnStatus } from '../../../../src/coordinator/txn/index.js';
import { silentLogger } from '../../../../src/observability/logger.js';
import { openHarness, outsideCommit, removeDataDirs, tempDataDir, type Harness } from '../group/harness.js';

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

function sync<T>(v: T | Promise<T>): T {
  if (v instanceof Promise) throw new Error('a single broker answers at once');
  return v;
}

/** TxnOffsetCommit of `offsets` (partition -> offset of orders) for group 'g', as the handler does it. */
function txnOffsetCommit(
  s: { h: Harness; txn: TransactionCoordinator },
  ids: { producerId: number; producerEpoch: number },
  offsets: number[],
): number[] {
  const checked = s.txn.checkTxnOffsetCommit(
    'tx',
    ids.producerId,
    ids.producerEpoch,
    s.h.coordinator.store.partitionFor('g'),
    3,
  );
  if (checked !== 0) return offsets.map(() => checked);
  const res = s.h.coordinator.txnCommitOffsets(
    outsideCommit(
      'g',
      'orders',
      offsets.map((o, p) => [p, o]),
    ),
    ids,
  );
  return res[0]!.partitions.map((p) => p.errorCode);
}

/** Opens a transaction on 'tx' with offsets 7 and 9 of orders for group 'g'. */
function openTransaction(s: { h: Harness; txn: TransactionCoordinator }) {
  const { producerId, producerEpoch } = sync(s.txn.initProducerId('tx', 60_000, -1, -1, 4));
  expect(
    s.txn.addPartitions('tx', producerId, producerEpoch, [{ name: 'orders', partitions: [0] }], false, 3),
  ).toBeDefined();
  expect(s.txn.addOffsets('tx', producerId, producerEpoch, 'g', 3)).toBe(0);
  expect(txnOffsetCommit(s, { producerId, producerEpoch }, [7, 9])).toEqual([0, 0]);
  return { producerId, producerEpoch };
}

const committed = (s: { h: Harness }) =>
  s.h.coordinator.fetchOffsets('g', null).topics.flatMap((t) => t.partitions.map((p) => p.committedOffset));

describe('transactional offsets across a restart', () => {
  it('commits the pending offsets of a transaction that crashed after PrepareCommit', async () => {
    const dataDir = tempDataDir();
    const first = await start(dataDir, true);
    const { producerId, producerEpoch } = openTransaction(first);
    expect(committed(first)).toEqual([]); // pending: invisible until the COMMIT marker
    // the crash: PrepareCommit is written, the marker never reaches __consumer_offsets
    const write = first.txn.writeMarkerAsLeader.bind(first.txn);
    first.txn.writeMarkerAsLeader = (topic, ...rest) => {
      if (topic === OFFSETS_TOPIC) throw new Error('crash');
      return write(topic, ...rest);
    };
    expect(() => first.txn.endTxn('tx', producerId, producerEpoch, true, 3)).toThrow('crash');
    expect(first.txn.transactions.get('tx')!.status).toBe(TxnStatus.PrepareCommit);
    expect(committed(first)).toEqual([]);
    stop(first);

    const second = await start(dataDir, false);
    expect(second.txn.transactions.get('tx')!.status).toBe(TxnStatus.CompleteCommit);
    expect(committed(second)).toEqual([7, 9]);
    stop(second);

    // completed once: a further restart neither loses nor re-applies anything
    const third = await start(dataDir, false);
    expect(committed(third)).toEqual([7, 9]);
    expect(third.h.coordinator.store.get('g')!.pendingTxnOffsets.size).toBe(0);
  });

  /** Commits 7 and 9, then leaves a second transaction moving partition 0 to 100 open at a crash. */
  async function leftOpen() {
    const dataDir = tempDataDir();
    const first = await start(dataDir, true);
    const ids = openTransaction(first);
    expect(sync(first.txn.endTxn('tx', ids.producerId, ids.producerEpoch, true, 3)).errorCode).toBe(0);
    expect(committed(first)).toEqual([7, 9]);
    expect(first.txn.addOffsets('tx', ids.producerId, ids.producerEpoch, 'g', 3)).toBe(0);
    expect(txnOffsetCommit(first, ids, [100])).toEqual([0]);
    expect(committed(first)).toEqual([7, 9]);
    stop(first);
    const second = await start(dataDir, false);
    // still open after the restart, its offset pending
    expect(second.txn.transactions.get('tx')!.status).toBe(TxnStatus.Ongoing);
    expect(second.h.coordinator.store.get('g')!.pendingTxnOffsets.size).toBe(1);
    expect(committed(second)).toEqual([7, 9]);
    return { second, ids };
  }

  it('keeps a transaction left open by a crash open, for its producer to commit', async () => {
    const { second, ids } = await leftOpen();
    expect(second.txn.abortTimedOut()).toBe(0); // not timed out yet
    expect(sync(second.txn.endTxn('tx', ids.producerId, ids.producerEpoch, true, 3)).errorCode).toBe(0);
    expect(second.txn.transactions.get('tx')!.status).toBe(TxnStatus.CompleteCommit);
    expect(committed(second)).toEqual([100, 9]);
  });

  it('aborts a transaction left open once its timeout has passed, dropping its offsets', async () => {
    const { second, ids } = await leftOpen();
    expect(second.txn.abortTimedOut(Date.now() + 61_000)).toBe(1);
    expect(second.txn.transactions.get('tx')!.status).toBe(TxnStatus.CompleteAbort);
    expect(committed(second)).toEqual([7, 9]);
    expect(second.h.coordinator.store.get('g')!.pendingTxnOffsets.size).toBe(0);
    // the abort bumped the epoch: the producer that left it open is fenced
    const late = sync(second.txn.endTxn('tx', ids.producerId, ids.producerEpoch, true, 3));
    expect(late.errorCode).toBe(90); // PRODUCER_FENCED (EndTxn v3)
  });

  it('refuses offsets of a partition the transaction did not add (INVALID_TXN_STATE)', async () => {
    const first = await start(tempDataDir(), true);
    const { producerId, producerEpoch } = sync(first.txn.initProducerId('tx', 60_000, -1, -1, 4));
    expect(txnOffsetCommit(first, { producerId, producerEpoch }, [1])).toEqual([48]);
  });
});
