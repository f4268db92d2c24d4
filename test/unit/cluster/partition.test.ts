import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { awaitReplication } from '../../../src/cluster/replication/delayed-produce.js';
import { LeaderEpochCache } from '../../../src/cluster/replication/leader-epoch-cache.js';
import { Partition } from '../../../src/cluster/replication/partition.js';
import { FetchPurgatory } from '../../../src/broker/purgatory.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { encodeRecordBatchSync } from '../../../src/protocol/records/record-batch.js';
import { validateProducedBatches } from '../../../src/protocol/records/validate.js';
import { DEFAULT_LOG_CONFIG, PartitionLog } from '../../../src/storage/index.js';
import { FakeCluster, partitionState } from '../../helpers/fake-cluster.js';

const dirs: string[] = [];
const logs: PartitionLog[] = [];
afterEach(() => {
  for (const l of logs.splice(0)) if (!l.isClosed) l.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function openLog(): PartitionLog {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fluxmq-partition-'));
  dirs.push(dir);
  const log = PartitionLog.open({
    dir: path.join(dir, 't-0'),
    topic: 't',
    partition: 0,
    config: DEFAULT_LOG_CONFIG,
  });
  logs.push(log);
  return log;
}

function batch(n: number): { records: Buffer; batches: ReturnType<typeof validate> } {
  const records = encodeRecordBatchSync({
    records: Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`) })),
  });
  return { records, batches: validate(records) };
}
function validate(records: Buffer) {
  const v = validateProducedBatches(records);
  if (!v.ok) throw new Error(v.message);
  return v.batches;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(opts: { isr?: number[]; lagMs?: number } = {}) {
  const cluster = new FakeCluster();
  let now = 1_000_000;
  const clock = { advance: (ms: number) => (now += ms) };
  const state = partitionState([1, 2, 3], 1, 5, opts.isr ?? [1, 2, 3]);
  cluster.topics.set('t', { name: 't', topicId: 'id', partitions: 1, configs: {}, internal: false });
  cluster.partitions.set('t', [state]);
  for (const id of [1, 2, 3]) {
    cluster.brokers.set(id, {
      id,
      rack: null,
      endpoints: [],
      replicationEndpoint: { host: '127.0.0.1', port: 1 },
      incarnation: 'x',
      shuttingDown: false,
    });
  }
  const purgatory = new FetchPurgatory();
  const p = new Partition({
    topic: 't',
    partition: 0,
    topicId: 'id',
    log: openLog(),
    localBrokerId: 1,
    purgatory,
    cluster: {
      client: cluster.client(1),
      replicaLagTimeMaxMs: opts.lagMs ?? 1000,
      now: () => now,
      epochs: new LeaderEpochCache(null),
      isBrokerAlive: (id) => cluster.brokers.has(id),
    },
  });
  p.makeLeader(state);
  return { cluster, p, clock, purgatory };
}

describe('Partition: single-node mode', () => {
  it('always leads at epoch 0 with ISR [self] and HW = LEO', () => {
    const p = new Partition({ topic: 't', partition: 0, topicId: '', log: openLog(), localBrokerId: 7 });
    expect(p.isLeader).toBe(true);
    expect(p.leaderEpoch).toBe(0);
    expect(p.isr).toEqual([7]);
    const { records, batches } = batch(3);
    p.appendAsLeader(records, batches);
    expect(p.highWatermark).toBe(3);
    expect(p.endOffsetForEpoch(0)).toEqual({ leaderEpoch: 0, endOffset: 3 });
    expect(p.endOffsetForEpoch(1)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    expect(fs.existsSync(path.join(p.log.dir, 'leader-epoch-checkpoint'))).toBe(false);
  });
});

describe('Partition: leader high watermark', () => {
  it('is the smallest follower log end offset over the ISR and never moves back', () => {
    const { p } = setup();
    const { records, batches } = batch(10);
    p.appendAsLeader(records, batches);
    expect(p.highWatermark).toBe(0); // followers' positions unknown after becoming leader
    p.updateFollowerFetchState(2, 10, 0);
    expect(p.highWatermark).toBe(0);
    p.updateFollowerFetchState(3, 4, 0);
    expect(p.highWatermark).toBe(4);
    p.updateFollowerFetchState(3, 10, 0);
    expect(p.highWatermark).toBe(10);
    p.updateFollowerFetchState(3, 2, 0); // a follower that truncated does not move it back
    expect(p.highWatermark).toBe(10);
    expect(p.epochs.epochEntries()).toEqual([{ epoch: 5, startOffset: 0 }]);
  });

  it('refuses fetch state from a broker that is not a replica', () => {
    const { p } = setup();
    expect(p.updateFollowerFetchState(9, 0, 0)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('wakes consumer fetches when the high watermark advances, not on append', async () => {
    const { p, purgatory } = setup();
    let woken = false;
    void purgatory.wait([p.fetchKey], 1, 5000).then(() => (woken = true));
    const { records, batches } = batch(2);
    p.appendAsLeader(records, batches);
    await tick();
    expect(woken).toBe(false);
    p.updateFollowerFetchState(2, 2, 0);
    p.updateFollowerFetchState(3, 2, 0);
    await tick();
    expect(woken).toBe(true);
    purgatory.completeAll();
  });
});

describe('Partition: ISR changes through compare-and-set', () => {
  it('shrinks the ISR by followers not caught up for replica.lag.time.max.ms', async () => {
    const { p, cluster, clock } = setup({ lagMs: 1000 });
    const { records, batches } = batch(5);
    p.appendAsLeader(records, batches);
    p.updateFollowerFetchState(2, 5, 0); // caught up
    p.updateFollowerFetchState(3, 1, 0); // behind
    clock.advance(600);
    p.maybeShrinkIsr();
    expect(p.isrChangePending).toBe(false);
    clock.advance(600); // broker 3 last caught up 1200 ms ago (at the reset), broker 2 is at the LEO
    p.maybeShrinkIsr();
    expect(p.isrChangePending).toBe(true);
    await tick();
    await tick();
    expect(cluster.casLog).toHaveLength(1);
    expect(cluster.casLog[0]!.next).toMatchObject({ isr: [1, 2], partitionEpoch: 6, leaderEpoch: 5 });
    expect(p.isr).toEqual([1, 2]);
    expect(p.state.partitionEpoch).toBe(6);
    // with 3 out of the ISR the high watermark follows broker 2 alone
    expect(p.highWatermark).toBe(5);
  });

  it('a caught-up follower counts from its previous fetch (Kafka lastCaughtUpTime rule)', () => {
    const { p, clock } = setup({ lagMs: 1000 });
    const { records, batches } = batch(5);
    p.appendAsLeader(records, batches);
    p.updateFollowerFetchState(2, 5, 0);
    p.updateFollowerFetchState(3, 0, 0); // leader LEO 5 seen at this fetch
    clock.advance(900);
    const more = batch(1);
    p.appendAsLeader(more.records, more.batches); // LEO 6
    p.updateFollowerFetchState(3, 5, 0); // reached the LEO of its previous fetch: caught up as of then
    const f = p.followerStates().get(3)!;
    expect(f.lastCaughtUpTimeMs).toBe(1_000_000);
    clock.advance(50);
    p.updateFollowerFetchState(3, 6, 0); // at the LEO now
    expect(f.lastCaughtUpTimeMs).toBe(1_000_950);
  });

  it('expands the ISR once a follower reaches the HW and the current epoch start', async () => {
    const { p, cluster } = setup({ isr: [1, 2] });
    const { records, batches } = batch(4);
    p.appendAsLeader(records, batches);
    p.updateFollowerFetchState(2, 4, 0);
    expect(p.highWatermark).toBe(4);
    p.updateFollowerFetchState(3, 3, 0); // below the HW: not yet
    expect(p.isrChangePending).toBe(false);
    p.updateFollowerFetchState(3, 4, 0);
    expect(p.isrChangePending).toBe(true);
    await tick();
    await tick();
    expect(p.isr).toEqual([1, 2, 3]);
    expect(cluster.casLog.map((c) => c.won)).toEqual([true]);
    expect(p.state.partitionEpoch).toBe(6);
  });

  it('a lost compare-and-set changes nothing and waits for the image', async () => {
    const { p, cluster, clock } = setup({ lagMs: 100 });
    cluster.failCas = true;
    clock.advance(500);
    p.maybeShrinkIsr();
    await tick();
    await tick();
    expect(cluster.casLog.map((c) => c.won)).toEqual([false]);
    expect(p.isr).toEqual([1, 2, 3]);
    expect(p.isrChangePending).toBe(false);
    // the winner arrives through the image
    const winner = { ...p.state, isr: [1], partitionEpoch: 9 };
    p.updateState(winner);
    expect(p.isr).toEqual([1]);
  });
});

describe('Partition: follower side', () => {
  it('keeps the leader offsets and epochs, records new epochs, HW = min(leader HW, LEO)', () => {
    const leader = setup().p;
    const a = batch(3);
    leader.appendAsLeader(a.records, a.batches);
    const fetched = leader.log.read(0, 1 << 20).records;
    const follower = new Partition({
      topic: 't',
      partition: 0,
      topicId: 'id',
      log: openLog(),
      localBrokerId: 2,
      cluster: { client: new FakeCluster().client(2), epochs: new LeaderEpochCache(null) },
    });
    follower.makeFollower(partitionState([1, 2], 1, 5));
    expect(follower.appendAsFollower(fetched)).toBe(fetched.length);
    expect(follower.logEndOffset).toBe(3);
    expect(follower.epochs.epochEntries()).toEqual([{ epoch: 5, startOffset: 0 }]);
    expect(follower.log.read(0, 1 << 20).records).toEqual(fetched);
    follower.updateFollowerHighWatermark(10);
    expect(follower.highWatermark).toBe(3);
    // a batch that does not start at the log end is refused
    expect(() => follower.appendAsFollower(fetched)).toThrow(RangeError);
    follower.truncateTo(1);
    expect(follower.logEndOffset).toBe(0); // the whole batch holding offset 1 goes
    expect(follower.epochs.isEmpty).toBe(true);
    expect(follower.highWatermark).toBe(0);
  });
});

describe('Partition: high watermark on start (replication-offset-checkpoint)', () => {
  /** A replica over a log of ten records (log start `logStart`), as a restarted broker builds it. */
  function restarted(checkpointedHighWatermark: number | undefined, logStart = 0): Partition {
    const log = openLog();
    const { records, batches } = batch(10);
    log.append(records, batches, 5);
    log.maybeIncrementLogStartOffset(logStart);
    return new Partition({
      topic: 't',
      partition: 0,
      topicId: 'id',
      log,
      localBrokerId: 1,
      cluster: {
        client: new FakeCluster().client(1),
        epochs: new LeaderEpochCache(null),
        checkpointedHighWatermark,
      },
    });
  }

  it('a follower starts from the checkpointed high watermark, and moves it only forward', () => {
    const p = restarted(6);
    expect(p.highWatermark).toBe(6);
    p.makeFollower(partitionState([1, 2, 3], 2, 6));
    expect(p.highWatermark).toBe(6);
    p.updateFollowerHighWatermark(9);
    expect(p.highWatermark).toBe(9);
    // truncation to a divergence point below it takes it down with the log
    p.truncateTo(0);
    expect(p.highWatermark).toBe(0);
  });

  it('a leader serves consumers up to it before any follower fetched', () => {
    const p = restarted(6);
    p.makeLeader(partitionState([1, 2, 3], 1, 6));
    expect(p.highWatermark).toBe(6);
    p.updateFollowerFetchState(2, 10, 0);
    expect(p.highWatermark).toBe(6); // broker 3's position still unknown
    p.updateFollowerFetchState(3, 8, 0);
    expect(p.highWatermark).toBe(8);
  });

  it('is never above the log end offset nor below the log start offset', () => {
    expect(restarted(50).highWatermark).toBe(10); // recovery cut the log below the checkpoint
    expect(restarted(1, 3).highWatermark).toBe(3);
    expect(restarted(undefined).highWatermark).toBe(0); // no checkpoint: the log start
    expect(restarted(undefined, 4).highWatermark).toBe(4);
    const leader = restarted(50);
    leader.makeLeader(partitionState([1, 2], 1, 6));
    expect(leader.highWatermark).toBe(10);
  });
});

describe('delayed produce (acks=-1)', () => {
  it('completes when the HW passes the last offset', async () => {
    const { p } = setup();
    const { records, batches } = batch(3);
    const r = p.appendAsLeader(records, batches);
    const done = awaitReplication(
      [{ partition: p, requiredOffset: r.lastOffset + 1, minInsyncReplicas: 2 }],
      5000,
    );
    let codes: number[] | null = null;
    void done.then((c) => (codes = c));
    p.updateFollowerFetchState(2, 3, 0);
    await tick();
    expect(codes).toBeNull();
    p.updateFollowerFetchState(3, 3, 0);
    expect(await done).toEqual([ErrorCode.NONE]);
  });

  it('NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync.replicas', async () => {
    const { p, clock } = setup({ lagMs: 100 });
    const { records, batches } = batch(1);
    p.appendAsLeader(records, batches);
    const done = awaitReplication([{ partition: p, requiredOffset: 1, minInsyncReplicas: 2 }], 5000);
    clock.advance(500);
    p.maybeShrinkIsr(); // both followers out: ISR [1], HW = LEO
    expect(await done).toEqual([ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND]);
  });

  it('NOT_LEADER_OR_FOLLOWER on leadership loss, REQUEST_TIMED_OUT after the timeout', async () => {
    const { p } = setup();
    const { records, batches } = batch(1);
    p.appendAsLeader(records, batches);
    const timedOut = await awaitReplication([{ partition: p, requiredOffset: 1, minInsyncReplicas: 1 }], 20);
    expect(timedOut).toEqual([ErrorCode.REQUEST_TIMED_OUT]);
    const lost = awaitReplication([{ partition: p, requiredOffset: 1, minInsyncReplicas: 1 }], 5000);
    p.makeFollower(partitionState([1, 2, 3], 2, 6));
    expect(await lost).toEqual([ErrorCode.NOT_LEADER_OR_FOLLOWER]);
  });
});
