// Heartbeat (key 12), v0-v4. Keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to
// rejoin. v3 adds group.instance.id (FENCED_INSTANCE_ID for a replaced static member); v4 flexible.
// While groups are still loading at start, heartbeats are answered NONE, as Kafka does.

import { ApiKey, type HeartbeatRequest, type HeartbeatResponseInput } from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

export const heartbeatHandler: ApiHandler<HeartbeatRequest, HeartbeatResponseInput> = {
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const errorCode = ctx.broker.groups.heartbeat({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: ctx.header.apiVersion >= 3 ? req.groupInstanceId : null,
    });
    return { throttleTimeMs: 0, errorCode };
  },
  errorResponse(_req, errorCode) {
    return { throttleTimeMs: 0, errorCode };
  },
};
