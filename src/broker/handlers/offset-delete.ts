// OffsetDelete (key 47), v0 (KIP-496). Deletes committed offsets of a group with tombstones.
// Top level: INVALID_GROUP_ID for the empty id, GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP for an active
// group that is not a consumer group. Per partition: UNKNOWN_TOPIC_OR_PARTITION, and
// GROUP_SUBSCRIBED_TO_TOPIC while a member of the group still subscribes to the topic.

import {
  ApiKey,
  type OffsetDeleteRequest,
  type OffsetDeleteResponseInput,
} from '../../protocol/messages/index.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from '../handler.js';

export const offsetDeleteHandler: ApiHandler<OffsetDeleteRequest, OffsetDeleteResponseInput> = {
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  async handle(req, ctx) {
    const { groups } = ctx.broker;
    const r = groups.deleteOffsets(
      req.groupId,
      req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
    );
    // in a cluster the tombstones must reach the ISR, or a failover brings the offsets back
    const stored = r.errorCode === ErrorCode.NONE ? await groups.replicated(req.groupId) : ErrorCode.NONE;
    return {
      errorCode: stored !== ErrorCode.NONE ? stored : r.errorCode,
      throttleTimeMs: 0,
      topics: r.topics,
    };
  },
  errorResponse(_req, errorCode) {
    return { errorCode, throttleTimeMs: 0, topics: [] };
  },
};
