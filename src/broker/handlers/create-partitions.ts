// CreatePartitions (key 37), v0-v3. Raises a topic's partition count; the new partitions get
// their logs at once (with the topic's configs). A count that is not higher than the current one
// is INVALID_PARTITIONS; explicit assignments must give exactly one replica list per new partition,
// naming only this broker (else INVALID_REPLICA_ASSIGNMENT). validate_only changes nothing.

import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import {
  ApiKey,
  type CreatePartitionsRequest,
  type CreatePartitionsRequestCreatePartitionsTopic,
  type CreatePartitionsResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler, RequestContext } from '../handler.js';

/** Checks explicit assignments; returns them as replica lists in cluster mode. */
function checkAssignments(
  ctx: RequestContext,
  t: CreatePartitionsRequestCreatePartitionsTopic,
): number[][] | undefined {
  if (t.assignments === null) return undefined;
  const current = ctx.broker.topics.get(t.name)?.partitions ?? 0;
  const adding = t.count - current;
  if (adding > 0 && t.assignments.length !== adding) {
    throw new KafkaError(
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      `Attempted to add ${adding} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`,
    );
  }
  const cluster = ctx.broker.cluster;
  if (cluster) {
    const image = cluster.image();
    const rf = image.partitions.get(t.name)?.[0]?.replicas.length ?? 1;
    for (const a of t.assignments) {
      const unknown = a.brokerIds.find((b) => !image.brokers.has(b));
      if (a.brokerIds.length !== rf || new Set(a.brokerIds).size !== rf || unknown !== undefined) {
        throw new KafkaError(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          unknown !== undefined
            ? `Broker ${unknown} named in replica assignment [${a.brokerIds.join(', ')}] is not alive.`
            : `Replica assignment [${a.brokerIds.join(', ')}] must name ${rf} distinct brokers (the topic's replication factor).`,
        );
      }
    }
    return t.assignments.map((a) => [...a.brokerIds]);
  }
  for (const a of t.assignments) {
    if (a.brokerIds.length !== 1 || a.brokerIds[0] !== ctx.broker.nodeId) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Replica assignment [${a.brokerIds.join(', ')}] is not possible: the only broker is ${ctx.broker.nodeId} (replication factor 1).`,
      );
    }
  }
  return undefined;
}

export const createPartitionsHandler: ApiHandler<CreatePartitionsRequest, CreatePartitionsResponseInput> = {
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  async handle(req, ctx) {
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results = await Promise.all(
      req.topics.map(async (t) => {
        if (counts.get(t.name)! > 1) {
          return {
            name: t.name,
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: 'Duplicate topic in request.',
          };
        }
        try {
          const assignment = ctx.broker.topics.get(t.name) ? checkAssignments(ctx, t) : undefined;
          await ctx.broker.topics.addPartitions(t.name, t.count, req.validateOnly, assignment);
          return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
        } catch (err) {
          if (!(err instanceof KafkaError)) throw err;
          return { name: t.name, errorCode: err.code, errorMessage: err.message };
        }
      }),
    );
    return { throttleTimeMs: 0, results };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      results: req.topics.map((t) => ({ name: t.name, errorCode, errorMessage: null })),
    };
  },
};
