// OffsetDelete (key 47), v0 (KIP-496). Deletes committed offsets of a group with tombstones.
// Top level: INVALID_GROUP_ID for the empty id, GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP for an active
// group that is not a consumer group. Per partition: UNKNOWN_TOPIC_OR_PARTITION, and
// GROUP_SUBSCRIBED_TO_TOPIC while a member of the group still subscribes to the topic.

import {
  ApiKey,
  type OffsetDeleteRequest,
  type OffsetDeleteResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

export const offsetDeleteHandler: ApiHandler<OffsetDeleteRequest, OffsetDeleteResponseInput> = {
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const r = ctx.broker.groups.deleteOffsets(
      req.groupId,
      req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
    );
    return { errorCode: r.errorCode, throttleTimeMs: 0, topics: r.topics };
  },
  errorResponse(_req, errorCode) {
    return { errorCode, throttleTimeMs: 0, topics: [] };
  },
};
