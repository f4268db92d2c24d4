// DeleteGroups (key 42), v0-v2. Deletes empty groups: tombstones for their offsets and metadata
// in __consumer_offsets. GROUP_ID_NOT_FOUND for an unknown group, NON_EMPTY_GROUP while it has
// members. v2 flexible.

import {
  ApiKey,
  type DeleteGroupsRequest,
  type DeleteGroupsResponseInput,
} from '../../protocol/messages/index.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from '../handler.js';

export const deleteGroupsHandler: ApiHandler<DeleteGroupsRequest, DeleteGroupsResponseInput> = {
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  async handle(req, ctx) {
    const { groups } = ctx.broker;
    const results = groups.deleteGroups(req.groupsNames);
    // in a cluster each group's tombstones must reach the ISR, or a failover brings the group back
    await Promise.all(
      results.map(async (r) => {
        if (r.errorCode === ErrorCode.NONE) r.errorCode = await groups.replicated(r.groupId);
      }),
    );
    return { throttleTimeMs: 0, results };
  },
  errorResponse(req, errorCode) {
    return { throttleTimeMs: 0, results: req.groupsNames.map((groupId) => ({ groupId, errorCode })) };
  },
};
