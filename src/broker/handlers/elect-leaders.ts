// ElectLeaders (key 43), v0-v2. v1 adds the election type and the top-level error code.
//
// Single broker: every partition is already led by its preferred (and only) replica, which is live
// and in sync, so there is never an election to run: named partitions get ELECTION_NOT_NEEDED (for
// preferred and unclean elections alike) or UNKNOWN_TOPIC_OR_PARTITION.
//
// Cluster: a preferred election goes to the metadata client (replicas[0] becomes leader when it is
// live and in the ISR). An unclean election only acts on a partition without a live leader
// (otherwise ELECTION_NOT_NEEDED): it picks the first live replica in replica order, preferring
// one in the ISR, and compare-and-sets it in as leader with a new leader epoch. A replica from
// outside the ISR becomes the whole ISR (as in Kafka: what the old ISR had beyond its log is lost);
// one from the ISR keeps the ISR. When another write wins the compare-and-set, the election is
// re-judged on the newer state a few times before giving up with REQUEST_TIMED_OUT. No live replica:
// ELIGIBLE_LEADERS_NOT_AVAILABLE.
//
// A null partition list means every partition, and then (as in Kafka) the answer leaves out the
// partitions whose election was not needed.

import { nextPartitionState } from '../../cluster/partition-state.js';
import type { ClusterMetadataClient, MetadataImage } from '../../cluster/types.js';
import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type ElectLeadersRequest,
  type ElectLeadersResponseInput,
  type ElectLeadersResponsePartitionResultInput,
} from '../../protocol/messages/index.js';
import type { BrokerState } from '../broker-state.js';
import type { ApiHandler } from '../handler.js';

const PREFERRED = 0;
const UNCLEAN = 1;
const CAS_ATTEMPTS = 5;
const CAS_RETRY_MS = 50;

type PartitionResult = ElectLeadersResponsePartitionResultInput;

const result = (partitionId: number, errorCode: number, errorMessage: string | null): PartitionResult => ({
  partitionId,
  errorCode,
  errorMessage,
});

const unknown = (topic: string, p: number): PartitionResult =>
  result(p, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The partition ${topic}-${p} does not exist.`);

const notNeeded = (topic: string, p: number, leader: number): PartitionResult =>
  result(
    p,
    ErrorCode.ELECTION_NOT_NEEDED,
    `Leader election not needed for topic partition ${topic}-${p}: broker ${leader} already leads it.`,
  );

/** The partitions of every topic (the request's null list). */
function everyPartition(broker: BrokerState): { topic: string; partitions: number[] }[] {
  if (broker.cluster) {
    return [...broker.cluster.image().partitions].map(([topic, states]) => ({
      topic,
      partitions: states.map((_, i) => i),
    }));
  }
  return broker.topics
    .all()
    .map((t) => ({ topic: t.name, partitions: Array.from({ length: t.partitions }, (_, i) => i) }));
}

function isLive(image: MetadataImage, id: number): boolean {
  const b = image.brokers.get(id);
  return b !== undefined && !b.shuttingDown;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function electUnclean(
  cluster: ClusterMetadataClient,
  topic: string,
  p: number,
): Promise<PartitionResult> {
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const image = cluster.image();
    const state = image.partitions.get(topic)?.[p];
    if (!state) return unknown(topic, p);
    if (state.leader >= 0 && image.brokers.has(state.leader)) return notNeeded(topic, p, state.leader);
    const live = state.replicas.filter((r) => isLive(image, r));
    const leader = live.find((r) => state.isr.includes(r)) ?? live[0];
    if (leader === undefined) {
      return result(
        p,
        ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
        `No replica of ${topic}-${p} is live (replicas ${state.replicas.join(',')}).`,
      );
    }
    const next = nextPartitionState(state, {
      leader,
      isr: state.isr.includes(leader) ? state.isr : [leader],
    });
    if (await cluster.compareAndSetPartition(topic, p, state, next)) return result(p, ErrorCode.NONE, null);
    await sleep(CAS_RETRY_MS);
  }
  return result(
    p,
    ErrorCode.REQUEST_TIMED_OUT,
    `The state of ${topic}-${p} kept changing during the election; try again.`,
  );
}

async function electPreferred(
  cluster: ClusterMetadataClient,
  topic: string,
  p: number,
): Promise<PartitionResult> {
  const state = cluster.image().partitions.get(topic)?.[p];
  if (!state) return unknown(topic, p);
  if (state.leader >= 0 && state.leader === state.replicas[0]) return notNeeded(topic, p, state.leader);
  const code = await cluster.electPreferredLeader(topic, p);
  if (code === ErrorCode.NONE) return result(p, code, null);
  if (code === ErrorCode.ELECTION_NOT_NEEDED) return notNeeded(topic, p, state.replicas[0] ?? state.leader);
  if (code === ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE) {
    return result(
      p,
      code,
      `The preferred leader ${state.replicas[0]} of ${topic}-${p} is not live or not in the ISR (${state.isr.join(',')}).`,
    );
  }
  return result(p, code, null);
}

function electSingleNode(broker: BrokerState, topic: string, p: number): PartitionResult {
  const meta = broker.topics.get(topic);
  return meta && p >= 0 && p < meta.partitions ? notNeeded(topic, p, broker.nodeId) : unknown(topic, p);
}

export const electLeadersHandler: ApiHandler<ElectLeadersRequest, ElectLeadersResponseInput> = {
  apiKey: ApiKey.ElectLeaders,
  minVersion: 0,
  maxVersion: 2,
  async handle(req, ctx) {
    const { broker } = ctx;
    const electionType = ctx.header.apiVersion >= 1 ? req.electionType : PREFERRED;
    if (electionType !== PREFERRED && electionType !== UNCLEAN) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: [] };
    }
    const all = req.topicPartitions === null;
    const cluster = broker.cluster;
    const elect = (topic: string, p: number): PartitionResult | Promise<PartitionResult> => {
      if (!cluster) return electSingleNode(broker, topic, p);
      return electionType === UNCLEAN ? electUnclean(cluster, topic, p) : electPreferred(cluster, topic, p);
    };
    const replicaElectionResults = [];
    for (const t of req.topicPartitions ?? everyPartition(broker)) {
      const partitionResult = await Promise.all([...new Set(t.partitions)].map((p) => elect(t.topic, p)));
      const shown = all
        ? partitionResult.filter((r) => r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED)
        : partitionResult;
      if (shown.length > 0) replicaElectionResults.push({ topic: t.topic, partitionResult: shown });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      errorCode,
      replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({
        topic: t.topic,
        partitionResult: t.partitions.map((p) => ({ partitionId: p, errorCode, errorMessage: null })),
      })),
    };
  },
};
