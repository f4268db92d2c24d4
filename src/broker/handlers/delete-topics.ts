// DeleteTopics (key 20), v0-v6. Topics are named (v0-v5: topic_names; v6: name or topic id in
// topics). A topic's metadata goes first, so clients stop seeing it, then its partition logs are
// removed from disk (renamed to `-delete` first, so a crash mid-way finishes the job at the next
// start). Unknown names get UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID; internal
// topics cannot be deleted (INVALID_REQUEST); with delete.topic.enable=false every topic gets
// TOPIC_DELETION_DISABLED (v3+; older versions get INVALID_REQUEST, as Kafka answers).

import { ZERO_UUID } from '../../protocol/codec/uuid.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import {
  ApiKey,
  type DeleteTopicsRequest,
  type DeleteTopicsResponseDeletableTopicResultInput,
  type DeleteTopicsResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler, RequestContext } from '../handler.js';

type Result = DeleteTopicsResponseDeletableTopicResultInput;

interface Target {
  name: string | null;
  topicId: string;
}

function targets(req: DeleteTopicsRequest, version: number): Target[] {
  if (version >= 6) return req.topics.map((t) => ({ name: t.name, topicId: t.topicId }));
  return req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
}

async function deleteOne(ctx: RequestContext, t: Target, version: number): Promise<Result> {
  const { broker } = ctx;
  const byId = t.name === null || t.name === '';
  const meta = byId ? broker.topics.getById(t.topicId) : broker.topics.get(t.name!);
  const failed = (errorCode: number, errorMessage: string | null): Result => ({
    name: meta?.name ?? t.name,
    topicId: meta?.topicId ?? t.topicId,
    errorCode,
    errorMessage,
  });
  if (!broker.settings.deleteTopicEnable) {
    return failed(
      version >= 3 ? ErrorCode.TOPIC_DELETION_DISABLED : ErrorCode.INVALID_REQUEST,
      'Topic deletion is disabled (delete.topic.enable=false).',
    );
  }
  if (!meta) {
    return byId
      ? failed(ErrorCode.UNKNOWN_TOPIC_ID, `Topic id ${t.topicId} does not exist.`)
      : failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${t.name}' does not exist.`);
  }
  if (meta.internal)
    return failed(ErrorCode.INVALID_REQUEST, `Topic '${meta.name}' is internal and cannot be deleted.`);
  try {
    await broker.topics.delete(meta.name);
  } catch (err) {
    if (err instanceof KafkaError) return failed(err.code, err.message);
    throw err;
  }
  return { name: meta.name, topicId: meta.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const deleteTopicsHandler: ApiHandler<DeleteTopicsRequest, DeleteTopicsResponseInput> = {
  apiKey: ApiKey.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  async handle(req, ctx) {
    const version = ctx.header.apiVersion;
    const list = targets(req, version);
    const seen = new Map<string, number>();
    const keyOf = (t: Target) => (t.name ? `n:${t.name}` : `i:${t.topicId}`);
    for (const t of list) seen.set(keyOf(t), (seen.get(keyOf(t)) ?? 0) + 1);
    const responses = await Promise.all(
      list.map((t) =>
        seen.get(keyOf(t))! > 1
          ? {
              name: t.name,
              topicId: t.topicId,
              errorCode: ErrorCode.INVALID_REQUEST,
              errorMessage: 'Duplicate topic in the request.',
            }
          : deleteOne(ctx, t, version),
      ),
    );
    return { throttleTimeMs: 0, responses };
  },
  errorResponse(req, errorCode, ctx) {
    return {
      throttleTimeMs: 0,
      responses: targets(req, ctx.header.apiVersion).map((t) => ({
        name: t.name,
        topicId: t.topicId,
        errorCode,
        errorMessage: null,
      })),
    };
  },
};
