// The classic group state machine in process: joins, rebalances, timeouts, static membership and
// the error codes Kafka answers, on a coordinator over a real log (timers faked).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeSubscription } from '../../../../src/protocol/consumer-protocol.js';
import { ErrorCode } from '../../../../src/protocol/errors.js';
import type { JoinResult } from '../../../../src/coordinator/group/types.js';
import {
  joinNew,
  joinRequest,
  memberIdFor,
  openHarness,
  removeDataDirs,
  subscription,
  tempDataDir,
  type Harness,
} from './harness.js';

let h: Harness;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  h = openHarness(tempDataDir(), { maxSize: 3 });
  h.createTopic('orders', 6);
});

afterEach(() => {
  h.close();
  vi.useRealTimers();
  removeDataDirs();
});

const sync = (groupId: string, r: JoinResult, assignments: { memberId: string; assignment: Buffer }[] = []) =>
  h.coordinator.syncGroup({
    groupId,
    generationId: r.generationId,
    memberId: r.memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: r.protocolName,
    assignments,
  });

const heartbeat = (
  groupId: string,
  memberId: string,
  generationId: number,
  groupInstanceId: string | null = null,
) => h.coordinator.heartbeat({ groupId, memberId, generationId, groupInstanceId });

/** Two members in a Stable group: returns their join results. */
async function twoMembers(groupId: string): Promise<[JoinResult, JoinResult]> {
  const a1 = joinNew(h.coordinator, groupId);
  await vi.advanceTimersByTimeAsync(1);
  const a = await a1;
  await sync(groupId, a, [{ memberId: a.memberId, assignment: Buffer.from('A') }]);
  const pendingB = joinNew(h.coordinator, groupId);
  await vi.advanceTimersByTimeAsync(0);
  expect(heartbeat(groupId, a.memberId, a.generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  const a2 = await h.coordinator.joinGroup(joinRequest(groupId, { memberId: a.memberId }));
  const b = await pendingB;
  return [a2, b];
}

describe('JoinGroup and SyncGroup', () => {
  it('asks a new member to rejoin with its id (KIP-394), then makes it leader of generation 1', async () => {
    const first = await h.coordinator.joinGroup(joinRequest('g'));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^test-[0-9a-f-]{36}$/);
    const pending = h.coordinator.joinGroup(joinRequest('g', { memberId: first.memberId }));
    await vi.advanceTimersByTimeAsync(1);
    const joined = await pending;
    expect(joined).toMatchObject({
      errorCode: 0,
      generationId: 1,
      protocolType: 'consumer',
      protocolName: 'range',
      leader: first.memberId,
      memberId: first.memberId,
    });
    expect(joined.members.map((m) => m.memberId)).toEqual([first.memberId]);

    const s = await sync('g', joined, [{ memberId: first.memberId, assignment: Buffer.from('mine') }]);
    expect(s).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range' });
    expect(s.assignment.toString()).toBe('mine');
    expect(h.coordinator.describeGroup('g').groupState).toBe('Stable');
  });

  it('v0-v3 joins get a member id at once', async () => {
    const pending = h.coordinator.joinGroup(joinRequest('g', { requireKnownMemberId: false }));
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).generationId).toBe(1);
  });

  it('waits group.initial.rebalance.delay.ms for more members before the first generation', async () => {
    h.close();
    h = openHarness(tempDataDir(), { initialRebalanceDelayMs: 3000 });
    h.createTopic('orders', 6);
    let done = false;
    const a = joinNew(h.coordinator, 'g').then((r) => ((done = true), r));
    await vi.advanceTimersByTimeAsync(2000);
    const b = joinNew(h.coordinator, 'g');
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    // a member joined during the delay: the delay is re-armed (up to the rebalance timeout)
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(2000);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.generationId).toBe(1);
    expect(rb.generationId).toBe(1);
    expect(ra.members.length + rb.members.length).toBe(2);
  });

  it('rebalances when a member joins a stable group; the leader gets every member and its metadata', async () => {
    const [a, b] = await twoMembers('g');
    expect(a.generationId).toBe(2);
    expect(b.generationId).toBe(2);
    const leader = a.leader === a.memberId ? a : b;
    expect(leader.members).toHaveLength(2);
    expect(leader.members[0]!.metadata).toEqual(subscription(['orders']));
    const follower = leader === a ? b : a;
    expect(follower.members).toEqual([]);
    // the follower's SyncGroup waits for the leader's
    const followerSync = sync('g', follower);
    const leaderSync = await sync('g', leader, [
      { memberId: leader.memberId, assignment: Buffer.from('L') },
      { memberId: follower.memberId, assignment: Buffer.from('F') },
    ]);
    expect(leaderSync.assignment.toString()).toBe('L');
    expect((await followerSync).assignment.toString()).toBe('F');
  });

  it('selects the protocol every member supports that most members prefer', async () => {
    const p = (names: string[]) => names.map((name) => ({ name, metadata: subscription(['orders']) }));
    const a = joinNew(h.coordinator, 'g', { protocols: p(['roundrobin', 'range']) });
    const b = joinNew(h.coordinator, 'g', { protocols: p(['sticky', 'range', 'roundrobin']) });
    const c = joinNew(h.coordinator, 'g', { protocols: p(['range', 'roundrobin']) });
    await vi.advanceTimersByTimeAsync(1);
    const results = await Promise.all([a, b, c]);
    // candidates: range, roundrobin; votes: roundrobin 1, range 2 (sticky is not supported by all)
    expect(new Set(results.map((r) => r.protocolName))).toEqual(new Set(['range']));
  });

  it('refuses an empty protocol list, another protocol type and no common protocol: INCONSISTENT_GROUP_PROTOCOL', async () => {
    expect((await h.coordinator.joinGroup(joinRequest('g', { protocols: [] }))).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    expect((await h.coordinator.joinGroup(joinRequest('g', { protocolType: '' }))).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    // the refused joins did not leave a group behind
    expect(h.coordinator.listGroups([], []).groups).toEqual([]);
    const a = joinNew(h.coordinator, 'g');
    await vi.advanceTimersByTimeAsync(1);
    await a;
    expect((await h.coordinator.joinGroup(joinRequest('g', { protocolType: 'connect' }))).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    const other = [{ name: 'cooperative-sticky', metadata: subscription(['orders']) }];
    expect((await h.coordinator.joinGroup(joinRequest('g', { protocols: other }))).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
  });

  it('answers the errors Kafka answers for bad joins and syncs', async () => {
    expect((await h.coordinator.joinGroup(joinRequest(''))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await h.coordinator.joinGroup(joinRequest('g', { sessionTimeoutMs: 10 }))).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    expect((await h.coordinator.joinGroup(joinRequest('g', { memberId: 'nobody' }))).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    const pending = joinNew(h.coordinator, 'g');
    await vi.advanceTimersByTimeAsync(1);
    const a = await pending;
    expect((await sync('g', { ...a, generationId: a.generationId + 1 })).errorCode).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    );
    expect((await sync('g', { ...a, memberId: 'nobody' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await sync('nogroup', a)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await sync('g', { ...a, protocolName: 'roundrobin' })).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    expect((await sync('', a)).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(heartbeat('g', a.memberId, a.generationId - 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(heartbeat('g', 'nobody', a.generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(heartbeat('', a.memberId, a.generationId)).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(h.coordinator.leaveGroup('', []).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('refuses members beyond group.max.size with GROUP_MAX_SIZE_REACHED', async () => {
    const ids = [await memberIdFor(h.coordinator, 'g'), await memberIdFor(h.coordinator, 'g')];
    ids.push(await memberIdFor(h.coordinator, 'g'));
    const joins = ids.map((memberId) => h.coordinator.joinGroup(joinRequest('g', { memberId })));
    await vi.advanceTimersByTimeAsync(1);
    const members = await Promise.all(joins);
    expect(members.every((m) => m.generationId === 1)).toBe(true);
    const fourth = joinNew(h.coordinator, 'g');
    await vi.advanceTimersByTimeAsync(0);
    expect((await fourth).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
  });

  it('does not block: a JoinGroup waiting for a rebalance leaves other requests answered', async () => {
    const [a, b] = await twoMembers('g');
    const leader = a.leader === a.memberId ? a : b;
    await sync('g', leader, []);
    const waiting = h.coordinator.joinGroup(joinRequest('g', { memberId: leader.memberId }));
    let answered = false;
    void waiting.then(() => (answered = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(answered).toBe(false);
    expect(h.coordinator.describeGroup('g').groupState).toBe('PreparingRebalance');
    expect(h.coordinator.fetchOffsets('g', null).errorCode).toBe(0);
    expect(h.coordinator.joinPurgatorySize()).toBe(1);
  });
});

describe('timeouts', () => {
  it('removes a member whose session expires and rebalances the rest', async () => {
    const [a, b] = await twoMembers('g');
    const leader = a.leader === a.memberId ? a : b;
    const follower = leader === a ? b : a;
    const fs = sync('g', follower);
    await sync('g', leader, []);
    await fs;
    // only the leader heartbeats
    for (let t = 0; t < 12; t++) {
      await vi.advanceTimersByTimeAsync(1000);
      const code = heartbeat('g', leader.memberId, leader.generationId);
      if (code !== ErrorCode.NONE) {
        expect(code).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
        break;
      }
    }
    const d = h.coordinator.describeGroup('g');
    expect(d.groupState).toBe('PreparingRebalance');
    expect(d.members.map((m) => m.memberId)).toEqual([leader.memberId]);
    const rejoin = await h.coordinator.joinGroup(joinRequest('g', { memberId: leader.memberId }));
    expect(rejoin.generationId).toBe(3);
    expect(rejoin.members).toHaveLength(1);
  });

  it('completes the rebalance without members that do not rejoin within the rebalance timeout', async () => {
    const [a, b] = await twoMembers('g');
    const leader = a.leader === a.memberId ? a : b;
    const follower = leader === a ? b : a;
    const fs = sync('g', follower);
    await sync('g', leader, []);
    await fs;
    // the follower triggers a rebalance by rejoining with new metadata; the leader never rejoins
    const rejoin = h.coordinator.joinGroup(
      joinRequest('g', {
        memberId: follower.memberId,
        protocols: [{ name: 'range', metadata: subscription(['orders', 'more']) }],
      }),
    );
    await vi.advanceTimersByTimeAsync(4999);
    heartbeat('g', follower.memberId, follower.generationId);
    await vi.advanceTimersByTimeAsync(2);
    const r = await rejoin;
    expect(r.generationId).toBe(3);
    expect(r.leader).toBe(follower.memberId);
    expect(r.members.map((m) => m.memberId)).toEqual([follower.memberId]);
    expect(heartbeat('g', leader.memberId, leader.generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('removes members that never send SyncGroup, after the rebalance timeout', async () => {
    const pending = joinNew(h.coordinator, 'g');
    await vi.advanceTimersByTimeAsync(1);
    const a = await pending;
    expect(h.coordinator.describeGroup('g').groupState).toBe('CompletingRebalance');
    await vi.advanceTimersByTimeAsync(5001);
    expect(h.coordinator.describeGroup('g').groupState).toBe('Empty');
    expect(heartbeat('g', a.memberId, a.generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('forgets a member id handed out with MEMBER_ID_REQUIRED that never comes back', async () => {
    const first = await h.coordinator.joinGroup(joinRequest('g'));
    expect(h.coordinator.listGroups([], []).groups).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_001);
    expect(h.coordinator.listGroups([], []).groups).toHaveLength(0);
    expect((await h.coordinator.joinGroup(joinRequest('g', { memberId: first.memberId }))).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });
});

describe('LeaveGroup', () => {
  it('removes members by id or by group.instance.id and rebalances the others', async () => {
    const [a, b] = await twoMembers('g');
    const r = h.coordinator.leaveGroup('g', [
      { memberId: a.memberId, groupInstanceId: null },
      { memberId: 'nobody', groupInstanceId: null },
      { memberId: '', groupInstanceId: 'no-such-instance' },
    ]);
    expect(r.members.map((m) => m.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.UNKNOWN_MEMBER_ID,
      ErrorCode.UNKNOWN_MEMBER_ID,
    ]);
    expect(h.coordinator.describeGroup('g').members.map((m) => m.memberId)).toEqual([b.memberId]);
    expect(
      h.coordinator.leaveGroup('nogroup', [{ memberId: 'x', groupInstanceId: null }]).members[0]!.errorCode,
    ).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('the last member leaving empties the group and bumps the generation', async () => {
    const pending = joinNew(h.coordinator, 'g');
    await vi.advanceTimersByTimeAsync(1);
    const a = await pending;
    await sync('g', a, []);
    h.coordinator.leaveGroup('g', [{ memberId: a.memberId, groupInstanceId: null }]);
    const d = h.coordinator.describeGroup('g');
    expect(d.groupState).toBe('Empty');
    expect(d.protocolType).toBe('consumer');
  });
});

describe('static membership (KIP-345)', () => {
  it('a static member rejoining with unchanged metadata gets its assignment back without a rebalance', async () => {
    const dynamicId = await memberIdFor(h.coordinator, 'g');
    const s1 = h.coordinator.joinGroup(joinRequest('g', { groupInstanceId: 'instance-a' }));
    const d1 = h.coordinator.joinGroup(joinRequest('g', { memberId: dynamicId }));
    await vi.advanceTimersByTimeAsync(1);
    const [a, b] = await Promise.all([s1, d1]);
    expect(a.errorCode).toBe(0);
    expect(a.memberId).toMatch(/^instance-a-/);
    const leader = a.leader === a.memberId ? a : b;
    const follower = leader === a ? b : a;
    const fs = sync('g', follower);
    await sync('g', leader, [
      { memberId: a.memberId, assignment: Buffer.from('for-a') },
      { memberId: b.memberId, assignment: Buffer.from('for-b') },
    ]);
    await fs;

    // instance-a restarts: no member id, same instance id and topics (what it owned and its
    // generation are part of the metadata, and differ after a restart)
    const restarted = encodeSubscription({
      topics: ['orders'],
      userData: null,
      ownedPartitions: [{ topic: 'orders', partitions: [1] }],
      generationId: 7,
      rackId: null,
    });
    const again = await h.coordinator.joinGroup(
      joinRequest('g', {
        groupInstanceId: 'instance-a',
        protocols: [{ name: 'range', metadata: restarted }],
      }),
    );
    expect(again.errorCode).toBe(0);
    expect(again.memberId).not.toBe(a.memberId);
    expect(again.generationId).toBe(a.generationId);
    // it is not told it leads (its old id is), so it does not assign
    expect(again.leader).not.toBe(again.memberId);
    const s = await h.coordinator.syncGroup({
      groupId: 'g',
      generationId: again.generationId,
      memberId: again.memberId,
      groupInstanceId: 'instance-a',
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [],
    });
    expect(s.assignment.toString()).toBe('for-a');
    // the others never saw a rebalance
    expect(heartbeat('g', b.memberId, b.generationId)).toBe(ErrorCode.NONE);
    expect(h.coordinator.describeGroup('g').groupState).toBe('Stable');
    // the old member id is fenced
    expect(heartbeat('g', a.memberId, a.generationId, 'instance-a')).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(
      (
        await h.coordinator.joinGroup(
          joinRequest('g', { memberId: a.memberId, groupInstanceId: 'instance-a' }),
        )
      ).errorCode,
    ).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(
      h.coordinator.leaveGroup('g', [{ memberId: a.memberId, groupInstanceId: 'instance-a' }]).members[0]!
        .errorCode,
    ).toBe(ErrorCode.FENCED_INSTANCE_ID);
  });

  it('a static leader rejoining on v9 learns the members with SkipAssignment (KIP-814)', async () => {
    const pending = h.coordinator.joinGroup(joinRequest('g', { groupInstanceId: 'lead' }));
    await vi.advanceTimersByTimeAsync(1);
    const a = await pending;
    await sync('g', a, [{ memberId: a.memberId, assignment: Buffer.from('x') }]);
    const again = await h.coordinator.joinGroup(
      joinRequest('g', { groupInstanceId: 'lead', supportsSkipAssignment: true }),
    );
    expect(again).toMatchObject({
      errorCode: 0,
      skipAssignment: true,
      leader: again.memberId,
      generationId: 1,
    });
    expect(again.members).toHaveLength(1);
  });

  it('a static member rejoining with changed metadata triggers a rebalance', async () => {
    const pending = h.coordinator.joinGroup(joinRequest('g', { groupInstanceId: 'a' }));
    await vi.advanceTimersByTimeAsync(1);
    const a = await pending;
    await sync('g', a, []);
    const again = h.coordinator.joinGroup(
      joinRequest('g', {
        groupInstanceId: 'a',
        protocols: [{ name: 'range', metadata: subscription(['x']) }],
      }),
    );
    await vi.advanceTimersByTimeAsync(1);
    expect((await again).generationId).toBe(2);
  });

  it('a static member that does not rejoin stays in the group until its session expires', async () => {
    const dynamicId = await memberIdFor(h.coordinator, 'g');
    const s = h.coordinator.joinGroup(joinRequest('g', { groupInstanceId: 'a', sessionTimeoutMs: 20_000 }));
    const d = h.coordinator.joinGroup(joinRequest('g', { memberId: dynamicId }));
    await vi.advanceTimersByTimeAsync(1);
    const [a, b] = await Promise.all([s, d]);
    const leader = a.leader === a.memberId ? a : b;
    const follower = leader === a ? b : a;
    const fs = sync('g', follower);
    await sync('g', leader, []);
    await fs;
    // the dynamic member rejoins with new metadata; the static one does not rejoin in time
    const rejoin = h.coordinator.joinGroup(
      joinRequest('g', {
        memberId: b.memberId,
        protocols: [{ name: 'range', metadata: subscription(['more']) }],
      }),
    );
    await vi.advanceTimersByTimeAsync(5001);
    const r = await rejoin;
    expect(r.errorCode).toBe(0);
    expect(
      h.coordinator
        .describeGroup('g')
        .members.map((m) => m.groupInstanceId)
        .sort(),
    ).toEqual([null, 'a'].sort());
  });
});
