// DeleteGroups (key 42), v0-v2. Deletes empty groups: tombstones for their offsets and metadata
// in __consumer_offsets. GROUP_ID_NOT_FOUND for an unknown group, NON_EMPTY_GROUP while it has
// members. v2 flexible.

import {
  ApiKey,
  type DeleteGroupsRequest,
  type DeleteGroupsResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

export const deleteGroupsHandler: ApiHandler<DeleteGroupsRequest, DeleteGroupsResponseInput> = {
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    return { throttleTimeMs: 0, results: ctx.broker.groups.deleteGroups(req.groupsNames) };
  },
  errorResponse(req, errorCode) {
    return { throttleTimeMs: 0, results: req.groupsNames.map((groupId) => ({ groupId, errorCode })) };
  },
};
