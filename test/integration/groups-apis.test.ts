// The group coordinator APIs over raw requests: every advertised version answers, bad input gets
// Kafka's error codes (and an unreadable group id closes only that connection), a waiting JoinGroup
// holds up nothing else, and __consumer_offsets is an internal topic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaConnection } from '../../src/client/connection.js';
import { encodeSubscription } from '../../src/protocol/consumer-protocol.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { connectTo, createTopic, produceValues } from '../helpers/client.js';

let broker: RunningBroker;
let c: KafkaConnection;

beforeAll(async () => {
  broker = await startBroker({
    overrides: {
      'group.initial.rebalance.delay.ms': 0,
      'group.min.session.timeout.ms': 500,
      'offsets.topic.num.partitions': 5,
      'http.port': 0,
    },
  });
  c = await connectTo(broker.port);
  await createTopic(c, 'topic-a', 2);
});

afterAll(async () => {
  c?.close();
  await broker?.stop();
});

const metadata = encodeSubscription({
  topics: ['topic-a'],
  userData: null,
  ownedPartitions: [],
  generationId: -1,
  rackId: null,
});

function joinBody(groupId: string, over: Record<string, unknown> = {}) {
  return {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 3000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata }],
    reason: null,
    ...over,
  };
}

interface Joined {
  errorCode: number;
  memberId: string;
  generationId: number;
  leader: string;
  protocolName: string | null;
  members: { memberId: string }[];
}

/** Joins as a new member (handling MEMBER_ID_REQUIRED) and syncs as the only member. */
async function joinAndSync(conn: KafkaConnection, groupId: string, version = 9): Promise<Joined> {
  let r: Joined = await conn.request(ApiKey.JoinGroup, version, joinBody(groupId));
  if (r.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
    r = await conn.request(ApiKey.JoinGroup, version, joinBody(groupId, { memberId: r.memberId }));
  }
  expect(r.errorCode).toBe(0);
  const s = await conn.request(ApiKey.SyncGroup, Math.min(version, 5), {
    groupId,
    generationId: r.generationId,
    memberId: r.memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: r.protocolName,
    assignments: [{ memberId: r.memberId, assignment: Buffer.from([0, 0]) }],
  });
  expect(s.errorCode).toBe(0);
  return r;
}

function commitBody(groupId: string, topic = 'topic-a', over: Record<string, unknown> = {}) {
  return {
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [
      {
        name: topic,
        partitions: [
          {
            partitionIndex: 0,
            committedOffset: 3,
            committedLeaderEpoch: -1,
            commitTimestamp: -1,
            committedMetadata: 'x',
          },
        ],
      },
    ],
    ...over,
  };
}

