// FluxMQ's own group consumer against `fluxmq serve`: a broker restart in the middle keeps the
// committed offsets and the group (membership, generation, assignment) from __consumer_offsets,
// and a static member (group.instance.id) that comes back gets its partitions without a rebalance
// of the others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupConsumer, type ConsumedBatch, type TopicPartition } from '../../src/client/consumer/index.js';
import type { KafkaConnection } from '../../src/client/connection.js';
import { decodeAssignment } from '../../src/protocol/consumer-protocol.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { startBroker, tempDataDir, type RunningBroker } from '../helpers/broker.js';
import { connectTo, createTopic, produceValues } from '../helpers/client.js';

const OVERRIDES = {
  'group.initial.rebalance.delay.ms': 0,
  'group.min.session.timeout.ms': 500,
  'offsets.topic.num.partitions': 5,
  'http.port': 0,
};

let broker: RunningBroker;
const dataDir = tempDataDir();
const consumers: GroupConsumer[] = [];

beforeAll(async () => {
  broker = await startBroker({ dataDir, overrides: OVERRIDES });
  const c = await connectTo(broker.port);
  await createTopic(c, 'durable', 2);
  await createTopic(c, 'statics', 4);
  c.close();
});

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.close()));
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

function consumer(
  groupId: string,
  topic: string,
  extra: Partial<ConstructorParameters<typeof GroupConsumer>[0]> = {},
) {
  const c = new GroupConsumer({
    bootstrap: broker.bootstrap,
    groupId,
    topics: [topic],
    sessionTimeoutMs: 15_000,
    heartbeatIntervalMs: 300,
    rebalanceTimeoutMs: 5000,
    autoOffsetReset: 'earliest',
    autoCommitIntervalMs: 0,
    maxWaitMs: 100,
    requestTimeoutMs: 5000,
    ...extra,
  });
  consumers.push(c);
  return c;
}

