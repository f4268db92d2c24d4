// An in-process group coordinator over a real log in a temp dir, with the topics it needs, for
// the coordinator unit tests (no broker process, no sockets).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GroupCoordinator,
  OFFSETS_TOPIC,
  type OffsetsTopicAccess,
} from '../../../../src/coordinator/group/index.js';
import {
  DEFAULT_GROUP_COORDINATOR_CONFIG,
  type GroupCoordinatorConfig,
} from '../../../../src/coordinator/group/config.js';
import type { CommitRequest, JoinRequest, JoinResult } from '../../../../src/coordinator/group/types.js';
import { silentLogger } from '../../../../src/observability/logger.js';
import { encodeSubscription } from '../../../../src/protocol/consumer-protocol.js';
import { DEFAULT_LOG_CONFIG, LogManager } from '../../../../src/storage/index.js';

const dirs: string[] = [];

export function tempDataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fluxmq-groups-'));
  dirs.push(d);
  return d;
}

export function removeDataDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface Harness {
  coordinator: GroupCoordinator;
  logs: LogManager;
  topics: Map<string, number>;
  createTopic(name: string, partitions: number): void;
  close(): void;
}

export const TEST_CONFIG: GroupCoordinatorConfig = {
  ...DEFAULT_GROUP_COORDINATOR_CONFIG,
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 100,
  offsetsTopicPartitions: 4,
};

/** Opens (or reopens) a coordinator on `dataDir`; topics are found again from the partition logs. */
export function openHarness(dataDir: string, config: Partial<GroupCoordinatorConfig> = {}): Harness {
  const logs = LogManager.open({ dataDir, config: DEFAULT_LOG_CONFIG, logger: silentLogger() });
  const topics = new Map<string, number>();
  for (const l of logs.logs()) topics.set(l.topic, Math.max(topics.get(l.topic) ?? 0, l.partition + 1));
  const internal = new Map<string, number>();
  const createTopic = (name: string, partitions: number) => {
    for (let p = 0; p < partitions; p++) logs.createLog(name, p);
    topics.set(name, partitions);
  };
  const access: OffsetsTopicAccess = {
    get: (name) => (topics.has(name) ? { partitions: topics.get(name)! } : undefined),
    defineInternalTopic: (name, partitions) => void internal.set(name, partitions),
    ensureInternalTopic: (name) => {
      if (!topics.has(name)) createTopic(name, internal.get(name)!);
      return { partitions: topics.get(name)! };
    },
    partitionLog: (topic, partition) => logs.getLog(topic, partition),
  };
  const coordinator = new GroupCoordinator({
    topics: access,
    config: { ...TEST_CONFIG, ...config },
    logger: silentLogger(),
  });
  return {
    coordinator,
    logs,
    topics,
    createTopic,
    close() {
      coordinator.shutdown();
      logs.close();
    },
  };
}

export { OFFSETS_TOPIC };

export function subscription(topics: string[]): Buffer {
  return encodeSubscription({ topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null });
}

export function joinRequest(groupId: string, over: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['orders']) }],
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 5_000,
    clientId: 'test',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: true,
    supportsSkipAssignment: false,
    ...over,
  };
}

/**
 * A commit of `offsets` (partition -> offset) of one topic from outside group management
 * (generation -1, no member), as admin tools and TxnOffsetCommit without group metadata send it.
 */
export function outsideCommit(
  groupId: string,
  topic: string,
  offsets: Iterable<[number, number]>,
  metadata: (offset: number) => string | null = () => null,
): CommitRequest {
  return {
    groupId,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    apiVersion: 3,
    topics: [
      {
        name: topic,
        partitions: [...offsets].map(([partitionIndex, committedOffset]) => ({
          partitionIndex,
          committedOffset,
          committedLeaderEpoch: -1,
          committedMetadata: metadata(committedOffset),
          commitTimestamp: -1,
        })),
      },
    ],
  };
}

/**
 * JoinGroup the KIP-394 way: first without an id (MEMBER_ID_REQUIRED), then with the given id.
 * The second join is registered once pending promise callbacks ran (advance the fake timers).
 */
export function joinNew(
  c: GroupCoordinator,
  groupId: string,
  over: Partial<JoinRequest> = {},
): Promise<JoinResult> {
  return c.joinGroup(joinRequest(groupId, over)).then((first) => {
    if (first.errorCode !== 79) throw new Error(`expected MEMBER_ID_REQUIRED, got ${first.errorCode}`);
    return c.joinGroup(joinRequest(groupId, { ...over, memberId: first.memberId }));
  });
}

/** A member id handed out with MEMBER_ID_REQUIRED (the member then joins with it). */
export async function memberIdFor(c: GroupCoordinator, groupId: string): Promise<string> {
  const first = await c.joinGroup(joinRequest(groupId));
  if (first.errorCode !== 79) throw new Error(`expected MEMBER_ID_REQUIRED, got ${first.errorCode}`);
  return first.memberId;
}
