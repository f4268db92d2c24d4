// Fetch (key 1), served v4-v17. Reads whole batches from the log as they are stored (no record
// decoding) up to the partition and response byte limits. When fewer than min_bytes are available
// the fetch waits in the purgatory until appends bring enough, or max_wait_ms passes (then it
// answers with what there is). Topics are named up to v12 and identified by topic id from v13.
//
// Not yet: incremental fetch sessions (KIP-227). Every fetch is a full fetch and the answer's
// session id is 0, which tells clients no session was created; a request naming a session gets
// FETCH_SESSION_ID_NOT_FOUND. read_committed (isolation level 1) reads up to the last stable offset
// (the first offset of the oldest open transaction) and gets the aborted transactions of the range
// read, so the client drops their records (src/coordinator/txn/producer-state.ts).
//
// Replication (src/cluster/replication/): a fetch with a replica id >= 0 (replicaState.replicaId from
// v15) comes from a follower. Only brokers authenticated on the inter-broker listener may send one;
// anyone else gets TOPIC_AUTHORIZATION_FAILED on every partition, as Kafka answers a follower fetch
// without ClusterAction. A follower fetch reads up to the log end offset, records the follower's
// position (which may expand the ISR and advance the high watermark), and gets divergingEpoch
// instead of records when its lastFetchedEpoch shows its log diverged (KIP-595). Consumer fetches
// read up to the high watermark (read_committed: the last stable offset below it). Follower fetches
// are served by the leader only, consumer fetches before v11 too: elsewhere NOT_LEADER_OR_FOLLOWER
// with the known leader (KIP-951 currentLeader, v12+; nodeEndpoints v16+). From v11 a follower also
// serves consumers, up to its own high watermark, and a leader with the rack-aware
// replica.selector.class sends a consumer that names its rack to a replica there
// (preferred_read_replica, no records; KIP-392, read-replica.ts). currentLeaderEpoch is checked
// first: older is FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH. Consumer fetches wait for high
// watermark advances, follower fetches for appends.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type FetchRequest,
  type FetchResponseInput,
  type FetchResponsePartitionDataInput,
} from '../../protocol/messages/index.js';
import { OffsetOutOfRangeError, StorageError } from '../../storage/index.js';
import type { Partition } from '../../cluster/replication/partition.js';
import type { ApiHandler, RequestContext } from '../handler.js';
import { leaderEndpoints, withLeaderHint } from './leader-hints.js';
import { preferredReadReplica } from './read-replica.js';

const FIRST_TOPIC_ID_VERSION = 13;
const FIRST_REPLICA_STATE_VERSION = 15;
/** rack_id and preferred_read_replica (KIP-392). */
const FIRST_RACK_VERSION = 11;
const EMPTY = Buffer.alloc(0);

interface PartitionRead {
  topicName: string | null;
  data: FetchResponsePartitionDataInput;
  bytes: number;
}

