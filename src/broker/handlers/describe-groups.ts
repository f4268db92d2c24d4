// DescribeGroups (key 15), v0-v5. State, protocol type, and members; the chosen protocol and each
// member's metadata and assignment only while the group is Stable (as Kafka). An unknown group is
// Dead with no error (GROUP_ID_NOT_FOUND only arrives in v6). v3 can ask for the authorized
// operations (no authorizer here: everything a group allows: READ, DELETE, DESCRIBE); v4 adds
// group.instance.id; v5 flexible.

import {
  ApiKey,
  type DescribeGroupsRequest,
  type DescribeGroupsResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

/** Kafka's value for "authorized operations not requested". */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
/** READ (3), DELETE (6) and DESCRIBE (8) as a bit field. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

export const describeGroupsHandler: ApiHandler<DescribeGroupsRequest, DescribeGroupsResponseInput> = {
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    const ops =
      ctx.header.apiVersion >= 3 && req.includeAuthorizedOperations
        ? GROUP_OPERATIONS
        : AUTHORIZED_OPERATIONS_OMITTED;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((id) => ({ ...ctx.broker.groups.describeGroup(id), authorizedOperations: ops })),
    };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => ({
        errorCode,
        groupId,
        groupState: '',
        protocolType: '',
        protocolData: '',
        members: [],
        authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      })),
    };
  },
};
