// KIP-951: a broker answering NOT_LEADER_OR_FOLLOWER (or FENCED_LEADER_EPOCH) tells the client the
// leader it knows (`currentLeader` per partition) and that leader's endpoint (`nodeEndpoints`, for the
// listener the request came in on), so the client can retry there without a Metadata round trip.
// Produce carries them from v10, Fetch from v12 (currentLeader) and v16 (nodeEndpoints); the generated
// encoders leave them out of older versions.

import type { LeaderHint, NodeEndpoint } from '../../cluster/replication/replica-manager.js';
import type { RequestContext } from '../handler.js';

export function notLeaderHint(ctx: RequestContext, topic: string, partition: number): LeaderHint | null {
  return ctx.broker.replicas.leaderHint(topic, partition);
}

/** Sets `result.currentLeader` to the leader this broker knows, if it knows one; returns `result`. */
export function withLeaderHint<T extends { currentLeader?: { leaderId?: number; leaderEpoch?: number } }>(
  ctx: RequestContext,
  topic: string,
  partition: number,
  result: T,
): T {
  const hint = notLeaderHint(ctx, topic, partition);
  if (hint) result.currentLeader = hint;
  return result;
}

/** The endpoints of the leaders named in `results`' currentLeader fields (each once). */
export function leaderEndpoints(
  ctx: RequestContext,
  results: readonly { currentLeader?: { leaderId?: number } }[],
): NodeEndpoint[] {
  const seen = new Set<number>();
  const out: NodeEndpoint[] = [];
  for (const r of results) {
    const id = r.currentLeader?.leaderId;
    if (id === undefined || id < 0 || seen.has(id)) continue;
    seen.add(id);
    const e = ctx.broker.replicas.nodeEndpoint(id, ctx.connection.listener);
    if (e) out.push(e);
  }
  return out;
}
