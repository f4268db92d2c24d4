// The authorization step of every request, in one place: Kafka's operation and resource for each API.
// A step either refuses the whole request (an error code the handler's errorResponse spreads over its
// response), or takes the unauthorized resources out of the request before the handler runs and puts
// them back into the response with their error code (TOPIC_AUTHORIZATION_FAILED, ...), or filters
// what the response lists (Metadata, ListGroups). APIs without a rule here need CLUSTER_ACTION on the
// cluster, so a new handler is closed until its rule is written.

import type { BrokerState } from '../broker/broker-state.js';
import type { RequestHeader } from '../protocol/framing.js';
import { ErrorCode } from '../protocol/errors.js';
import type * as M from '../protocol/messages/index.js';
import { ApiKey } from '../protocol/messages/index.js';
import { CLUSTER_NAME, Operation, ResourceType } from './acl.js';
import type { Authorizer } from './authorizer.js';
import type { SecuritySession } from './sasl.js';

export interface AuthorizationContext {
  authorizer: Authorizer;
  session: SecuritySession;
  broker: BrokerState;
  header: RequestHeader;
}

export interface AuthorizationStep {
  /** Refuse the whole request with this code. */
  errorCode?: number;
  /** The request the handler gets instead (unauthorized resources removed). */
  request?: unknown;
  /** Completes the handler's response (adds the refused resources, filters listings). */
  merge?: (response: unknown) => unknown;
}

const TOPIC_DENIED = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
const GROUP_DENIED = ErrorCode.GROUP_AUTHORIZATION_FAILED;
const CLUSTER_DENIED = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
const TXN_DENIED = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
const ALLOW: AuthorizationStep = {};

type Can = (operation: number, resourceType: number, name: string) => boolean;
/** Whether the operation is allowed on at least one resource of the type (KIP-679). */
type CanAny = (operation: number, resourceType: number) => boolean;
type Rule = (req: never, can: Can, ctx: AuthorizationContext, canAny: CanAny) => AuthorizationStep;

/** Splits items into the authorized and the refused. */
function split<T>(items: readonly T[], ok: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const i of items) (ok(i) ? yes : no).push(i);
  return [yes, no];
}

/**
 * Takes the refused items out of `req[requestKey]` before the handler runs, and adds an error entry
 * for each to the handler's `response[responseKey]`.
 */
type ItemOf<R, K extends keyof R> = R[K] extends readonly (infer T)[] ? T : never;

function withoutRefused<R extends object, K extends keyof R & string>(
  req: R,
  requestKey: K,
  ok: (item: ItemOf<R, K>) => boolean,
  responseKey: string,
  refusedEntry: (item: ItemOf<R, K>) => unknown,
): AuthorizationStep {
  const [allowed, denied] = split(req[requestKey] as readonly ItemOf<R, K>[], ok);
  if (denied.length === 0) return ALLOW;
  return {
    request: { ...req, [requestKey]: allowed },
    merge: (res) => {
      const r = res as Record<string, unknown[] | undefined>;
      r[responseKey] = [...(r[responseKey] ?? []), ...denied.map(refusedEntry)];
      return r;
    },
  };
}

const clusterRule =
  (operation: number): Rule =>
  (_req, can) =>
    can(operation, ResourceType.CLUSTER, CLUSTER_NAME) ? ALLOW : { errorCode: CLUSTER_DENIED };

const groupRule =
  (operation: number): Rule =>
  (req: { groupId: string }, can) =>
    can(operation, ResourceType.GROUP, req.groupId) ? ALLOW : { errorCode: GROUP_DENIED };

