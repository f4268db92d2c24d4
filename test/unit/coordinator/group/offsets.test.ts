// Committed offsets and durability: OffsetCommit/OffsetFetch/OffsetDelete/DeleteGroups rules,
// the records written to __consumer_offsets (Kafka's format), rebuilding from them, retention.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Reader } from '../../../../src/protocol/codec/reader.js';
import { ErrorCode } from '../../../../src/protocol/errors.js';
import {
  decodeGroupMetadataValue,
  decodeOffsetCommitKey,
  decodeOffsetCommitValue,
} from '../../../../src/protocol/messages/index.js';
import { decodeRecordBatches } from '../../../../src/protocol/records/index.js';
import type { CommitRequest, JoinResult } from '../../../../src/coordinator/group/types.js';
import { partitionForGroup } from '../../../../src/coordinator/group/index.js';
import {
  OFFSETS_TOPIC,
  joinRequest,
  memberIdFor,
  openHarness,
  removeDataDirs,
  subscription,
  tempDataDir,
  type Harness,
} from './harness.js';

let h: Harness;
let dataDir: string;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(1_700_000_000_000);
  dataDir = tempDataDir();
  h = openHarness(dataDir);
  h.createTopic('orders', 3);
  h.createTopic('audit', 1);
});

afterEach(() => {
  h.close();
  vi.useRealTimers();
  removeDataDirs();
});

function commit(groupId: string, over: Partial<CommitRequest> = {}, partitions = [0, 1, 2], offset = 42) {
  return h.coordinator.commitOffsets({
    groupId,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    apiVersion: 8,
    topics: [
      {
        name: 'orders',
        partitions: partitions.map((p) => ({
          partitionIndex: p,
          committedOffset: offset + p,
          committedLeaderEpoch: 0,
          committedMetadata: `m${p}`,
          commitTimestamp: -1,
        })),
      },
    ],
    ...over,
  });
}

const codes = (r: { partitions: { errorCode: number }[] }[]) =>
  r.flatMap((t) => t.partitions.map((p) => p.errorCode));

async function stableMember(groupId: string, topics = ['orders']): Promise<JoinResult> {
  const id = await memberIdFor(h.coordinator, groupId);
  const pending = h.coordinator.joinGroup(
    joinRequest(groupId, { memberId: id, protocols: [{ name: 'range', metadata: subscription(topics) }] }),
  );
  await vi.advanceTimersByTimeAsync(1);
  const r = await pending;
  await h.coordinator.syncGroup({
    groupId,
    generationId: r.generationId,
    memberId: r.memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: [{ memberId: r.memberId, assignment: Buffer.from('assigned') }],
  });
  return r;
}

/** Every record appended to __consumer_offsets, decoded from the log. */
async function offsetsTopicRecords(): Promise<{ key: Buffer; value: Buffer | null }[]> {
  const out: { key: Buffer; value: Buffer | null }[] = [];
  for (let p = 0; p < (h.topics.get(OFFSETS_TOPIC) ?? 0); p++) {
    const log = h.logs.getLog(OFFSETS_TOPIC, p)!;
    const read = log.read(0, 10 * 1024 * 1024);
    for (const b of await decodeRecordBatches(read.records))
      for (const r of b.records) out.push({ key: r.key!, value: r.value });
  }
  return out;
}

