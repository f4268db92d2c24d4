// ListGroups (key 16), v0-v5. Every group this broker coordinates (all of them on one broker)
// except Dead ones. v4 adds the state and a state filter (KIP-518, case-insensitive); v5 adds the
// group type and a type filter (KIP-848): every group here is "classic".

import {
  ApiKey,
  type ListGroupsRequest,
  type ListGroupsResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

export const listGroupsHandler: ApiHandler<ListGroupsRequest, ListGroupsResponseInput> = {
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const r = ctx.broker.groups.listGroups(
      version >= 4 ? req.statesFilter : [],
      version >= 5 ? req.typesFilter : [],
    );
    return { throttleTimeMs: 0, errorCode: r.errorCode, groups: r.groups };
  },
  errorResponse(_req, errorCode) {
    return { throttleTimeMs: 0, errorCode, groups: [] };
  },
};
