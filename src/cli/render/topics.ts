// Human renderings of topic results.

import type { CreatedTopic, DeletedTopic, TopicDetail, TopicSummary } from '../../client/admin/index.js';
import { keyValues, table } from '../table.js';
import { leaderCell } from './cluster.js';

export function renderTopicList(topics: TopicSummary[]): string {
  if (topics.length === 0) return 'No topics.';
  return table(
    ['TOPIC', 'PARTITIONS', 'REPLICATION FACTOR', 'TOPIC ID'],
    topics.map((t) => [
      t.name + (t.internal ? ' (internal)' : ''),
      t.partitions,
      t.replicationFactor,
      t.topicId,
    ]),
  );
}

export function renderCreatedTopic(t: CreatedTopic): string {
  return table(
    ['TOPIC', 'PARTITIONS', 'REPLICATION FACTOR', 'TOPIC ID'],
    [[t.name, t.partitions, t.replicationFactor, t.topicId]],
  );
}

export function renderDeletedTopics(topics: DeletedTopic[]): string {
  return table(
    ['DELETED TOPIC', 'TOPIC ID'],
    topics.map((t) => [t.name, t.topicId]),
  );
}

export function renderTopicDetail(t: TopicDetail): string {
  const parts = [
    keyValues([
      ['Topic', t.name],
      ['Topic ID', t.topicId],
      ['Partitions', t.partitions.length],
      ['Replication factor', t.replicationFactor],
      ['Internal', t.internal ? 'yes' : 'no'],
    ]),
    partitionTable(t),
  ];
  if (t.configs.length > 0) {
    parts.push(
      table(
        ['CONFIG', 'VALUE'],
        t.configs.map((c) => [c.name, c.value]),
      ),
    );
  }
  return parts.join('\n');
}

/**
 * Partitions with leader, replicas and ISR; an OFFLINE column (replicas on brokers that are down)
 * appears when any partition has one, and a partition without a leader shows 'none'.
 */
function partitionTable(t: TopicDetail): string {
  const offline = t.partitions.some((p) => p.offline.length > 0);
  return table(
    [
      'PARTITION',
      'LEADER',
      'REPLICAS',
      'ISR',
      ...(offline ? ['OFFLINE'] : []),
      'EARLIEST OFFSET',
      'LATEST OFFSET',
      'MESSAGES',
    ],
    t.partitions.map((p) => [
      p.partition,
      leaderCell(p.leader),
      p.replicas.join(','),
      p.isr.join(','),
      ...(offline ? [p.offline.join(',')] : []),
      p.earliestOffset,
      p.latestOffset,
      p.earliestOffset !== null && p.latestOffset !== null ? p.latestOffset - p.earliestOffset : null,
    ]),
  );
}