describe('OffsetCommit and OffsetFetch', () => {
  it('stores a commit from outside group management and reads it back', () => {
    expect(codes(commit('simple'))).toEqual([0, 0, 0]);
    const r = h.coordinator.fetchOffsets('simple', [{ name: 'orders', partitionIndexes: [0, 2, 7] }]);
    expect(r.errorCode).toBe(0);
    expect(r.topics[0]!.partitions).toEqual([
      { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 0, metadata: 'm0', errorCode: 0 },
      { partitionIndex: 2, committedOffset: 44, committedLeaderEpoch: 0, metadata: 'm2', errorCode: 0 },
      { partitionIndex: 7, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
    ]);
    expect(h.coordinator.fetchOffsets('simple', null).topics.map((t) => t.name)).toEqual(['orders']);
    expect(h.coordinator.fetchOffsets('nobody', null)).toEqual({ errorCode: 0, topics: [] });
    const listed = h.coordinator.listGroups([], []).groups;
    expect(listed).toEqual([
      { groupId: 'simple', protocolType: '', groupState: 'Empty', groupType: 'classic' },
    ]);
  });

  it('accepts the empty group id for commits and fetches, as Kafka does for old clients', () => {
    expect(codes(commit(''))).toEqual([0, 0, 0]);
    expect(h.coordinator.fetchOffsets('', null).topics[0]!.partitions).toHaveLength(3);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for unknown topics and partitions, and keeps the rest', () => {
    const r = h.coordinator.commitOffsets({
      groupId: 'g',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      apiVersion: 8,
      topics: [
        {
          name: 'nope',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 1,
              committedLeaderEpoch: -1,
              committedMetadata: null,
              commitTimestamp: -1,
            },
          ],
        },
        {
          name: 'orders',
          partitions: [
            {
              partitionIndex: 3,
              committedOffset: 1,
              committedLeaderEpoch: -1,
              committedMetadata: null,
              commitTimestamp: -1,
            },
            {
              partitionIndex: 1,
              committedOffset: 5,
              committedLeaderEpoch: -1,
              committedMetadata: null,
              commitTimestamp: -1,
            },
          ],
        },
      ],
    });
    expect(codes(r)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0]);
    expect(h.coordinator.fetchOffsets('g', null).topics[0]!.partitions.map((p) => p.committedOffset)).toEqual(
      [5],
    );
  });

  it('answers OFFSET_METADATA_TOO_LARGE past offset.metadata.max.bytes', () => {
    const r = h.coordinator.commitOffsets({
      groupId: 'g',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      apiVersion: 8,
      topics: [
        {
          name: 'orders',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 1,
              committedLeaderEpoch: -1,
              committedMetadata: 'x'.repeat(4097),
              commitTimestamp: -1,
            },
            {
              partitionIndex: 1,
              committedOffset: 1,
              committedLeaderEpoch: -1,
              committedMetadata: 'x'.repeat(4096),
              commitTimestamp: -1,
            },
          ],
        },
      ],
    });
    expect(codes(r)).toEqual([ErrorCode.OFFSET_METADATA_TOO_LARGE, 0]);
  });

  it('checks member and generation of commits to a group with members', async () => {
    const m = await stableMember('g');
    expect(codes(commit('g', { generationId: m.generationId, memberId: m.memberId }))).toEqual([0, 0, 0]);
    expect(codes(commit('g', { generationId: m.generationId + 1, memberId: m.memberId }))).toEqual(
      Array(3).fill(ErrorCode.ILLEGAL_GENERATION),
    );
    expect(codes(commit('g', { generationId: m.generationId, memberId: 'other' }))).toEqual(
      Array(3).fill(ErrorCode.UNKNOWN_MEMBER_ID),
    );
    // no member and no generation (v0) is refused while the group has members
    expect(codes(commit('g'))).toEqual(Array(3).fill(ErrorCode.UNKNOWN_MEMBER_ID));
    // a generation for a group that does not exist
    expect(codes(commit('none', { generationId: 3, memberId: 'x', apiVersion: 8 }))).toEqual(
      Array(3).fill(ErrorCode.ILLEGAL_GENERATION),
    );
    expect(codes(commit('none', { generationId: 3, memberId: 'x', apiVersion: 9 }))).toEqual(
      Array(3).fill(ErrorCode.GROUP_ID_NOT_FOUND),
    );
  });

  it('answers REBALANCE_IN_PROGRESS to a commit between JoinGroup and SyncGroup', async () => {
    const id = await memberIdFor(h.coordinator, 'g');
    const pending = h.coordinator.joinGroup(joinRequest('g', { memberId: id }));
    await vi.advanceTimersByTimeAsync(1);
    const m = await pending;
    expect(codes(commit('g', { generationId: m.generationId, memberId: m.memberId }))).toEqual(
      Array(3).fill(ErrorCode.REBALANCE_IN_PROGRESS),
    );
  });

  it('reports lag per committed partition against the log end offset', () => {
    commit('g', {}, [0], 0);
    expect(h.coordinator.lag()).toEqual([
      { group: 'g', topic: 'orders', partition: 0, committedOffset: 0, logEndOffset: 0, lag: 0 },
    ]);
    expect(h.coordinator.groups()).toEqual([{ group: 'g', state: 'Empty', members: 0 }]);
  });
});

