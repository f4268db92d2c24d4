// Consumer group administration over the Kafka protocol: ListGroups (every broker), FindCoordinator,
// DescribeGroups, OffsetFetch, OffsetCommit and DeleteGroups (the group's coordinator), with
// ListOffsets for log end offsets and lag. Offsets are reset only while a group has no members,
// as Kafka's kafka-consumer-groups tool requires.

import { decodeAssignment } from '../../protocol/consumer-protocol.js';
import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type DeleteGroupsResponse,
  type DescribeGroupsResponse,
  type FindCoordinatorResponse,
  type ListGroupsResponse,
  type OffsetCommitResponse,
  type OffsetFetchResponse,
} from '../../protocol/messages/index.js';
import type { ClusterClient } from '../cluster.js';
import { check, KafkaRequestError } from '../errors.js';
import { EARLIEST, LATEST, listOffsets, tpKey } from './offsets.js';
import { topicMetadata } from './topics.js';
import type {
  GroupDescription,
  GroupMember,
  GroupPartitionOffset,
  GroupSummary,
  OffsetResetResult,
  OffsetResetTarget,
  PlannedOffset,
  TopicPartitionRef,
} from './types.js';

/** Errors a coordinator answers while it moves or loads: worth a short wait and a retry. */
const RETRIABLE = new Set<number>([
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
]);
const ATTEMPTS = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function groupMissing(groupId: string): KafkaRequestError {
  return new KafkaRequestError(
    ErrorCode.GROUP_ID_NOT_FOUND,
    `find group '${groupId}'`,
    `Group '${groupId}' does not exist.`,
  );
}

/** The coordinator of a group (its node id, added to the client's broker list when missing). */
export async function findCoordinator(
  client: ClusterClient,
  groupId: string,
): Promise<{ id: number; host: string; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const { response, version } = await client.request<FindCoordinatorResponse>(
      'any',
      ApiKey.FindCoordinator,
      () => ({
        key: groupId,
        keyType: 0,
        coordinatorKeys: [groupId],
      }),
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
    if (!c) throw new Error(`FindCoordinator answered without a coordinator for '${groupId}'`);
    if (RETRIABLE.has(c.errorCode) && attempt < ATTEMPTS) {
      await sleep(200);
      continue;
    }
    check(c.errorCode, `find the coordinator of group '${groupId}'`, c.errorMessage);
    if (!client.brokers.has(c.nodeId))
      client.brokers.set(c.nodeId, { nodeId: c.nodeId, host: c.host, port: c.port, rack: null });
    return { id: c.nodeId, host: c.host, port: c.port };
  }
}

/** Retries `fn` while the coordinator answers a retriable error code (returned by `codeOf`). */
async function withCoordinator<T>(
  client: ClusterClient,
  groupId: string,
  fn: (coordinator: number) => Promise<T>,
  codeOf: (result: T) => number,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const coordinator = await findCoordinator(client, groupId);
    const result = await fn(coordinator.id);
    if (!RETRIABLE.has(codeOf(result)) || attempt >= ATTEMPTS) return result;
    await sleep(200);
  }
}

export async function listGroups(client: ClusterClient): Promise<GroupSummary[]> {
  const seen = new Map<string, GroupSummary>();
  for (const id of [...client.brokers.keys()]) {
    const { response, version } = await client.request<ListGroupsResponse>(id, ApiKey.ListGroups, () => ({
      statesFilter: [],
      typesFilter: [],
    }));
    check(response.errorCode, `list the groups of broker ${id}`);
    for (const g of response.groups) {
      seen.set(g.groupId, {
        groupId: g.groupId,
        protocolType: g.protocolType,
        state: version >= 4 ? g.groupState : null,
        type: version >= 5 ? g.groupType : null,
      });
    }
  }
  return [...seen.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

/** Committed offsets of a group, keyed by tpKey (partitions without a commit are left out). */
export async function committedOffsets(
  client: ClusterClient,
  groupId: string,
): Promise<Map<string, { topic: string; partition: number; offset: number }>> {
  const { response, version } = await withCoordinator(
    client,
    groupId,
    (coordinator) =>
      client.request<OffsetFetchResponse>(
        coordinator,
        ApiKey.OffsetFetch,
        () => ({
          groupId,
          topics: null,
          groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }],
          requireStable: false,
        }),
        { min: 2 },
      ),
    ({ response, version }) => (version >= 8 ? (response.groups[0]?.errorCode ?? 0) : response.errorCode),
  );
  const topics = version >= 8 ? (response.groups[0]?.topics ?? []) : response.topics;
  check(
    version >= 8 ? response.groups[0]?.errorCode : response.errorCode,
    `fetch the offsets of group '${groupId}'`,
  );
  const out = new Map<string, { topic: string; partition: number; offset: number }>();
  for (const t of topics) {
    for (const p of t.partitions) {
      check(p.errorCode, `fetch the offset of group '${groupId}' for ${t.name}-${p.partitionIndex}`);
      if (p.committedOffset >= 0)
        out.set(tpKey(t.name, p.partitionIndex), {
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
        });
    }
  }
  return out;
}

