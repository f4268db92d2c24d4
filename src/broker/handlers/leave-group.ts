// LeaveGroup (key 13), v0-v5. v0-v2 name one member and answer one error code; v3 (KIP-345)
// takes a batch of members, each by member id and/or group.instance.id (an admin may remove a
// static member by instance id alone), with an error code per member; v4 flexible; v5 adds a
// reason per member (logged only).

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type LeaveGroupRequest,
  type LeaveGroupResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

export const leaveGroupHandler: ApiHandler<LeaveGroupRequest, LeaveGroupResponseInput> = {
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const members =
      version >= 3
        ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
        : [{ memberId: req.memberId, groupInstanceId: null }];
    const result = ctx.broker.groups.leaveGroup(req.groupId, members);
    if (version >= 3) return { throttleTimeMs: 0, errorCode: result.errorCode, members: result.members };
    // one member: its error is the answer
    const errorCode =
      result.errorCode !== ErrorCode.NONE
        ? result.errorCode
        : (result.members[0]?.errorCode ?? ErrorCode.NONE);
    return { throttleTimeMs: 0, errorCode, members: [] };
  },
  errorResponse(_req, errorCode) {
    return { throttleTimeMs: 0, errorCode, members: [] };
  },
};
