import { describe, expect, it } from 'vitest';
import type { ClusterDescription, TopicDetail } from '../../../src/client/admin/index.js';
import { UsageError } from '../../../src/cli/parse.js';
import { renderCluster, renderOutcomes, renderReassignments } from '../../../src/cli/render/cluster.js';
import { renderTopicDetail } from '../../../src/cli/render/topics.js';
import {
  outcomeFailure,
  parseBrokerList,
  parseReassignmentJson,
  parseReplicaAssignment,
} from '../../../src/cli/replicas.js';
import { KafkaRequestError } from '../../../src/client/errors.js';
import { invalidTarget } from '../../../src/broker/handlers/alter-partition-reassignments.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

describe('replica placement values', () => {
  it('parses broker lists in preference order and refuses bad ids and repeats', () => {
    expect(parseBrokerList('2,3,1')).toEqual([2, 3, 1]);
    expect(parseBrokerList(' 4 ')).toEqual([4]);
    expect(() => parseBrokerList('')).toThrow(UsageError);
    expect(() => parseBrokerList('1,x')).toThrow(
      "--replicas expects broker ids (non-negative integers), got 'x'",
    );
    expect(() => parseBrokerList('1,-2')).toThrow(UsageError);
    expect(() => parseBrokerList('1,2,1')).toThrow('--replicas may not name a broker twice: 1');
  });

  it("parses kafka-topics' --replica-assignment", () => {
    expect(parseReplicaAssignment('1:2:3,2:3:1')).toEqual([
      [1, 2, 3],
      [2, 3, 1],
    ]);
    expect(parseReplicaAssignment('1')).toEqual([[1]]);
    expect(parseReplicaAssignment('1,1,1')).toEqual([[1], [1], [1]]);
    expect(() => parseReplicaAssignment('1:2,3')).toThrow(
      '--replica-assignment: partition 1 has a different replication factor (1) than partition 0 (2): 3',
    );
    expect(() => parseReplicaAssignment('1:1')).toThrow(
      'partition replica lists may not contain duplicate entries: 1 (partition 0)',
    );
    expect(() => parseReplicaAssignment('1:2,,2:1')).toThrow('partition 1 has no replicas');
    expect(() => parseReplicaAssignment('a:b')).toThrow(UsageError);
    expect(() => parseReplicaAssignment('')).toThrow(UsageError);
  });

  it('reads the kafka-reassign-partitions JSON file format', () => {
    const plan = JSON.stringify({
      version: 1,
      partitions: [
        { topic: 'orders', partition: 0, replicas: [2, 3, 1], log_dirs: ['any', 'any', 'any'] },
        { topic: 'audit', partition: 4, replicas: [1] },
      ],
    });
    expect(parseReassignmentJson(plan)).toEqual([
      { topic: 'orders', partition: 0, replicas: [2, 3, 1] },
      { topic: 'audit', partition: 4, replicas: [1] },
    ]);
    // version is optional, as in Kafka's tool
    expect(parseReassignmentJson('{"partitions":[{"topic":"t","partition":1,"replicas":[5]}]}')).toEqual([
      { topic: 't', partition: 1, replicas: [5] },
    ]);
  });

  it('names what is wrong in a reassignment JSON file', () => {
    const bad = (doc: unknown) => () => parseReassignmentJson(JSON.stringify(doc), 'plan.json');
    expect(() => parseReassignmentJson('{', 'plan.json')).toThrow(/^plan\.json is not valid JSON/);
    expect(bad([])).toThrow('plan.json: not a JSON object');
    expect(bad({ version: 2, partitions: [] })).toThrow('unsupported version 2');
    expect(bad({ version: 1 })).toThrow('"partitions" must be an array');
    expect(bad({ version: 1, partitions: [] })).toThrow('"partitions" is empty');
    expect(bad({ partitions: [{ partition: 0, replicas: [1] }] })).toThrow(
      'partitions[0].topic must be a topic name',
    );
    expect(bad({ partitions: [{ topic: 't', partition: -1, replicas: [1] }] })).toThrow(
      'partitions[0].partition must be a non-negative integer',
    );
    expect(bad({ partitions: [{ topic: 't', partition: 0, replicas: [] }] })).toThrow(
      'partitions[0].replicas must be a non-empty array of broker ids',
    );
    expect(bad({ partitions: [{ topic: 't', partition: 0, replicas: [1, 1] }] })).toThrow(
      'names broker 1 more than once',
    );
    expect(bad({ partitions: [{ topic: 't', partition: 0, replicas: [1], log_dirs: ['/data'] }] })).toThrow(
      'moving replicas between log directories is not supported',
    );
    expect(bad({ partitions: [{ topic: 't', partition: 0, replicas: [1, 2], log_dirs: ['any'] }] })).toThrow(
      'log_dirs must have one entry per replica',
    );
    expect(
      bad({
        partitions: [
          { topic: 't', partition: 0, replicas: [1] },
          { topic: 't', partition: 0, replicas: [2] },
        ],
      }),
    ).toThrow('partition t-0 is listed twice');
    expect(bad({ partitions: [{ topic: 't', partition: 0, replicas: [1] }], version: 1 })).not.toThrow();
  });

  it("checks reassignment targets with Kafka's texts", () => {
    const registered = (id: number) => [1, 2, 3].includes(id);
    expect(invalidTarget([2, 3, 1], registered)).toBeNull();
    expect(invalidTarget([], registered)).toBe(
      'The manual partition assignment includes an empty replica list.',
    );
    expect(invalidTarget([1, 5], registered)).toBe(
      'The manual partition assignment includes broker 5, but no such broker is registered.',
    );
    expect(invalidTarget([1, 2, 1], registered)).toBe(
      'The manual partition assignment includes the broker 1 more than once.',
    );
  });

  it('turns failed partitions into one error, ignoring harmless codes', () => {
    const ok = { topic: 't', partition: 0, errorCode: 0, error: null, message: null };
    const notNeeded = {
      topic: 't',
      partition: 1,
      errorCode: ErrorCode.ELECTION_NOT_NEEDED,
      error: 'ELECTION_NOT_NEEDED',
      message: 'not needed',
    };
    const bad = {
      topic: 't',
      partition: 2,
      errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      error: 'INVALID_REPLICA_ASSIGNMENT',
      message: null,
    };
    expect(outcomeFailure([ok, notNeeded], 'elect', [ErrorCode.ELECTION_NOT_NEEDED])).toBeNull();
    const one = outcomeFailure([ok, bad], 'reassign');
    expect(one).toBeInstanceOf(KafkaRequestError);
    expect(one!.message).toBe(
      'cannot reassign t-2: INVALID_REPLICA_ASSIGNMENT: Replica assignment is invalid.',
    );
    const two = outcomeFailure([bad, { ...bad, partition: 3 }, notNeeded], 'reassign');
    expect(two!.message).toContain('(2 more partition(s) failed too)');
  });
});