async function describeOne(
  client: ClusterClient,
  groupId: string,
): Promise<Omit<GroupDescription, 'offsets' | 'totalLag'>> {
  const coordinator = await findCoordinator(client, groupId);
  const { response } = await withCoordinator(
    client,
    groupId,
    (id) =>
      client.request<DescribeGroupsResponse>(id, ApiKey.DescribeGroups, () => ({
        groups: [groupId],
        includeAuthorizedOperations: false,
      })),
    ({ response }) => response.groups[0]?.errorCode ?? 0,
  );
  const g = response.groups[0];
  if (!g) throw new Error(`DescribeGroups answered without group '${groupId}'`);
  if (g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) throw groupMissing(groupId);
  check(g.errorCode, `describe group '${groupId}'`);
  const members: GroupMember[] = g.members.map((m) => {
    let assignment: TopicPartitionRef[] = [];
    if (g.protocolType === 'consumer' && m.memberAssignment.length > 0) {
      try {
        assignment = decodeAssignment(m.memberAssignment).assignedPartitions.flatMap((a) =>
          a.partitions.map((partition) => ({ topic: a.topic, partition })),
        );
      } catch {
        assignment = [];
      }
    }
    return {
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId ?? null,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignment,
    };
  });
  return {
    groupId,
    state: g.groupState,
    protocolType: g.protocolType,
    protocol: g.protocolData,
    coordinator,
    members,
  };
}

/** Members, assignments, committed offsets, log end offsets and lag of a group. */
export async function describeGroup(client: ClusterClient, groupId: string): Promise<GroupDescription> {
  const base = await describeOne(client, groupId);
  const committed = await committedOffsets(client, groupId);
  if (base.state === 'Dead' && committed.size === 0) throw groupMissing(groupId);
  const owner = new Map<string, GroupMember>();
  for (const m of base.members) for (const a of m.assignment) owner.set(tpKey(a.topic, a.partition), m);
  const refs = new Map<string, TopicPartitionRef>();
  for (const c of committed.values())
    refs.set(tpKey(c.topic, c.partition), { topic: c.topic, partition: c.partition });
  for (const m of base.members) for (const a of m.assignment) refs.set(tpKey(a.topic, a.partition), a);
  let ends = new Map<string, number>();
  if (refs.size > 0) {
    const topics = [...new Set([...refs.values()].map((r) => r.topic))];
    const meta = await client.refreshMetadata(topics);
    const known = [...refs.values()].filter((r) =>
      meta.topics.some(
        (t) =>
          t.name === r.topic &&
          t.errorCode === 0 &&
          t.partitions.some((p) => p.partitionIndex === r.partition),
      ),
    );
    ends = await listOffsets(client, known, LATEST, meta);
  }
  const offsets: GroupPartitionOffset[] = [...refs.entries()]
    .map(([key, r]) => {
      const committedOffset = committed.get(key)?.offset ?? null;
      const logEndOffset = ends.get(key) ?? null;
      const m = owner.get(key);
      return {
        topic: r.topic,
        partition: r.partition,
        committedOffset,
        logEndOffset,
        lag:
          committedOffset !== null && logEndOffset !== null
            ? Math.max(0, logEndOffset - committedOffset)
            : null,
        memberId: m?.memberId ?? null,
        clientId: m?.clientId ?? null,
        host: m?.clientHost ?? null,
      };
    })
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  const totalLag = offsets.reduce((sum, o) => sum + (o.lag ?? 0), 0);
  return { ...base, offsets, totalLag };
}

export async function deleteGroups(
  client: ClusterClient,
  groupIds: string[],
): Promise<{ groupId: string }[]> {
  const out: { groupId: string }[] = [];
  for (const groupId of groupIds) {
    const { response } = await withCoordinator(
      client,
      groupId,
      (id) =>
        client.request<DeleteGroupsResponse>(id, ApiKey.DeleteGroups, () => ({ groupsNames: [groupId] })),
      ({ response }) => response.results[0]?.errorCode ?? 0,
    );
    const r = response.results.find((x) => x.groupId === groupId);
    if (!r) throw new Error(`DeleteGroups answered without group '${groupId}'`);
    if (r.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) throw groupMissing(groupId);
    if (r.errorCode === ErrorCode.NON_EMPTY_GROUP) {
      throw new KafkaRequestError(
        r.errorCode,
        `delete group '${groupId}'`,
        'The group still has active members; stop its consumers first.',
      );
    }
    check(r.errorCode, `delete group '${groupId}'`);
    out.push({ groupId });
  }
  return out;
}

