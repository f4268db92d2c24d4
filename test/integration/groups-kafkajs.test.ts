// Consumer groups with KafkaJS (a third-party client): partitions split without overlap, every
// message consumed exactly once, partitions move when a member leaves, and a member that crashes
// (its process killed: no LeaveGroup) is expired after its session timeout.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Consumer, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, startBroker, type RunningBroker } from '../helpers/broker.js';
import { kafkajs } from '../helpers/kafkajs.js';

let broker: RunningBroker;
let kafka: Kafka;
const consumers: Consumer[] = [];
const children: ChildProcess[] = [];

const SESSION_TIMEOUT_MS = 6000;

beforeAll(async () => {
  broker = await startBroker({
    overrides: {
      'group.initial.rebalance.delay.ms': 0,
      'group.min.session.timeout.ms': 500,
      'offsets.topic.num.partitions': 5,
      'http.port': 0,
    },
  });
  kafka = kafkajs(broker.bootstrap);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: 'split', numPartitions: 6 },
      { topic: 'crash', numPartitions: 6 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
  await broker?.stop();
});

async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Member {
  consumer: Consumer;
  /** Partitions of the latest assignment. */
  partitions: number[];
  received: { partition: number; value: string }[];
}

async function startMember(
  groupId: string,
  topic: string,
  sessionTimeout = SESSION_TIMEOUT_MS,
): Promise<Member> {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout,
    heartbeatInterval: 200,
    rebalanceTimeout: 5000,
    maxWaitTimeInMs: 100,
  });
  consumers.push(consumer);
  const m: Member = { consumer, partitions: [], received: [] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    m.partitions = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const msg of batch.messages)
        m.received.push({ partition: batch.partition, value: msg.value!.toString() });
    },
  });
  return m;
}

/** The members' latest assignments split all `count` partitions with no overlap. */
function splitsAll(members: { partitions: number[] }[], count: number): boolean {
  const all = members.flatMap((m) => m.partitions).sort((a, b) => a - b);
  return (
    all.length === count && all.every((p, i) => p === i) && members.every((m) => m.partitions.length > 0)
  );
}

async function groupState(groupId: string): Promise<{ state: string; members: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return { state: groups[0]!.state, members: groups[0]!.members.length };
  } finally {
    await admin.disconnect();
  }
}

async function produce(topic: string, from: number, count: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let start = from; start < from + count; start += 1000) {
    const n = Math.min(1000, from + count - start);
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: n }, (_, i) => ({
        partition: (start + i) % 6,
        value: `m-${start + i}`,
      })),
    });
  }
  await producer.disconnect();
}

describe('KafkaJS consumer groups', () => {
  const members: Member[] = [];

  it('three members split six partitions and consume 30,000 messages exactly once', async () => {
    for (let i = 0; i < 3; i++) members.push(await startMember('trio', 'split'));
    await waitFor('a stable group of three splitting every partition', async () => {
      if (!splitsAll(members, 6)) return false;
      const g = await groupState('trio');
      return g.state === 'Stable' && g.members === 3;
    });
    expect(members.map((m) => m.partitions.length)).toEqual([2, 2, 2]);

    await produce('split', 0, 30_000);
    await waitFor(
      '30,000 messages',
      () => members.reduce((n, m) => n + m.received.length, 0) >= 30_000,
      30_000,
    );
    const values = members.flatMap((m) => m.received.map((r) => r.value));
    expect(values).toHaveLength(30_000);
    expect(new Set(values).size).toBe(30_000);
    for (const m of members) {
      for (const r of m.received) expect(m.partitions).toContain(r.partition);
    }
  });

  it('moves a leaving member’s partitions to the others within the session timeout', async () => {
    const leaving = members.pop()!;
    const started = Date.now();
    await leaving.consumer.disconnect();
    await waitFor(
      'the two remaining members to cover every partition',
      () => splitsAll(members, 6),
      SESSION_TIMEOUT_MS,
    );
    expect(Date.now() - started).toBeLessThan(SESSION_TIMEOUT_MS);
    expect(members.map((m) => m.partitions.length)).toEqual([3, 3]);

    await produce('split', 30_000, 600);
    const total = () => members.reduce((n, m) => n + m.received.length, 0) + leaving.received.length;
    await waitFor('600 more messages', () => total() >= 30_600);
    const values = [...members, leaving].flatMap((m) => m.received.map((r) => r.value));
    expect(new Set(values).size).toBe(30_600);
    expect(values).toHaveLength(30_600);
  });

  it('expires a member whose process was killed (no LeaveGroup) after its session timeout', async () => {
    const survivor = await startMember('crashing', 'crash');
    await waitFor('the first member to be assigned', () => survivor.partitions.length === 6);
    const childSessionMs = 3000;
    const child = spawn(
      process.execPath,
      [
        join(PROJECT_ROOT, 'test/helpers/kafkajs-group-member.mjs'),
        broker.bootstrap,
        'crashing',
        'crash',
        String(childSessionMs),
      ],
      { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(child);
    let childPartitions: number[] = [];
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      for (const line of d.split('\n').filter((l) => l.startsWith('{'))) {
        childPartitions = (JSON.parse(line) as { assigned: Record<string, number[]> }).assigned.crash ?? [];
      }
    });
    await waitFor('the child and the survivor to split the partitions', async () => {
      if (!splitsAll([survivor, { partitions: childPartitions }], 6)) return false;
      const g = await groupState('crashing');
      return g.state === 'Stable' && g.members === 2;
    });

    const killedAt = Date.now();
    child.kill('SIGKILL');
    await waitFor(
      'the survivor to get every partition back',
      () => survivor.partitions.length === 6,
      childSessionMs + 5000,
    );
    const elapsed = Date.now() - killedAt;
    // expired by the session timeout, not by a leave
    expect(elapsed).toBeGreaterThanOrEqual(childSessionMs - 500);
    expect(elapsed).toBeLessThan(childSessionMs + 4000);
    expect(await groupState('crashing')).toEqual({ state: 'Stable', members: 1 });
    expect(broker.logs.some((l) => l.msg === 'member session expired' && l.group === 'crashing')).toBe(true);
  });
});