function partitionError(
  partitionIndex: number,
  errorCode: number,
  hw = -1,
  logStart = -1,
): FetchResponsePartitionDataInput {
  return {
    partitionIndex,
    errorCode,
    highWatermark: hw,
    lastStableOffset: hw,
    logStartOffset: logStart,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

/** The replica id of a follower fetch, -1 for consumers (and -2, Kafka's debugging id). */
function replicaIdOf(req: FetchRequest, version: number): number {
  return version >= FIRST_REPLICA_STATE_VERSION ? req.replicaState.replicaId : req.replicaId;
}

/** NOT_LEADER_OR_FOLLOWER with the leader this broker knows (KIP-951). */
function notLeader(
  ctx: RequestContext,
  topic: string,
  partitionIndex: number,
): FetchResponsePartitionDataInput {
  return withLeaderHint(
    ctx,
    topic,
    partitionIndex,
    partitionError(partitionIndex, ErrorCode.NOT_LEADER_OR_FOLLOWER),
  );
}

/**
 * KIP-595: the leader's end of the follower's last fetched epoch, when it lies before the fetch
 * offset or belongs to an older epoch (the follower must truncate); null when the logs agree.
 */
function divergingEpoch(
  part: Partition,
  lastFetchedEpoch: number,
  fetchOffset: number,
): { epoch: number; endOffset: number } | null {
  if (lastFetchedEpoch < 0) return null;
  const end = part.endOffsetForEpoch(lastFetchedEpoch);
  if (end.endOffset < 0 || end.leaderEpoch < 0) return null; // Kafka then answers OFFSET_OUT_OF_RANGE via the read
  if (end.leaderEpoch < lastFetchedEpoch || end.endOffset < fetchOffset) {
    return { epoch: end.leaderEpoch, endOffset: end.endOffset };
  }
  return null;
}

/** One pass over the requested partitions, reading what is available now. */
function readAll(
  req: FetchRequest,
  ctx: RequestContext,
): {
  /** `known`: the topic exists here (unknown ones are answered with errors, not counted). */
  topics: { topicName: string | null; topicId: string; known: boolean; reads: PartitionRead[] }[];
  bytes: number;
  keys: string[];
  /** Some partition was answered with a preferred read replica instead of records. */
  redirected: boolean;
} {
  const { broker } = ctx;
  const version = ctx.header.apiVersion;
  const byId = version >= FIRST_TOPIC_ID_VERSION;
  const replicaId = replicaIdOf(req, version);
  const fromFollower = replicaId >= 0;
  let budget = Math.min(req.maxBytes, broker.settings.fetchMaxBytes);
  let total = 0;
  let redirected = false;
  const keys: string[] = [];
  const selectReplicas =
    version >= FIRST_RACK_VERSION &&
    req.rackId !== '' &&
    broker.settings.cluster?.rackAwareReadReplicas === true;
  const image = selectReplicas ? broker.cluster?.image() : undefined;
  const topics = req.topics.map((t) => {
    const meta = byId ? broker.topics.getById(t.topicId) : broker.topics.get(t.topic);
    const topicName = meta?.name ?? (byId ? null : t.topic);
    const reads: PartitionRead[] = t.partitions.map((p) => {
      if (!meta) {
        return {
          topicName,
          bytes: 0,
          data: partitionError(
            p.partition,
            byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          ),
        };
      }
      const inRange = p.partition >= 0 && p.partition < meta.partitions;
      const part = inRange ? broker.replicas.get(meta.name, p.partition) : undefined;
      if (!part) {
        // a partition of the cluster without a replica here: Kafka answers NOT_LEADER_OR_FOLLOWER
        const data =
          inRange && broker.replicas.mode === 'cluster'
            ? notLeader(ctx, meta.name, p.partition)
            : partitionError(p.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        return { topicName, bytes: 0, data };
      }
      const epoch = part.leaderEpoch;
      if (p.currentLeaderEpoch >= 0 && p.currentLeaderEpoch !== epoch) {
        const code =
          p.currentLeaderEpoch < epoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
        return { topicName, bytes: 0, data: partitionError(p.partition, code) };
      }
      // KIP-392: from v11 (which carries the consumer's rack) a follower serves consumer fetches too
      const followerRead =
        !part.isLeader && !fromFollower && version >= FIRST_RACK_VERSION && part.replicated;
      if (!part.isLeader && !followerRead) {
        return { topicName, bytes: 0, data: notLeader(ctx, meta.name, p.partition) };
      }
      const log = part.log;
      if (image && !fromFollower) {
        const preferred = preferredReadReplica(part, image, req.rackId, p.fetchOffset, Date.now());
        if (preferred >= 0) {
          // no records: the consumer fetches from `preferred` from now on (KAFKA-13767: answered at once)
          const hw = part.highWatermark;
          const data = partitionError(p.partition, ErrorCode.NONE, hw, log.logStartOffset);
          data.lastStableOffset = broker.txn.producerStates.peek(log)?.lastStableOffset(hw) ?? hw;
          data.preferredReadReplica = preferred;
          redirected = true;
          return { topicName, bytes: 0, data };
        }
      }
      if (fromFollower) {
        const code = part.updateFollowerFetchState(replicaId, p.fetchOffset, p.logStartOffset);
        if (code !== ErrorCode.NONE) return { topicName, bytes: 0, data: partitionError(p.partition, code) };
        const diverging = divergingEpoch(part, p.lastFetchedEpoch, p.fetchOffset);
        if (diverging) {
          const data = partitionError(p.partition, ErrorCode.NONE, part.highWatermark, log.logStartOffset);
          data.divergingEpoch = diverging;
          return { topicName, bytes: 0, data };
        }
      }
      keys.push(fromFollower ? part.replicaFetchKey : part.fetchKey);
      const hw = part.highWatermark;
      try {
        // read_committed stops at the last stable offset (the first offset of an open transaction)
        const readCommitted = req.isolationLevel === 1 && !fromFollower;
        const producers = readCommitted
          ? broker.txn.producerStates.forLog(log)
          : broker.txn.producerStates.peek(log);
        const lso = producers ? producers.lastStableOffset(hw) : hw;
        const limit = Math.min(p.partitionMaxBytes, budget);
        // KIP-74: the first partition with data may exceed the limits by one whole batch so a
        // consumer never gets stuck behind a batch larger than its max bytes.
        const read = log.read(p.fetchOffset, Math.max(limit, 0), {
          minOneMessage: total === 0,
          // followers read everything the leader has; consumers what the ISR has
          maxOffset: fromFollower ? log.logEndOffset : readCommitted ? lso : hw,
        });
        const bytes = read.records.length;
        budget -= bytes;
        total += bytes;
        return {
          topicName,
          bytes,
          data: {
            partitionIndex: p.partition,
            errorCode: ErrorCode.NONE,
            highWatermark: hw,
            lastStableOffset: lso,
            logStartOffset: log.logStartOffset,
            abortedTransactions:
              readCommitted && producers ? (bytes > 0 ? producers.abortedIn(p.fetchOffset, lso) : []) : null,
            preferredReadReplica: -1,
            records: read.records,
          },
        };
      } catch (err) {
        if (err instanceof OffsetOutOfRangeError) {
          return {
            topicName,
            bytes: 0,
            data: partitionError(p.partition, ErrorCode.OFFSET_OUT_OF_RANGE, hw, log.logStartOffset),
          };
        }
        if (err instanceof StorageError) {
          ctx.logger.error({ err, topic: meta.name, partition: p.partition }, 'fetch read failed');
          return {
            topicName,
            bytes: 0,
            data: partitionError(p.partition, ErrorCode.KAFKA_STORAGE_ERROR, hw, log.logStartOffset),
          };
        }
        throw err;
      }
    });
    return { topicName, topicId: meta?.topicId ?? t.topicId, known: meta !== undefined, reads };
  });
  return { topics, bytes: total, keys, redirected };
}

function toResponse(
  req: FetchRequest,
  ctx: RequestContext,
  pass: ReturnType<typeof readAll>,
  errorCode = ErrorCode.NONE,
): FetchResponseInput {
  const res: FetchResponseInput = {
    throttleTimeMs: 0,
    errorCode,
    sessionId: 0,
    responses: pass.topics.map((t, i) => ({
      topic: t.topicName ?? req.topics[i]!.topic,
      topicId: t.topicId,
      partitions: t.reads.map((r) => r.data),
    })),
  };
  if (ctx.broker.replicas.mode === 'cluster') {
    const endpoints = leaderEndpoints(
      ctx,
      pass.topics.flatMap((t) => t.reads.map((r) => r.data)),
    );
    if (endpoints.length > 0) res.nodeEndpoints = endpoints;
  }
  return res;
}

/** A follower fetch from a connection that is not an authenticated broker: refused per partition. */
function refuseReplicaFetch(req: FetchRequest): FetchResponseInput {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    sessionId: 0,
    responses: req.topics.map((t) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((p) => partitionError(p.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED)),
    })),
  };
}

