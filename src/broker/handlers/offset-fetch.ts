// OffsetFetch (key 9), v0-v9. A partition without a committed offset answers offset -1 and empty
// metadata. v2 allows a null topic list (every committed offset of the group) and adds a top-level
// error code (before it, a group-level error is repeated on every partition asked for); v5 adds
// the leader epoch; v6 flexible; v7 require_stable (KIP-447: a partition with a transactional
// offset still pending, from TxnOffsetCommit in a transaction not yet committed or aborted, answers
// UNSTABLE_OFFSET_COMMIT, retriable, instead of its last committed offset; the top-level error stays
// NONE, as in Kafka); v8 asks for several groups at once (require_stable applies to all of them); v9
// adds member id and epoch, which only the KIP-848 protocol uses (ignored here). The empty group id
// is accepted, as Kafka does.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type OffsetFetchRequest,
  type OffsetFetchResponseInput,
} from '../../protocol/messages/index.js';
import type { OffsetFetchResult } from '../../coordinator/group/index.js';
import type { ApiHandler } from '../handler.js';

type Topics = { name: string; partitionIndexes: number[] }[] | null;

/** Every partition asked for, with `errorCode` (for a group-level error where there is no top level). */
function everyPartition(topics: Topics, errorCode: number): OffsetFetchResult['topics'] {
  return (topics ?? []).map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => ({
      partitionIndex,
      committedOffset: -1,
      committedLeaderEpoch: -1,
      metadata: '',
      errorCode,
    })),
  }));
}

export const offsetFetchHandler: ApiHandler<OffsetFetchRequest, OffsetFetchResponseInput> = {
  apiKey: ApiKey.OffsetFetch,
  minVersion: 0,
  maxVersion: 9,
  handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const { groups } = ctx.broker;
    if (version >= 8) {
      return {
        throttleTimeMs: 0,
        groups: req.groups.map((g) => {
          const r = groups.fetchOffsets(g.groupId, g.topics, req.requireStable);
          return { groupId: g.groupId, errorCode: r.errorCode, topics: r.topics };
        }),
      };
    }
    const topics = version >= 2 ? req.topics : (req.topics ?? []);
    const r = groups.fetchOffsets(req.groupId, topics, req.requireStable);
    if (r.errorCode !== ErrorCode.NONE) {
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        topics: version >= 2 ? [] : everyPartition(topics, r.errorCode),
      };
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: r.topics };
  },
  errorResponse(req, errorCode, ctx) {
    const version = ctx.header.apiVersion;
    return {
      throttleTimeMs: 0,
      errorCode,
      topics: version >= 2 ? [] : everyPartition(req.topics, errorCode),
      groups: req.groups.map((g) => ({ groupId: g.groupId, errorCode, topics: [] })),
    };
  },
};