const RULES = new Map<number, Rule>([
  [ApiKey.ApiVersions, () => ALLOW],
  [ApiKey.SaslHandshake, () => ALLOW],
  [ApiKey.SaslAuthenticate, () => ALLOW],
  [ApiKey.DescribeCluster, () => ALLOW],
  [
    ApiKey.Produce,
    (req: M.ProduceRequest, can) => {
      if (req.transactionalId && !can(Operation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) {
        return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
      }
      return withoutRefused(
        req,
        'topicData',
        (t) => can(Operation.WRITE, ResourceType.TOPIC, t.name),
        'responses',
        (t) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((p) => ({
            index: p.index,
            errorCode: TOPIC_DENIED,
            baseOffset: -1,
            logStartOffset: -1,
          })),
        }),
      );
    },
  ],
  [
    ApiKey.Fetch,
    (req: M.FetchRequest, can, ctx, canAny) => {
      const replica = Math.max(req.replicaId ?? -1, req.replicaState?.replicaId ?? -1);
      if (replica >= 0) return clusterRule(Operation.CLUSTER_ACTION)(req as never, can, ctx, canAny);
      const name = (t: M.FetchRequestFetchTopic): string | undefined =>
        t.topic || ctx.broker.topics.getById(t.topicId)?.name;
      const [ok, denied] = split(req.topics, (t) => {
        const n = name(t);
        return n === undefined || can(Operation.READ, ResourceType.TOPIC, n);
      });
      if (denied.length === 0) return ALLOW;
      return {
        request: { ...req, topics: ok },
        merge: (res) => {
          const r = res as M.FetchResponseInput;
          r.responses = [
            ...(r.responses ?? []),
            ...denied.map((t) => ({
              topic: t.topic,
              topicId: t.topicId,
              partitions: t.partitions.map((p) => ({
                partitionIndex: p.partition,
                errorCode: TOPIC_DENIED,
                highWatermark: -1,
                lastStableOffset: -1,
                logStartOffset: -1,
                records: null,
              })),
            })),
          ];
          return r;
        },
      };
    },
  ],
  [
    ApiKey.ListOffsets,
    (req: M.ListOffsetsRequest, can) => {
      return withoutRefused(
        req,
        'topics',
        (t) => can(Operation.DESCRIBE, ResourceType.TOPIC, t.name),
        'topics',
        (t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: TOPIC_DENIED,
            timestamp: -1,
            offset: -1,
          })),
        }),
      );
    },
  ],
  [
    // Kafka: CLUSTER_ACTION covers every topic (followers); otherwise DESCRIBE per topic (KIP-320
    // consumers validating their position after a leader change)
    ApiKey.OffsetForLeaderEpoch,
    (req: M.OffsetForLeaderEpochRequest, can) => {
      if (can(Operation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME)) return ALLOW;
      return withoutRefused(
        req,
        'topics',
        (t) => can(Operation.DESCRIBE, ResourceType.TOPIC, t.topic),
        'topics',
        (t) => ({
          topic: t.topic,
          partitions: t.partitions.map((p) => ({
            errorCode: TOPIC_DENIED,
            partition: p.partition,
            leaderEpoch: -1,
            endOffset: -1,
          })),
        }),
      );
    },
  ],
  [
    ApiKey.Metadata,
    (req: M.MetadataRequest, can, ctx) => {
      const describable = (name: string | null): boolean =>
        name !== null && can(Operation.DESCRIBE, ResourceType.TOPIC, name);
      if (req.topics === null) {
        return {
          merge: (res) => {
            const r = res as M.MetadataResponseInput;
            r.topics = (r.topics ?? []).filter((t) => describable(t.name ?? null));
            return r;
          },
        };
      }
      const nameOf = (t: M.MetadataRequestTopic): string | null =>
        t.name ?? ctx.broker.topics.getById(t.topicId)?.name ?? null;
      const [ok, denied] = split(req.topics, (t) => nameOf(t) === null || describable(nameOf(t)));
      // Auto-creation needs CREATE on the cluster or on the topic.
      const mayCreate = (n: string | null): boolean =>
        n !== null &&
        (can(Operation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME) ||
          can(Operation.CREATE, ResourceType.TOPIC, n));
      const autoCreate =
        req.allowAutoTopicCreation &&
        ok.every((t) => ctx.broker.topics.get(nameOf(t) ?? '') !== undefined || mayCreate(nameOf(t)));
      if (denied.length === 0 && autoCreate === req.allowAutoTopicCreation) return ALLOW;
      return {
        request: { ...req, topics: ok, allowAutoTopicCreation: autoCreate },
        merge: (res) => {
          const r = res as M.MetadataResponseInput;
          r.topics = [
            ...(r.topics ?? []),
            ...denied.map((t) => ({
              errorCode: TOPIC_DENIED,
              name: t.name,
              topicId: t.topicId,
              isInternal: false,
              partitions: [],
            })),
          ];
          return r;
        },
      };
    },
  ],
  [
    ApiKey.OffsetCommit,
    (req: M.OffsetCommitRequest, can) => {
      if (!can(Operation.READ, ResourceType.GROUP, req.groupId)) return { errorCode: GROUP_DENIED };
      return withoutRefused(
        req,
        'topics',
        (t) => can(Operation.READ, ResourceType.TOPIC, t.name),
        'topics',
        (t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: TOPIC_DENIED,
          })),
        }),
      );
    },
  ],
  [
    ApiKey.OffsetFetch,
    (req: M.OffsetFetchRequest, can) => {
      const groups = req.groups?.length ? req.groups.map((g) => g.groupId) : [req.groupId];
      if (groups.length === 1 && !can(Operation.DESCRIBE, ResourceType.GROUP, groups[0]!)) {
        return { errorCode: GROUP_DENIED };
      }
      const hide = <T extends { name?: string; partitions?: { errorCode?: number }[] }>(
        topics: T[] | undefined,
      ): T[] =>
        (topics ?? []).flatMap((t) =>
          can(Operation.DESCRIBE, ResourceType.TOPIC, t.name ?? '')
            ? [t]
            : [{ ...t, partitions: (t.partitions ?? []).map((p) => ({ ...p, errorCode: TOPIC_DENIED })) }],
        );
      return {
        merge: (res) => {
          const r = res as M.OffsetFetchResponseInput;
          r.topics = hide(r.topics);
          r.groups = (r.groups ?? []).map((g) =>
            can(Operation.DESCRIBE, ResourceType.GROUP, g.groupId ?? '')
              ? { ...g, topics: hide(g.topics) }
              : { ...g, topics: [], errorCode: GROUP_DENIED },
          );
          return r;
        },
      };
    },
  ],
  [
    ApiKey.FindCoordinator,
    (req: M.FindCoordinatorRequest, can) => {
      const type = req.keyType === 1 ? ResourceType.TRANSACTIONAL_ID : ResourceType.GROUP;
      const denyCode = req.keyType === 1 ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : GROUP_DENIED;
      if (!req.coordinatorKeys?.length) {
        return can(Operation.DESCRIBE, type, req.key) ? ALLOW : { errorCode: denyCode };
      }
      return withoutRefused(
        req,
        'coordinatorKeys',
        (k) => can(Operation.DESCRIBE, type, k),
        'coordinators',
        (key) => ({
          key,
          nodeId: -1,
          host: '',
          port: -1,
          errorCode: denyCode,
          errorMessage: null,
        }),
      );
    },
  ],
  [ApiKey.JoinGroup, groupRule(Operation.READ)],
  [ApiKey.SyncGroup, groupRule(Operation.READ)],
  [ApiKey.Heartbeat, groupRule(Operation.READ)],
  [ApiKey.LeaveGroup, groupRule(Operation.READ)],
  [
    ApiKey.DescribeGroups,
    (req: M.DescribeGroupsRequest, can) => {
      return withoutRefused(
        req,
        'groups',
        (g) => can(Operation.DESCRIBE, ResourceType.GROUP, g),
        'groups',
        (groupId) => ({
          errorCode: GROUP_DENIED,
          groupId,
          groupState: '',
          protocolType: '',
          protocolData: '',
          members: [],
        }),
      );
    },
  ],
  [
    ApiKey.ListGroups,
    (_req, can) =>
      can(Operation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)
        ? ALLOW
        : {
            merge: (res) => {
              const r = res as M.ListGroupsResponseInput;
              r.groups = (r.groups ?? []).filter((g) =>
                can(Operation.DESCRIBE, ResourceType.GROUP, g.groupId ?? ''),
              );
              return r;
            },
          },
  ],
  [
    ApiKey.DeleteGroups,
    (req: M.DeleteGroupsRequest, can) => {
      return withoutRefused(
        req,
        'groupsNames',
        (g) => can(Operation.DELETE, ResourceType.GROUP, g),
        'results',
        (groupId) => ({ groupId, errorCode: GROUP_DENIED }),
      );
    },
  ],
  [
    ApiKey.OffsetDelete,
    (req: M.OffsetDeleteRequest, can) => {
      if (!can(Operation.DELETE, ResourceType.GROUP, req.groupId)) return { errorCode: GROUP_DENIED };
      return withoutRefused(
        req,
        'topics',
        (t) => can(Operation.READ, ResourceType.TOPIC, t.name),
        'topics',
        (t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: TOPIC_DENIED,
          })),
        }),
      );
    },
  ],
  [
    ApiKey.CreateTopics,
    (req: M.CreateTopicsRequest, can) => {
      if (can(Operation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME)) return ALLOW;
      return withoutRefused(
        req,
        'topics',
        (t) => can(Operation.CREATE, ResourceType.TOPIC, t.name),
        'topics',
        (t) => ({
          name: t.name,
          errorCode: TOPIC_DENIED,
          errorMessage: 'Authorization failed.',
          numPartitions: -1,
          replicationFactor: -1,
          configs: null,
        }),
      );
    },
  ],
  [
    ApiKey.DeleteTopics,
    (req: M.DeleteTopicsRequest, can, ctx) => {
      const nameOf = (t: { name: string | null; topicId: string }): string =>
        t.name ?? ctx.broker.topics.getById(t.topicId)?.name ?? '';
      const mayDelete = (n: string): boolean => n === '' || can(Operation.DELETE, ResourceType.TOPIC, n);
      const [okNames, deniedNames] = split(req.topicNames ?? [], mayDelete);
      const [okTopics, deniedTopics] = split(req.topics ?? [], (t) => mayDelete(nameOf(t)));
      const denied = [
        ...deniedNames.map((name) => ({ name, topicId: undefined })),
        ...deniedTopics.map((t) => ({ name: nameOf(t), topicId: t.topicId })),
      ];
      if (denied.length === 0) return ALLOW;
      return {
        request: { ...req, topicNames: okNames, topics: okTopics },
        merge: (res) => {
          const r = res as M.DeleteTopicsResponseInput;
          r.responses = [
            ...(r.responses ?? []),
            ...denied.map((t) => ({
              name: t.name,
              topicId: t.topicId,
              errorCode: TOPIC_DENIED,
              errorMessage: 'Authorization failed.',
            })),
          ];
          return r;
        },
      };
    },
  ],
  [
    ApiKey.DeleteRecords,
    (req: M.DeleteRecordsRequest, can) => {
      return withoutRefused(
        req,
        'topics',
        (t) => can(Operation.DELETE, ResourceType.TOPIC, t.name),
        'topics',
        (t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            lowWatermark: -1,
            errorCode: TOPIC_DENIED,
          })),
        }),
      );
    },
  ],
  [ApiKey.DescribeConfigs, configsRule(Operation.DESCRIBE_CONFIGS, 'results')],
  [ApiKey.AlterConfigs, configsRule(Operation.ALTER_CONFIGS, 'responses')],
  [ApiKey.IncrementalAlterConfigs, configsRule(Operation.ALTER_CONFIGS, 'responses')],
  [ApiKey.DescribeLogDirs, clusterRule(Operation.DESCRIBE)],
  [
    ApiKey.CreatePartitions,
    (req: M.CreatePartitionsRequest, can) => {
      return withoutRefused(
        req,
        'topics',
        (t) => can(Operation.ALTER, ResourceType.TOPIC, t.name),
        'results',
        (t) => ({
          name: t.name,
          errorCode: TOPIC_DENIED,
          errorMessage: 'Authorization failed.',
        }),
      );
    },
  ],
  [ApiKey.ElectLeaders, clusterRule(Operation.ALTER)],
  [ApiKey.AlterPartitionReassignments, clusterRule(Operation.ALTER)],
  [ApiKey.ListPartitionReassignments, clusterRule(Operation.DESCRIBE)],
  [
    ApiKey.DescribeTopicPartitions,
    (_req, can) => ({
      merge: (res) => {
        const r = res as M.DescribeTopicPartitionsResponseInput;
        r.topics = (r.topics ?? []).filter((t) => can(Operation.DESCRIBE, ResourceType.TOPIC, t.name ?? ''));
        return r;
      },
    }),
  ],
  // Transactions (KIP-98), as Kafka's KafkaApis authorizes them.
  [
    ApiKey.InitProducerId,
    (req: M.InitProducerIdRequest, can, _ctx, canAny) => {
      if (req.transactionalId !== null) {
        return can(Operation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)
          ? ALLOW
          : { errorCode: TXN_DENIED };
      }
      // idempotent producer: IDEMPOTENT_WRITE on the cluster, or WRITE on any topic (KIP-679)
      return can(Operation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_NAME) ||
        canAny(Operation.WRITE, ResourceType.TOPIC)
        ? ALLOW
        : { errorCode: CLUSTER_DENIED };
    },
  ],
  [
    ApiKey.AddPartitionsToTxn,
    (req: M.AddPartitionsToTxnRequest, can, ctx, canAny) => {
      // v4+ carries several transactions and is sent by brokers only (KIP-890)
      if (ctx.header.apiVersion >= 4)
        return clusterRule(Operation.CLUSTER_ACTION)(req as never, can, ctx, canAny);
      if (!can(Operation.WRITE, ResourceType.TRANSACTIONAL_ID, req.v3AndBelowTransactionalId)) {
        return { errorCode: TXN_DENIED };
      }
      const denied = req.v3AndBelowTopics.filter((t) => !can(Operation.WRITE, ResourceType.TOPIC, t.name));
      if (denied.length === 0) return ALLOW;
      // as in Kafka: nothing is added; refused topics say so, the others OPERATION_NOT_ATTEMPTED
      const deniedNames = new Set(denied.map((t) => t.name));
      return {
        request: { ...req, v3AndBelowTopics: [] },
        merge: (res) => {
          const r = res as M.AddPartitionsToTxnResponseInput;
          r.resultsByTopicV3AndBelow = req.v3AndBelowTopics.map((t) => ({
            name: t.name,
            resultsByPartition: t.partitions.map((partitionIndex) => ({
              partitionIndex,
              partitionErrorCode: deniedNames.has(t.name) ? TOPIC_DENIED : ErrorCode.OPERATION_NOT_ATTEMPTED,
            })),
          }));
          return r;
        },
      };
    },
  ],
  [
    ApiKey.AddOffsetsToTxn,
    (req: M.AddOffsetsToTxnRequest, can) => {
      if (!can(Operation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) {
        return { errorCode: TXN_DENIED };
      }
      return can(Operation.READ, ResourceType.GROUP, req.groupId) ? ALLOW : { errorCode: GROUP_DENIED };
    },
  ],
  [
    ApiKey.EndTxn,
    (req: M.EndTxnRequest, can) =>
      can(Operation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)
        ? ALLOW
        : { errorCode: TXN_DENIED },
  ],
  [
    ApiKey.TxnOffsetCommit,
    (req: M.TxnOffsetCommitRequest, can) => {
      // Kafka checks the transactional id first, then the group, then each topic
      if (!can(Operation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) {
        return { errorCode: TXN_DENIED };
      }
      if (!can(Operation.READ, ResourceType.GROUP, req.groupId)) return { errorCode: GROUP_DENIED };
      return withoutRefused(
        req,
        'topics',
        (t) => can(Operation.READ, ResourceType.TOPIC, t.name),
        'topics',
        (t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: TOPIC_DENIED,
          })),
        }),
      );
    },
  ],
  [
    ApiKey.DescribeTransactions,
    (req: M.DescribeTransactionsRequest, can) => {
      const [ok, denied] = split(req.transactionalIds, (id) =>
        can(Operation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id),
      );
      if (denied.length === 0) return ALLOW;
      return {
        request: { ...req, transactionalIds: ok },
        merge: (res) => {
          const r = res as M.DescribeTransactionsResponseInput;
          r.transactionStates = [
            ...(r.transactionStates ?? []),
            ...denied.map((transactionalId) => ({
              errorCode: TXN_DENIED,
              transactionalId,
              transactionState: '',
              transactionTimeoutMs: 0,
              transactionStartTimeMs: -1,
              producerId: -1,
              producerEpoch: -1,
              topics: [],
            })),
          ];
          return r;
        },
      };
    },
  ],
  [
    ApiKey.ListTransactions,
    (_req, can) => ({
      merge: (res) => {
        const r = res as M.ListTransactionsResponseInput;
        r.transactionStates = (r.transactionStates ?? []).filter((t) =>
          can(Operation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, t.transactionalId ?? ''),
        );
        return r;
      },
    }),
  ],
  [
    ApiKey.DescribeProducers,
    (req: M.DescribeProducersRequest, can) => {
      return withoutRefused(
        req,
        'topics',
        (t) => can(Operation.READ, ResourceType.TOPIC, t.name),
        'topics',
        (t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex) => ({
            partitionIndex,
            errorCode: TOPIC_DENIED,
            errorMessage: null,
            activeProducers: [],
          })),
        }),
      );
    },
  ],
  [ApiKey.CreateAcls, clusterRule(Operation.ALTER)],
  [ApiKey.DeleteAcls, clusterRule(Operation.ALTER)],
  [ApiKey.DescribeAcls, clusterRule(Operation.DESCRIBE)],
  [ApiKey.DescribeUserScramCredentials, clusterRule(Operation.DESCRIBE)],
  [ApiKey.AlterUserScramCredentials, clusterRule(Operation.ALTER)],
]);