export interface ResetScope {
  /** Topics, each optionally limited to some partitions (`orders` or `orders:0,2`). */
  topics?: { topic: string; partitions?: number[] }[];
  /** Every topic the group has committed offsets for. */
  allTopics?: boolean;
}

/** Computes (and with `execute`, commits) new offsets for a group that has no active members. */
export async function resetOffsets(
  client: ClusterClient,
  groupId: string,
  scope: ResetScope,
  target: OffsetResetTarget,
  execute: boolean,
): Promise<OffsetResetResult> {
  const group = await describeOne(client, groupId);
  if (group.members.length > 0 || (group.state !== 'Empty' && group.state !== 'Dead')) {
    throw new KafkaRequestError(
      ErrorCode.NON_EMPTY_GROUP,
      `reset the offsets of group '${groupId}'`,
      `Offsets can only be reset while the group is inactive, but its state is ${group.state} with ${group.members.length} member(s). Stop its consumers first.`,
    );
  }
  const committed = await committedOffsets(client, groupId);
  let refs: TopicPartitionRef[] = [];
  if (scope.allTopics) {
    refs = [...committed.values()].map((c) => ({ topic: c.topic, partition: c.partition }));
  } else {
    const wanted = scope.topics ?? [];
    const meta = await topicMetadata(client, [...new Set(wanted.map((w) => w.topic))]);
    for (const w of wanted) {
      const t = meta.topics.find((x) => x.name === w.topic)!;
      const all = t.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
      for (const p of w.partitions ?? all) {
        if (!all.includes(p)) {
          throw new KafkaRequestError(
            ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            `reset the offsets of group '${groupId}'`,
            `Topic '${w.topic}' has no partition ${p} (it has ${all.length}).`,
          );
        }
        refs.push({ topic: w.topic, partition: p });
      }
    }
  }
  const meta =
    refs.length > 0 ? await client.refreshMetadata([...new Set(refs.map((r) => r.topic))]) : undefined;
  const [earliest, latest] = await Promise.all([
    listOffsets(client, refs, EARLIEST, meta),
    listOffsets(client, refs, LATEST, meta),
  ]);
  const byTime = target.to === 'datetime' ? await listOffsets(client, refs, target.timestamp, meta) : null;
  const partitions: PlannedOffset[] = refs.map((r) => {
    const key = tpKey(r.topic, r.partition);
    const lo = earliest.get(key)!;
    const hi = latest.get(key)!;
    const current = committed.get(key)?.offset ?? null;
    const clamp = (o: number) => Math.min(Math.max(o, lo), hi);
    let newOffset: number;
    switch (target.to) {
      case 'earliest':
        newOffset = lo;
        break;
      case 'latest':
        newOffset = hi;
        break;
      case 'offset':
        newOffset = clamp(target.offset);
        break;
      case 'datetime': {
        const o = byTime!.get(key)!;
        newOffset = o < 0 ? hi : o;
        break;
      }
      case 'shift':
        if (current === null) {
          throw new KafkaRequestError(
            ErrorCode.INVALID_REQUEST,
            `shift the offset of group '${groupId}' for ${r.topic}-${r.partition}`,
            'There is no committed offset to shift from; use --to-earliest, --to-latest or --to-offset.',
          );
        }
        newOffset = clamp(current + target.by);
        break;
    }
    return { topic: r.topic, partition: r.partition, currentOffset: current, newOffset };
  });
  partitions.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  if (execute && partitions.length > 0) await commitOffsets(client, groupId, partitions);
  return { groupId, executed: execute, partitions };
}

/** Commits offsets for a group as an admin (generation -1, no member id): the group must be empty. */
export async function commitOffsets(
  client: ClusterClient,
  groupId: string,
  offsets: { topic: string; partition: number; newOffset: number }[],
): Promise<void> {
  const topics = [...new Set(offsets.map((o) => o.topic))].map((name) => ({
    name,
    partitions: offsets
      .filter((o) => o.topic === name)
      .map((o) => ({
        partitionIndex: o.partition,
        committedOffset: o.newOffset,
        committedLeaderEpoch: -1,
        commitTimestamp: -1,
        committedMetadata: '',
      })),
  }));
  const { response } = await withCoordinator(
    client,
    groupId,
    (id) =>
      client.request<OffsetCommitResponse>(id, ApiKey.OffsetCommit, () => ({
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics,
      })),
    ({ response }) => response.topics[0]?.partitions[0]?.errorCode ?? 0,
  );
  for (const t of response.topics) {
    for (const p of t.partitions)
      check(p.errorCode, `commit the offset of group '${groupId}' for ${t.name}-${p.partitionIndex}`);
  }
}
