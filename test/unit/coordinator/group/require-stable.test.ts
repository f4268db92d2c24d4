// OffsetFetch require_stable (v7+, KIP-447): a partition whose group holds a transactional offset
// not yet committed or aborted answers UNSTABLE_OFFSET_COMMIT (retriable) when the fetch requires
// stable offsets, and its last committed offset otherwise; the transaction's marker settles it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../src/protocol/errors.js';
import type { OffsetFetchResult } from '../../../../src/coordinator/group/types.js';
import { openHarness, outsideCommit, removeDataDirs, tempDataDir, type Harness } from './harness.js';

let h: Harness;

beforeEach(() => {
  h = openHarness(tempDataDir());
  h.createTopic('orders', 3);
});

afterEach(() => {
  h.close();
  removeDataDirs();
});

const ORDERS = [{ name: 'orders', partitionIndexes: [0, 1, 2] }];

/** OffsetCommit (no producer) or TxnOffsetCommit (with one) of `offsets` (partition -> offset). */
function commit(offsets: Map<number, number>, producerId?: number): void {
  const req = outsideCommit('g', 'orders', offsets, (o) => `m${o}`);
  const res =
    producerId === undefined
      ? h.coordinator.commitOffsets(req)
      : h.coordinator.txnCommitOffsets(req, { producerId, producerEpoch: 0 });
  expect(res[0]!.partitions.map((p) => p.errorCode)).toEqual([...offsets.keys()].map(() => 0));
}

/** [committedOffset, errorCode] per partition of each topic. */
const shape = (r: OffsetFetchResult) =>
  r.topics.map((t) => [t.name, t.partitions.map((p) => [p.committedOffset, p.errorCode])]);

const marker = (producerId: number, commitIt: boolean) =>
  h.coordinator.onTxnMarker(h.coordinator.store.partitionFor('g'), producerId, commitIt);

const UNSTABLE = ErrorCode.UNSTABLE_OFFSET_COMMIT;

describe('OffsetFetch require_stable', () => {
  it('answers UNSTABLE_OFFSET_COMMIT for a pending partition only while its transaction is open', () => {
    commit(
      new Map([
        [0, 10],
        [1, 20],
      ]),
    );
    commit(new Map([[1, 25]]), 7);

    const stable = h.coordinator.fetchOffsets('g', ORDERS, true);
    expect(stable.errorCode).toBe(0);
    expect(shape(stable)).toEqual([
      [
        'orders',
        [
          [10, 0],
          [-1, UNSTABLE],
          [-1, 0],
        ],
      ],
    ]);
    // the refused partition carries nothing of the old offset, as in Kafka
    const refused = stable.topics[0]!.partitions[1]!;
    expect([refused.committedLeaderEpoch, refused.metadata]).toEqual([-1, '']);
    // every committed offset (null topics): the committed ones, the pending one refused
    expect(shape(h.coordinator.fetchOffsets('g', null, true))).toEqual([
      [
        'orders',
        [
          [10, 0],
          [-1, UNSTABLE],
        ],
      ],
    ]);
    // without require_stable: the last committed offsets
    expect(shape(h.coordinator.fetchOffsets('g', ORDERS, false))).toEqual([
      [
        'orders',
        [
          [10, 0],
          [20, 0],
          [-1, 0],
        ],
      ],
    ]);

    marker(7, true);
    for (const requireStable of [true, false]) {
      expect(shape(h.coordinator.fetchOffsets('g', ORDERS, requireStable))).toEqual([
        [
          'orders',
          [
            [10, 0],
            [25, 0],
            [-1, 0],
          ],
        ],
      ]);
    }
    expect(h.coordinator.fetchOffsets('g', ORDERS, true).topics[0]!.partitions[1]!.metadata).toBe('m25');
  });

  it('is stable again after an abort, with the old offset', () => {
    commit(new Map([[0, 10]]));
    commit(new Map([[0, 99]]), 7);
    expect(shape(h.coordinator.fetchOffsets('g', [{ name: 'orders', partitionIndexes: [0] }], true))).toEqual(
      [['orders', [[-1, UNSTABLE]]]],
    );
    marker(7, false);
    expect(shape(h.coordinator.fetchOffsets('g', [{ name: 'orders', partitionIndexes: [0] }], true))).toEqual(
      [['orders', [[10, 0]]]],
    );
  });

  it('tracks each producer: a partition stays unstable until every transaction holding it ends', () => {
    commit(new Map([[2, 5]]), 7);
    commit(new Map([[2, 6]]), 8);
    // a group with only pending offsets: asked for by name the partition is refused; listing every
    // offset covers committed offsets only (Kafka's group.allOffsets)
    expect(shape(h.coordinator.fetchOffsets('g', ORDERS, true))).toEqual([
      [
        'orders',
        [
          [-1, 0],
          [-1, 0],
          [-1, UNSTABLE],
        ],
      ],
    ]);
    expect(h.coordinator.fetchOffsets('g', null, true).topics).toEqual([]);
    marker(7, true);
    expect(shape(h.coordinator.fetchOffsets('g', ORDERS, true))[0]![1]).toEqual([
      [-1, 0],
      [-1, 0],
      [-1, UNSTABLE],
    ]);
    expect(shape(h.coordinator.fetchOffsets('g', ORDERS, false))[0]![1]![2]).toEqual([5, 0]);
    marker(8, true);
    expect(shape(h.coordinator.fetchOffsets('g', ORDERS, true))[0]![1]![2]).toEqual([6, 0]);
  });

  it('is off by default (OffsetFetch before v7)', () => {
    commit(new Map([[0, 3]]), 7);
    expect(shape(h.coordinator.fetchOffsets('g', ORDERS))[0]![1]).toEqual([
      [-1, 0],
      [-1, 0],
      [-1, 0],
    ]);
  });
});
