// Small helpers shared by the group coordinator handlers.

import type { CommitPartition } from '../../coordinator/group/types.js';
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