describe('__consumer_offsets', () => {
  it("writes Kafka's record format: int16 key/value versions, OffsetCommit and GroupMetadata schemas", async () => {
    const m = await stableMember('writer');
    commit('writer', { generationId: m.generationId, memberId: m.memberId }, [1], 7);
    const records = await offsetsTopicRecords();
    const offsetRecords = records.filter((r) => r.key.readInt16BE(0) === 1);
    expect(offsetRecords).toHaveLength(1);
    const kr = new Reader(offsetRecords[0]!.key, 2);
    expect(decodeOffsetCommitKey(kr, 1)).toEqual({ group: 'writer', topic: 'orders', partition: 1 });
    const value = offsetRecords[0]!.value!;
    expect(value.readInt16BE(0)).toBe(3);
    expect(decodeOffsetCommitValue(new Reader(value, 2), 3)).toMatchObject({
      offset: 8,
      leaderEpoch: 0,
      metadata: 'm1',
      commitTimestamp: Date.now(),
    });
    const groupRecords = records.filter((r) => r.key.readInt16BE(0) === 2);
    const last = groupRecords[groupRecords.length - 1]!.value!;
    expect(last.readInt16BE(0)).toBe(3);
    const g = decodeGroupMetadataValue(new Reader(last, 2), 3);
    expect(g).toMatchObject({
      protocolType: 'consumer',
      generation: 1,
      protocol: 'range',
      leader: m.memberId,
    });
    expect(g.members[0]!.assignment.toString()).toBe('assigned');
    expect(g.members[0]!.subscription).toEqual(subscription(['orders']));
    // all on the group's partition
    const p = partitionForGroup('writer', h.topics.get(OFFSETS_TOPIC)!);
    expect(h.logs.getLog(OFFSETS_TOPIC, p)!.logEndOffset).toBe(records.length);
  });

  it('rebuilds offsets and group membership from the log; COORDINATOR_LOAD_IN_PROGRESS until then', async () => {
    const m = await stableMember('durable');
    commit('durable', { generationId: m.generationId, memberId: m.memberId });
    commit('simple', {}, [2], 100);
    commit('gone', {}, [0], 1);
    expect(h.coordinator.deleteGroups(['gone'])).toEqual([{ groupId: 'gone', errorCode: 0 }]);
    h.close();

    h = openHarness(dataDir);
    const loading = h.coordinator.startup();
    expect(h.coordinator.loaded()).toBe(false);
    expect(h.coordinator.fetchOffsets('durable', null).errorCode).toBe(
      ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
    );
    expect(codes(commit('durable'))).toEqual(Array(3).fill(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS));
    expect((await h.coordinator.joinGroup(joinRequest('durable'))).errorCode).toBe(
      ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
    );
    expect(h.coordinator.listGroups([], []).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const stats = await loading;
    expect(stats.groups).toBe(2);
    expect(h.coordinator.loaded()).toBe(true);

    expect(
      h.coordinator.fetchOffsets('durable', null).topics[0]!.partitions.map((p) => p.committedOffset),
    ).toEqual([42, 43, 44]);
    expect(h.coordinator.fetchOffsets('simple', null).topics[0]!.partitions[0]!.committedOffset).toBe(102);
    expect(h.coordinator.fetchOffsets('gone', null).topics).toEqual([]);
    const d = h.coordinator.describeGroup('durable');
    expect(d).toMatchObject({ groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(d.members.map((x) => [x.memberId, x.memberAssignment.toString()])).toEqual([
      [m.memberId, 'assigned'],
    ]);
    // the member carries on with its generation
    expect(
      h.coordinator.heartbeat({
        groupId: 'durable',
        memberId: m.memberId,
        generationId: m.generationId,
        groupInstanceId: null,
      }),
    ).toBe(0);
    // and is expired if it does not come back
    await vi.advanceTimersByTimeAsync(10_001);
    expect(h.coordinator.describeGroup('durable').groupState).toBe('Empty');
  });

  it('expires offsets of empty groups after offsets.retention.minutes, with tombstones', async () => {
    h.close();
    h = openHarness(dataDir, { offsetsRetentionMs: 60_000 });
    h.createTopic('orders', 3);
    commit('old', {}, [0]);
    const m = await stableMember('busy');
    commit('busy', { generationId: m.generationId, memberId: m.memberId }, [0]);
    vi.setSystemTime(Date.now() + 30_000);
    commit('recent', {}, [0]);
    expect(h.coordinator.expireOffsets(Date.now() + 30_001)).toEqual({ offsets: 1, groups: 1 });
    expect(h.coordinator.fetchOffsets('old', null).topics).toEqual([]);
    expect(h.coordinator.fetchOffsets('recent', null).topics).toHaveLength(1);
    // a group with members keeps the offsets of topics it subscribes to
    expect(h.coordinator.fetchOffsets('busy', null).topics).toHaveLength(1);
    h.close();
    h = openHarness(dataDir);
    await h.coordinator.startup();
    expect(h.coordinator.fetchOffsets('old', null).topics).toEqual([]);
    expect(h.coordinator.describeGroup('old').groupState).toBe('Dead');
    expect(h.coordinator.fetchOffsets('recent', null).topics).toHaveLength(1);
  });
});

describe('DeleteGroups and OffsetDelete', () => {
  it('deletes only empty groups', async () => {
    const m = await stableMember('active');
    commit('idle', {}, [0]);
    expect(h.coordinator.deleteGroups(['active', 'idle', 'missing'])).toEqual([
      { groupId: 'active', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'idle', errorCode: 0 },
      { groupId: 'missing', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    expect(h.coordinator.describeGroup('idle').groupState).toBe('Dead');
    expect(m.errorCode).toBe(0);
  });

  it('refuses to delete offsets of topics a member subscribes to', async () => {
    const m = await stableMember('g', ['orders']);
    commit('g', { generationId: m.generationId, memberId: m.memberId }, [0]);
    h.coordinator.commitOffsets({
      groupId: 'g',
      generationId: m.generationId,
      memberId: m.memberId,
      groupInstanceId: null,
      retentionTimeMs: -1,
      apiVersion: 8,
      topics: [
        {
          name: 'audit',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 9,
              committedLeaderEpoch: -1,
              committedMetadata: null,
              commitTimestamp: -1,
            },
          ],
        },
      ],
    });
    const r = h.coordinator.deleteOffsets('g', [
      { name: 'orders', partitions: [0] },
      { name: 'audit', partitions: [0] },
      { name: 'nope', partitions: [0] },
    ]);
    expect(r.errorCode).toBe(0);
    expect(codes(r.topics)).toEqual([
      ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC,
      0,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    expect(h.coordinator.fetchOffsets('g', null).topics.map((t) => t.name)).toEqual(['orders']);
    expect(h.coordinator.deleteOffsets('', []).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(h.coordinator.deleteOffsets('missing', []).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });
});

describe('ListGroups and DescribeGroups', () => {
  it('filters by state (case-insensitive) and type; describes unknown groups as Dead', async () => {
    await stableMember('s');
    commit('e', {}, [0]);
    const all = h.coordinator.listGroups([], []).groups.map((g) => [g.groupId, g.groupState]);
    expect(all.sort()).toEqual([
      ['e', 'Empty'],
      ['s', 'Stable'],
    ]);
    expect(h.coordinator.listGroups(['stable'], []).groups.map((g) => g.groupId)).toEqual(['s']);
    expect(h.coordinator.listGroups([], ['consumer']).groups).toEqual([]);
    expect(h.coordinator.listGroups([], ['Classic']).groups).toHaveLength(2);
    expect(h.coordinator.describeGroup('unknown')).toEqual({
      errorCode: 0,
      groupId: 'unknown',
      groupState: 'Dead',
      protocolType: '',
      protocolData: '',
      members: [],
    });
  });
});