/** DescribeConfigs / (Incremental)AlterConfigs: topics need the operation on the topic, brokers on the cluster. */
function configsRule(operation: number, field: 'results' | 'responses'): Rule {
  return (req: { resources: { resourceType: number; resourceName: string }[] }, can) => {
    const allowed = (r: { resourceType: number; resourceName: string }): boolean =>
      r.resourceType === ResourceType.TOPIC
        ? can(operation, ResourceType.TOPIC, r.resourceName)
        : can(operation, ResourceType.CLUSTER, CLUSTER_NAME);
    const [ok, denied] = split(req.resources, allowed);
    if (denied.length === 0) return ALLOW;
    return {
      request: { ...req, resources: ok },
      merge: (res) => {
        const r = res as Record<string, unknown[] | undefined>;
        r[field] = [
          ...(r[field] ?? []),
          ...denied.map((d) => ({
            errorCode: d.resourceType === ResourceType.TOPIC ? TOPIC_DENIED : CLUSTER_DENIED,
            errorMessage: 'Authorization failed.',
            resourceType: d.resourceType,
            resourceName: d.resourceName,
            configs: [],
          })),
        ];
        return r;
      },
    };
  };
}

export function authorizeRequest(
  apiKey: number,
  request: unknown,
  ctx: AuthorizationContext,
): AuthorizationStep {
  const { authorizer, session } = ctx;
  if (authorizer.isSuperUser(session.principal)) return ALLOW;
  const can: Can = (operation, resourceType, resourceName) =>
    authorizer.authorize({
      principal: session.principal,
      host: session.clientHost,
      operation,
      resourceType,
      resourceName,
    });
  const canAny: CanAny = (operation, resourceType) =>
    authorizer.authorizeAny({
      principal: session.principal,
      host: session.clientHost,
      operation,
      resourceType,
    });
  const rule = RULES.get(apiKey) ?? clusterRule(Operation.CLUSTER_ACTION);
  return rule(request as never, can, ctx, canAny);
}
