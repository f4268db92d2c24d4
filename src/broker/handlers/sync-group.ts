// SyncGroup (key 14), v0-v5. The leader sends the assignment of every member; each member gets its
// own. A follower's SyncGroup waits for the leader's. v3 adds group.instance.id; v4 flexible; v5
// (KIP-559) carries the protocol type and name, which must match the group's
// (else INCONSISTENT_GROUP_PROTOCOL), and returns them.

import { ApiKey, type SyncGroupRequest, type SyncGroupResponseInput } from '../../protocol/messages/index.js';
import type { SyncResult } from '../../coordinator/group/index.js';
import type { ApiHandler } from '../handler.js';

function toResponse(r: SyncResult): SyncGroupResponseInput {
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    protocolType: r.protocolType,
    protocolName: r.protocolName,
    assignment: r.assignment,
  };
}

export const syncGroupHandler: ApiHandler<SyncGroupRequest, SyncGroupResponseInput> = {
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const result = await ctx.broker.groups.syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: version >= 3 ? req.groupInstanceId : null,
      protocolType: version >= 5 ? req.protocolType : null,
      protocolName: version >= 5 ? req.protocolName : null,
      assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    });
    return toResponse(result);
  },
  errorResponse(_req, errorCode) {
    return toResponse({ errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
  },
};
