// OffsetCommit (key 8), v0-v9. Answered after the offsets are appended to __consumer_offsets (in a
// cluster, once that partition's ISR has them, as Kafka's acks=-1 offset appends).
//   v0: no generation or member (accepted only while the group has no members); v1 adds them and a
//   commit timestamp per partition; v2-v4 carry a retention time (the offset then expires on its
//   own); v6 adds the leader epoch; v7 group.instance.id; v8 flexible; v9: a generation for a group
//   that does not exist is GROUP_ID_NOT_FOUND (ILLEGAL_GENERATION before).
// The empty group id is accepted, as Kafka does for old clients. Unknown topics or partitions are
// UNKNOWN_TOPIC_OR_PARTITION; metadata over offset.metadata.max.bytes is OFFSET_METADATA_TOO_LARGE.

import {
  ApiKey,
  type OffsetCommitRequest,
  type OffsetCommitResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';
import { commitTopics, whenReplicated } from './group-common.js';

export const offsetCommitHandler: ApiHandler<OffsetCommitRequest, OffsetCommitResponseInput> = {
  apiKey: ApiKey.OffsetCommit,
  minVersion: 0,
  maxVersion: 9,
  handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const { groups } = ctx.broker;
    const topics = groups.commitOffsets({
      groupId: req.groupId,
      generationId: version >= 1 ? req.generationIdOrMemberEpoch : -1,
      memberId: version >= 1 ? req.memberId : '',
      groupInstanceId: version >= 7 ? req.groupInstanceId : null,
      retentionTimeMs: version >= 2 && version <= 4 ? req.retentionTimeMs : -1,
      apiVersion: version,
      topics: commitTopics(req.topics, version >= 6, version === 1),
    });
    return whenReplicated(groups, req.groupId, topics, (done) => ({ throttleTimeMs: 0, topics: done }));
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      })),
    };
  },
};