/**
 * Topic metrics, per existing topic: partitions read (errors included, as Kafka counts them), bytes
 * sent and the records in them (from the batch headers).
 */
function countFetched(ctx: RequestContext, pass: ReturnType<typeof readAll>): void {
  const metrics = ctx.broker.metrics;
  if (!metrics) return;
  for (const t of pass.topics) {
    if (!t.known || t.topicName === null) continue;
    const stats = metrics.topic(t.topicName);
    stats.fetchRequests += t.reads.length;
    for (const r of t.reads) {
      if (r.bytes > 0 && r.data.records) stats.fetched(r.data.records);
    }
  }
}

function topLevelError(errorCode: number): FetchResponseInput {
  return { throttleTimeMs: 0, errorCode, sessionId: 0, responses: [] };
}

export const fetchHandler: ApiHandler<FetchRequest, FetchResponseInput> = {
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 17,
  async handle(req, ctx) {
    if (ctx.header.apiVersion >= 7) {
      if (req.sessionId !== 0) return topLevelError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
      if (req.sessionEpoch !== -1 && req.sessionEpoch !== 0)
        return topLevelError(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    }
    // Kafka: a follower fetch needs ClusterAction, which only brokers of the cluster have
    if (replicaIdOf(req, ctx.header.apiVersion) >= 0 && ctx.connection.interBroker !== true) {
      return refuseReplicaFetch(req);
    }
    let pass = readAll(req, ctx);
    const anyError = pass.topics.some((t) =>
      t.reads.some((r) => r.data.errorCode !== ErrorCode.NONE || r.data.divergingEpoch !== undefined),
    );
    if (
      pass.bytes >= req.minBytes ||
      req.maxWaitMs <= 0 ||
      anyError ||
      pass.redirected ||
      pass.keys.length === 0
    ) {
      countFetched(ctx, pass);
      return toResponse(req, ctx, pass);
    }
    await ctx.broker.purgatory.wait(pass.keys, req.minBytes - pass.bytes, req.maxWaitMs);
    pass = readAll(req, ctx);
    countFetched(ctx, pass);
    return toResponse(req, ctx, pass);
  },
  errorResponse(req, errorCode) {
    // Versions before 7 have no top-level error code: put it on every partition as well.
    return {
      throttleTimeMs: 0,
      errorCode,
      sessionId: 0,
      responses: req.topics.map((t) => ({
        topic: t.topic,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => partitionError(p.partition, errorCode)),
      })),
    };
  },
};
