// JoinGroup (key 11), v0-v9. The response waits until the rebalance completes (all known members
// rejoined, or the rebalance timeout passed), without holding up other requests.
//   v1 adds the rebalance timeout (v0 uses the session timeout for both); v4 (KIP-394): a new member
//   without an id gets MEMBER_ID_REQUIRED and its id, and joins again with it; v5 adds
//   group.instance.id (static membership, KIP-345); v6 flexible; v7 returns the protocol type and a
//   nullable protocol name; v8 adds a reason (logged only); v9 adds SkipAssignment (KIP-814).

import { ApiKey, type JoinGroupRequest, type JoinGroupResponseInput } from '../../protocol/messages/index.js';
import type { JoinResult } from '../../coordinator/group/index.js';
import type { ApiHandler, RequestContext } from '../handler.js';
import { clientHost } from './group-common.js';

function toResponse(r: JoinResult, version: number): JoinGroupResponseInput {
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    generationId: r.generationId,
    protocolType: r.protocolType,
    // a null protocol name exists from v7; before it is the empty string
    protocolName: version >= 7 ? r.protocolName : (r.protocolName ?? ''),
    leader: r.leader,
    skipAssignment: r.skipAssignment,
    memberId: r.memberId,
    members: r.members,
  };
}

export const joinGroupHandler: ApiHandler<JoinGroupRequest, JoinGroupResponseInput> = {
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  async handle(req, ctx: RequestContext) {
    const version = ctx.header.apiVersion;
    const result = await ctx.broker.groups.joinGroup({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: version >= 5 ? req.groupInstanceId : null,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs:
        version >= 1 && req.rebalanceTimeoutMs >= 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      clientId: ctx.header.clientId ?? '',
      clientHost: clientHost(ctx),
      requireKnownMemberId: version >= 4,
      supportsSkipAssignment: version >= 9,
    });
    return toResponse(result, version);
  },
  errorResponse(req, errorCode, ctx) {
    return toResponse(
      {
        errorCode,
        generationId: -1,
        protocolType: null,
        protocolName: null,
        leader: '',
        skipAssignment: false,
        memberId: req.memberId,
        members: [],
      },
      ctx.header.apiVersion,
    );
  },
};