describe('rendering', () => {
  const cluster: ClusterDescription = {
    clusterId: 'abc',
    controllerId: 2,
    brokers: [
      { id: 1, host: 'h1', port: 9092, rack: 'r1', isController: false },
      { id: 2, host: 'h2', port: 9093, rack: null, isController: true },
    ],
    partitionCount: 4,
    underReplicatedPartitions: [
      { topic: 'orders', partition: 1, leader: 1, replicas: [1, 2, 3], isr: [1], offlineReplicas: [3] },
    ],
    offlinePartitions: [
      { topic: 'audit', partition: 0, leader: -1, replicas: [3], isr: [3], offlineReplicas: [3] },
    ],
  };

  it('shows brokers with racks and the controller, then unhealthy partitions', () => {
    const text = renderCluster(cluster);
    expect(text).toMatch(/│ Under-replicated partitions │ 1\s+│/);
    expect(text).toMatch(/│ Offline partitions\s+│ 1\s+│/);
    expect(text).toMatch(/│\s+1 │ h1\s+│ 9092 │ r1\s+│ no\s+│/);
    expect(text).toMatch(/│\s+2 │ h2\s+│ 9093 │ -\s+│ yes\s+│/);
    expect(text).toContain('Under-replicated partitions (1):');
    expect(text).toMatch(/│ orders │\s+1 │\s+1 │ 1,2,3\s+│ 1\s+│ 3\s+│/);
    expect(text).toContain('Offline partitions (1):');
    expect(text).toMatch(/│ audit\s+│\s+0 │ none\s+│ 3\s+│ 3\s+│ 3\s+│/);
  });

  it('leaves the partition tables out of a healthy cluster', () => {
    const text = renderCluster({ ...cluster, underReplicatedPartitions: [], offlinePartitions: [] });
    expect(text).not.toContain('TOPIC');
    expect(text).toMatch(/│ Offline partitions\s+│ 0\s+│/);
  });

  it('renders election and reassignment outcomes', () => {
    const outcomes = [
      { topic: 't', partition: 0, errorCode: 0, error: null, message: null },
      { topic: 't', partition: 1, errorCode: 84, error: 'ELECTION_NOT_NEEDED', message: 'already leads' },
    ];
    const text = renderOutcomes(outcomes, 'ELECTED');
    expect(text).toMatch(/│ TOPIC │ PARTITION │ RESULT\s+│ MESSAGE\s+│/);
    expect(text).toMatch(/│ t\s+│\s+0 │ ELECTED\s+│ -\s+│/);
    expect(text).toMatch(/│ t\s+│\s+1 │ ELECTION_NOT_NEEDED │ already leads │/);
    const withTargets = renderOutcomes(outcomes.slice(0, 1), 'STARTED', new Map([['t-0', '2,3,1']]));
    expect(withTargets).toMatch(/│ t\s+│\s+0 │ 2,3,1\s+│ STARTED │ -\s+│/);

    expect(renderReassignments([])).toBe('No partition reassignments in progress.');
    expect(
      renderReassignments([
        { topic: 't', partition: 0, replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [1] },
      ]),
    ).toMatch(/│ t\s+│\s+0 │ 1,2,3\s+│ 3\s+│ 1\s+│/);
  });

  it('adds an OFFLINE column to topic details only when a replica is offline', () => {
    const topic: TopicDetail = {
      name: 't',
      topicId: 'id',
      internal: false,
      replicationFactor: 2,
      configs: [],
      partitions: [
        {
          partition: 0,
          leader: 1,
          leaderEpoch: 0,
          replicas: [1, 2],
          isr: [1, 2],
          offline: [],
          earliestOffset: 0,
          latestOffset: 5,
        },
      ],
    };
    expect(renderTopicDetail(topic)).not.toContain('OFFLINE');
    const down = renderTopicDetail({
      ...topic,
      partitions: [{ ...topic.partitions[0]!, leader: -1, isr: [2], offline: [1, 2] }],
    });
    expect(down).toMatch(/│ PARTITION │ LEADER │ REPLICAS │ ISR │ OFFLINE │ EARLIEST OFFSET │/);
    expect(down).toMatch(/│\s+0 │ none\s+│ 1,2\s+│ 2\s+│ 1,2\s+│/);
  });
});
