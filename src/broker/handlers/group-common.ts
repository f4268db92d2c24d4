// Small helpers shared by the group coordinator handlers.

import type { GroupCoordinator } from '../../coordinator/group/index.js';
import type { CommitPartition, CommitResult } from '../../coordinator/group/types.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { RequestContext } from '../handler.js';

interface RequestedCommit {
  name: string;
  partitions: {
    partitionIndex: number;
    committedOffset: number;
    committedLeaderEpoch: number;
    committedMetadata: string | null;
    commitTimestamp?: number;
  }[];
}

/**
 * The topics of an OffsetCommit or TxnOffsetCommit as the group coordinator takes them: the leader
 * epoch only when the version carries it, the commit timestamp only when it is the client's (v1).
 */
export function commitTopics(
  topics: RequestedCommit[],
  withLeaderEpoch: boolean,
  withTimestamp: boolean,
): { name: string; partitions: CommitPartition[] }[] {
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      committedOffset: p.committedOffset,
      committedLeaderEpoch: withLeaderEpoch ? p.committedLeaderEpoch : -1,
      committedMetadata: p.committedMetadata,
      commitTimestamp: withTimestamp ? (p.commitTimestamp ?? -1) : -1,
    })),
  }));
}

/** The client's address as Kafka reports it in DescribeGroups ("/127.0.0.1"). */
export function clientHost(ctx: RequestContext): string {
  const addr = ctx.connection.remoteAddress;
  const colon = addr.lastIndexOf(':');
  let host = colon > 0 ? addr.slice(0, colon) : addr;
  if (host.startsWith('::ffff:')) host = host.slice('::ffff:'.length);
  return `/${host}`;
}

/**
 * Finishes an offset commit's answer: at once on one broker; in a cluster once the group's
 * partition of __consumer_offsets is replicated, else with the coordinator's error on every
 * partition that was written (GroupCoordinator.replicated).
 */
export function whenReplicated<R>(
  groups: GroupCoordinator,
  groupId: string,
  topics: CommitResult[],
  answer: (topics: CommitResult[]) => R,
): R | Promise<R> {
  const wrote = topics.some((t) => t.partitions.some((p) => p.errorCode === ErrorCode.NONE));
  const code = wrote ? groups.replicated(groupId) : ErrorCode.NONE;
  const finish = (c: number): R => {
    if (c !== ErrorCode.NONE) {
      for (const t of topics)
        for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = c;
    }
    return answer(topics);
  };
  return code instanceof Promise ? code.then(finish) : finish(code);
}