describe('group coordinator APIs', () => {
  it('advertises every version of the classic group APIs and not KIP-848 ConsumerGroupHeartbeat', async () => {
    const r = await c.request(ApiKey.ApiVersions, 3, {
      clientSoftwareName: 'test',
      clientSoftwareVersion: '1',
    });
    const ranges = new Map(
      (r.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[]).map((k) => [
        k.apiKey,
        [k.minVersion, k.maxVersion],
      ]),
    );
    expect(ranges.get(ApiKey.OffsetCommit)).toEqual([0, 9]);
    expect(ranges.get(ApiKey.OffsetFetch)).toEqual([0, 9]);
    expect(ranges.get(ApiKey.JoinGroup)).toEqual([0, 9]);
    expect(ranges.get(ApiKey.Heartbeat)).toEqual([0, 4]);
    expect(ranges.get(ApiKey.LeaveGroup)).toEqual([0, 5]);
    expect(ranges.get(ApiKey.SyncGroup)).toEqual([0, 5]);
    expect(ranges.get(ApiKey.DescribeGroups)).toEqual([0, 5]);
    expect(ranges.get(ApiKey.ListGroups)).toEqual([0, 5]);
    expect(ranges.get(ApiKey.DeleteGroups)).toEqual([0, 2]);
    expect(ranges.get(ApiKey.OffsetDelete)).toEqual([0, 0]);
    expect(ranges.has(ApiKey.ConsumerGroupHeartbeat)).toBe(false);
  });

  it('answers every version of every group API', async () => {
    for (let v = 0; v <= 9; v++) {
      const joined = await c.request(ApiKey.JoinGroup, v, joinBody(`join-v${v}`));
      expect(joined.errorCode).toBe(v >= 4 ? ErrorCode.MEMBER_ID_REQUIRED : ErrorCode.NONE);
      const commit = await c.request(ApiKey.OffsetCommit, v, commitBody(`commit-v${v}`));
      expect(commit.topics[0].partitions[0].errorCode).toBe(0);
      const fetched = await c.request(ApiKey.OffsetFetch, v, {
        groupId: `commit-v${v}`,
        topics: [{ name: 'topic-a', partitionIndexes: [0, 1] }],
        groups: [
          {
            groupId: `commit-v${v}`,
            memberId: null,
            memberEpoch: -1,
            topics: [{ name: 'topic-a', partitionIndexes: [0, 1] }],
          },
        ],
        requireStable: false,
      });
      const parts = (v >= 8 ? fetched.groups[0].topics : fetched.topics)[0].partitions as {
        committedOffset: number;
      }[];
      expect(parts.map((p) => p.committedOffset)).toEqual([3, -1]);
    }
    for (let v = 0; v <= 5; v++) {
      const s = await c.request(ApiKey.SyncGroup, v, {
        groupId: 'nobody',
        generationId: 1,
        memberId: 'm',
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: 'range',
        assignments: [],
      });
      expect(s.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
      const leave = await c.request(ApiKey.LeaveGroup, v, {
        groupId: 'nobody',
        memberId: 'm',
        members: [{ memberId: 'm', groupInstanceId: null, reason: null }],
      });
      if (v >= 3) expect(leave.members[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
      else expect(leave.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
      const listed = await c.request(ApiKey.ListGroups, v, { statesFilter: [], typesFilter: [] });
      expect(listed.errorCode).toBe(0);
      expect((listed.groups as { groupId: string }[]).map((g) => g.groupId)).toContain('commit-v0');
      const described = await c.request(ApiKey.DescribeGroups, v, {
        groups: ['commit-v0', 'nobody'],
        includeAuthorizedOperations: true,
      });
      expect(described.groups.map((g: { groupState: string }) => g.groupState)).toEqual(['Empty', 'Dead']);
    }
    for (let v = 0; v <= 4; v++) {
      const hb = await c.request(ApiKey.Heartbeat, v, {
        groupId: 'nobody',
        generationId: 1,
        memberId: 'm',
        groupInstanceId: null,
      });
      expect(hb.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    }
    for (let v = 0; v <= 2; v++) {
      const d = await c.request(ApiKey.DeleteGroups, v, { groupsNames: [`commit-v${v}`, 'nobody'] });
      expect(d.results).toEqual([
        expect.objectContaining({ groupId: `commit-v${v}`, errorCode: 0 }),
        expect.objectContaining({ groupId: 'nobody', errorCode: ErrorCode.GROUP_ID_NOT_FOUND }),
      ]);
    }
    const od = await c.request(ApiKey.OffsetDelete, 0, {
      groupId: 'commit-v3',
      topics: [{ name: 'topic-a', partitions: [{ partitionIndex: 0 }] }],
    });
    expect(od.errorCode).toBe(0);
    expect(od.topics[0].partitions[0].errorCode).toBe(0);
  });

  it('creates __consumer_offsets as an internal topic with the configured partitions', async () => {
    const r = await c.request(ApiKey.Metadata, 12, {
      topics: [{ name: '__consumer_offsets' }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    expect(r.topics[0]).toMatchObject({ errorCode: 0, name: '__consumer_offsets', isInternal: true });
    expect(r.topics[0].partitions).toHaveLength(5);
    // clients cannot write to it
    const p = await produceValues(c, '__consumer_offsets', 0, ['forged']);
    expect(p.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  it('answers Kafka’s error codes for bad input', async () => {
    // an empty protocol list
    const empty = await c.request(ApiKey.JoinGroup, 5, joinBody('bad-group', { protocols: [] }));
    expect(empty.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    // a session timeout out of bounds
    const session = await c.request(ApiKey.JoinGroup, 5, joinBody('bad-group', { sessionTimeoutMs: 100 }));
    expect(session.errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    // SyncGroup with a wrong generation
    const m = await joinAndSync(c, 'bad-group');
    const wrong = await c.request(ApiKey.SyncGroup, 5, {
      groupId: 'bad-group',
      generationId: m.generationId + 5,
      memberId: m.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [],
    });
    expect(wrong.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    // SyncGroup v5 with another protocol name
    const proto = await c.request(ApiKey.SyncGroup, 5, {
      groupId: 'bad-group',
      generationId: m.generationId,
      memberId: m.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'roundrobin',
      assignments: [],
    });
    expect(proto.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    // OffsetCommit to an unknown topic, and to a partition that does not exist
    const unknown = await c.request(
      ApiKey.OffsetCommit,
      9,
      commitBody('bad-group', 'no-such-topic', {
        generationIdOrMemberEpoch: m.generationId,
        memberId: m.memberId,
      }),
    );
    expect(unknown.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const noPartition = await c.request(ApiKey.OffsetCommit, 9, {
      ...commitBody('bad-group', 'topic-a', {
        generationIdOrMemberEpoch: m.generationId,
        memberId: m.memberId,
      }),
      topics: [
        {
          name: 'topic-a',
          partitions: [
            { partitionIndex: 9, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    expect(noPartition.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    // metadata over offset.metadata.max.bytes
    const big = await c.request(ApiKey.OffsetCommit, 9, {
      ...commitBody('bad-group', 'topic-a', {
        generationIdOrMemberEpoch: m.generationId,
        memberId: m.memberId,
      }),
      topics: [
        {
          name: 'topic-a',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 1,
              committedLeaderEpoch: -1,
              committedMetadata: 'x'.repeat(5000),
            },
          ],
        },
      ],
    });
    expect(big.topics[0].partitions[0].errorCode).toBe(ErrorCode.OFFSET_METADATA_TOO_LARGE);
    // deleting a group with members
    const del = await c.request(ApiKey.DeleteGroups, 2, { groupsNames: ['bad-group'] });
    expect(del.results[0].errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
  });

  it('the empty group id: INVALID_GROUP_ID where Kafka gives it, accepted for offsets', async () => {
    expect((await c.request(ApiKey.JoinGroup, 9, joinBody(''))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(
      (
        await c.request(ApiKey.Heartbeat, 4, {
          groupId: '',
          generationId: 1,
          memberId: 'm',
          groupInstanceId: null,
        })
      ).errorCode,
    ).toBe(ErrorCode.INVALID_GROUP_ID);
    const sync = await c.request(ApiKey.SyncGroup, 5, {
      groupId: '',
      generationId: 1,
      memberId: 'm',
      assignments: [],
    });
    expect(sync.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    const leave = await c.request(ApiKey.LeaveGroup, 5, {
      groupId: '',
      members: [{ memberId: 'm', groupInstanceId: null }],
    });
    expect(leave.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    const od = await c.request(ApiKey.OffsetDelete, 0, { groupId: '', topics: [] });
    expect(od.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    // Kafka keeps offsets for the empty group id (old clients): commit and fetch work
    const commit = await c.request(ApiKey.OffsetCommit, 8, commitBody(''));
    expect(commit.topics[0].partitions[0].errorCode).toBe(0);
    const fetched = await c.request(ApiKey.OffsetFetch, 8, {
      groups: [{ groupId: '', topics: null }],
      requireStable: false,
    });
    expect(fetched.groups[0].topics[0].partitions[0].committedOffset).toBe(3);
  });

  it('a 32767-byte group id (the longest Kafka string) works; a 32 KiB one closes only that connection', async () => {
    const longest = 'g'.repeat(32767);
    const m = await joinAndSync(c, longest, 5);
    const commit = await c.request(
      ApiKey.OffsetCommit,
      7,
      commitBody(longest, 'topic-a', { generationIdOrMemberEpoch: m.generationId, memberId: m.memberId }),
    );
    expect(commit.topics[0].partitions[0].errorCode).toBe(0);
    const fetched = await c.request(ApiKey.OffsetFetch, 7, {
      groupId: longest,
      topics: null,
      requireStable: false,
    });
    expect(fetched.topics[0].partitions[0].committedOffset).toBe(3);
    const described = await c.request(ApiKey.DescribeGroups, 5, {
      groups: [longest],
      includeAuthorizedOperations: false,
    });
    expect(described.groups[0]).toMatchObject({ groupId: longest, groupState: 'Stable' });

    // 32768 bytes only fit a compact (flexible) string, which Kafka refuses to read: the request
    // is unreadable and that connection is closed, as Kafka does
    const other = await connectTo(broker.port);
    const refused = other.request(ApiKey.JoinGroup, 6, joinBody('g'.repeat(32768)));
    await expect(refused).rejects.toThrow(/closed/);
    expect(other.closed).toBe(true);
    // everyone else is still served
    const again = await c.request(ApiKey.Heartbeat, 4, {
      groupId: longest,
      generationId: m.generationId,
      memberId: m.memberId,
      groupInstanceId: null,
    });
    expect(again.errorCode).toBe(0);
    const fresh = await connectTo(broker.port);
    expect((await fresh.request(ApiKey.ListGroups, 4, { statesFilter: ['Stable'] })).errorCode).toBe(0);
    fresh.close();
  });

  it('a JoinGroup waiting for a rebalance holds up no other request, and responses stay in order', async () => {
    const leader = await connectTo(broker.port);
    const m = await joinAndSync(leader, 'waiting-group');
    // a second member joins: the join waits until the first member rejoins
    const second = await connectTo(broker.port);
    const first = await second.request(ApiKey.JoinGroup, 9, joinBody('waiting-group'));
    const order: string[] = [];
    const waitingJoin = second
      .request(ApiKey.JoinGroup, 9, joinBody('waiting-group', { memberId: first.memberId }))
      .then((r: Joined) => (order.push('join'), r));
    // a later request on the same connection is answered after the join (in order)...
    const sameConnection = second.request(ApiKey.ApiVersions, 0, {}).then(() => order.push('api-versions'));
    // ...and requests on other connections are answered meanwhile
    await new Promise((r) => setTimeout(r, 300));
    const described = await c.request(ApiKey.DescribeGroups, 5, {
      groups: ['waiting-group'],
      includeAuthorizedOperations: false,
    });
    expect(described.groups[0].groupState).toBe('PreparingRebalance');
    expect(order).toEqual([]);
    // the first member learns of the rebalance by heartbeat and rejoins: both joins complete
    const hb = await leader.request(ApiKey.Heartbeat, 4, {
      groupId: 'waiting-group',
      generationId: m.generationId,
      memberId: m.memberId,
      groupInstanceId: null,
    });
    expect(hb.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoined: Joined = await leader.request(
      ApiKey.JoinGroup,
      9,
      joinBody('waiting-group', { memberId: m.memberId }),
    );
    const joined = await waitingJoin;
    await sameConnection;
    expect(order).toEqual(['join', 'api-versions']);
    expect(rejoined.generationId).toBe(m.generationId + 1);
    expect(joined.generationId).toBe(m.generationId + 1);
    leader.close();
    second.close();
  });
});
