// ElectLeaders (key 43), v0-v2. On one broker every partition is already led by its preferred (and
// only) replica, which is live and in sync, so there is never an election to run: named partitions
// get ELECTION_NOT_NEEDED (both for preferred and unclean elections) or
// UNKNOWN_TOPIC_OR_PARTITION. A null partition list (all partitions) answers an empty list, since
// Kafka leaves out partitions whose election was not needed. v1 adds the top-level error code.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type ElectLeadersRequest,
  type ElectLeadersResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

const PREFERRED = 0;
const UNCLEAN = 1;

export const electLeadersHandler: ApiHandler<ElectLeadersRequest, ElectLeadersResponseInput> = {
  apiKey: ApiKey.ElectLeaders,
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    const { broker } = ctx;
    const electionType = ctx.header.apiVersion >= 1 ? req.electionType : PREFERRED;
    if (electionType !== PREFERRED && electionType !== UNCLEAN) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: [] };
    }
    if (req.topicPartitions === null) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults: [] };
    }
    const replicaElectionResults = req.topicPartitions.map((t) => {
      const meta = broker.topics.get(t.topic);
      return {
        topic: t.topic,
        partitionResult: t.partitions.map((p) =>
          meta && p >= 0 && p < meta.partitions
            ? {
                partitionId: p,
                errorCode: ErrorCode.ELECTION_NOT_NEEDED,
                errorMessage: `Leader election not needed for topic partition ${t.topic}-${p}: broker ${broker.nodeId} already leads it.`,
              }
            : {
                partitionId: p,
                errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                errorMessage: `The partition ${t.topic}-${p} does not exist.`,
              },
        ),
      };
    });
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