/** A request retried while the coordinator is still loading. */
async function untilLoaded<T>(send: () => Promise<T>, errorOf: (r: T) => number): Promise<T> {
  for (let i = 0; ; i++) {
    const r = await send();
    if (errorOf(r) !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || i > 100) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function committed(c: KafkaConnection, groupId: string): Promise<number[]> {
  const r = await untilLoaded(
    () => c.request(ApiKey.OffsetFetch, 8, { groups: [{ groupId, topics: null }], requireStable: false }),
    (x) => x.groups[0].errorCode as number,
  );
  return (r.groups[0].topics as { partitions: { committedOffset: number }[] }[]).flatMap((t) =>
    t.partitions.map((p) => p.committedOffset),
  );
}

async function describe1(c: KafkaConnection, groupId: string) {
  const r = await untilLoaded(
    () => c.request(ApiKey.DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false }),
    (x) => x.groups[0].errorCode as number,
  );
  return r.groups[0] as {
    errorCode: number;
    groupState: string;
    protocolData: string;
    members: { memberId: string; groupInstanceId: string | null; memberAssignment: Buffer }[];
  };
}

describe('group consumer (FluxMQ client)', () => {
  it('keeps committed offsets and the group across a broker restart', async () => {
    let c = await connectTo(broker.port);
    for (const p of [0, 1]) {
      await produceValues(
        c,
        'durable',
        p,
        Array.from({ length: 50 }, (_, i) => `before-${p}-${i}`),
      );
    }
    const received: string[] = [];
    const cons = consumer('restart-group', 'durable');
    const running = cons.run((b: ConsumedBatch) => {
      for (const m of b.messages) received.push(m.value!.toString());
    });
    await waitFor('100 messages', () => received.length === 100);
    await waitFor('the commits', async () => (await committed(c, 'restart-group')).join() === '50,50');
    const generation = cons.generationId;
    const memberId = cons.memberId;
    c.close();

    const port = broker.port;
    expect(await broker.stop()).toBe(0);
    broker = await startBroker({ dataDir, port, overrides: OVERRIDES });
    c = await connectTo(broker.port);
    expect(await committed(c, 'restart-group')).toEqual([50, 50]);
    const group = await describe1(c, 'restart-group');
    expect(group.groupState).toBe('Stable');
    expect(group.protocolData).toBe('range');
    expect(group.members.map((m) => m.memberId)).toEqual([memberId]);
    const assignment = decodeAssignment(group.members[0]!.memberAssignment).assignedPartitions;
    expect(assignment).toEqual([{ topic: 'durable', partitions: [0, 1] }]);

    // the member carries on in its generation and reads only what is new
    for (const p of [0, 1]) {
      await produceValues(
        c,
        'durable',
        p,
        Array.from({ length: 20 }, (_, i) => `after-${p}-${i}`),
      );
    }
    await waitFor('140 messages', () => received.length >= 140);
    expect(new Set(received).size).toBe(140);
    expect(received).toHaveLength(140);
    expect(cons.generationId).toBe(generation);
    expect(cons.memberId).toBe(memberId);
    await waitFor('the new commits', async () => (await committed(c, 'restart-group')).join() === '70,70');
    c.close();
    await cons.close();
    await running;
  });

  it('cooperative-sticky: a joining member takes partitions without the others giving up the rest', async () => {
    const revokedByA: TopicPartition[][] = [];
    const a = consumer('coop-group', 'statics', {
      assignors: ['cooperative-sticky'],
      onRevoked: (ps) => void revokedByA.push(ps),
    });
    const b = consumer('coop-group', 'statics', { assignors: ['cooperative-sticky'] });
    const ra = a.run(() => {});
    await waitFor('a to own every partition', () => a.assignment().length === 4);
    const before = a.assignment();
    const rb = b.run(() => {});
    await waitFor(
      'a and b to split the partitions',
      () => a.assignment().length === 2 && b.assignment().length === 2,
    );
    // a gave up exactly the two partitions that moved, and kept the others throughout
    expect(revokedByA).toHaveLength(1);
    expect(revokedByA[0]).toHaveLength(2);
    const kept = before.filter((p) => !revokedByA[0]!.some((r) => r.partition === p.partition));
    expect(a.assignment()).toEqual(kept);
    await Promise.all([a.close(), b.close()]);
    await Promise.all([ra, rb]);
  });

  it('a static member that restarts gets its partitions back with no rebalance of the others', async () => {
    const events: string[] = [];
    const track = (name: string) => ({
      onAssigned: (ps: TopicPartition[]) => void events.push(`${name} assigned ${ps.length}`),
      onRevoked: (ps: TopicPartition[]) => void events.push(`${name} revoked ${ps.length}`),
    });
    const a = consumer('static-group', 'statics', { groupInstanceId: 'instance-a', ...track('a') });
    const b = consumer('static-group', 'statics', { groupInstanceId: 'instance-b', ...track('b') });
    const ra = a.run(() => {});
    await waitFor('a to be assigned', () => a.assignment().length === 4);
    const rb = b.run(() => {});
    await waitFor(
      'a and b to split the partitions',
      () => a.assignment().length === 2 && b.assignment().length === 2,
    );
    // the assignment callbacks of the split may run just after assignment() changes
    await waitFor(
      'a and b to hear of the split',
      () => events.includes('a assigned 2') && events.includes('b assigned 2'),
    );
    const generation = b.generationId;
    expect(a.generationId).toBe(generation);
    const aPartitions = a.assignment();
    const aMember = a.memberId;
    events.length = 0;

    // a goes away (a static member does not leave the group) and comes back under a new member id
    await a.close();
    await ra;
    const a2 = consumer('static-group', 'statics', { groupInstanceId: 'instance-a', ...track('a2') });
    const ra2 = a2.run(() => {});
    await waitFor('a2 to be assigned', () => a2.assignment().length === 2);
    expect(a2.assignment()).toEqual(aPartitions);
    expect(a2.memberId).not.toBe(aMember);
    expect(a2.generationId).toBe(generation);
    // b saw nothing: same generation, no revocation, no new assignment
    await new Promise((r) => setTimeout(r, 1000));
    expect(b.generationId).toBe(generation);
    expect(events).toEqual(['a revoked 2', 'a2 assigned 2']);

    const c = await connectTo(broker.port);
    const group = await describe1(c, 'static-group');
    expect(group.groupState).toBe('Stable');
    expect(group.members.map((m) => m.groupInstanceId).sort()).toEqual(['instance-a', 'instance-b']);
    expect(group.members.map((m) => m.memberId)).toContain(a2.memberId);
    // the old member id is fenced
    const hb = await c.request(ApiKey.Heartbeat, 4, {
      groupId: 'static-group',
      generationId: generation,
      memberId: aMember,
      groupInstanceId: 'instance-a',
    });
    expect(hb.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    c.close();
    await Promise.all([a2.close(), b.close()]);
    await Promise.all([ra2, rb]);
  });
});
