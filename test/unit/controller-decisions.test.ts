import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/cluster/controller-decisions.js';
import type {
  BrokerRegistration,
  MetadataImage,
  PartitionState,
  TopicMetadata,
} from '../../src/cluster/types.js';

function broker(id: number, shuttingDown = false): BrokerRegistration {
  return {
    id,
    rack: null,
    endpoints: [{ listener: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id }],
    replicationEndpoint: { host: '127.0.0.1', port: 9100 + id },
    incarnation: `inc-${id}`,
    shuttingDown,
  };
}

function ps(over: Partial<PartitionState> & { replicas: number[] }): PartitionState {
  return {
    isr: [...over.replicas],
    leader: over.replicas[0]!,
    leaderEpoch: 0,
    partitionEpoch: 0,
    addingReplicas: [],
    removingReplicas: [],
    ...over,
  };
}

function image(
  live: (number | BrokerRegistration)[],
  states: PartitionState[],
  configs: Record<string, string> = {},
): MetadataImage {
  const topic: TopicMetadata = {
    name: 't',
    topicId: 'x',
    partitions: states.length,
    configs,
    internal: false,
  };
  return {
    brokers: new Map(live.map((b) => (typeof b === 'number' ? [b, broker(b)] : [b.id, b]))),
    topics: new Map([['t', topic]]),
    partitions: new Map([['t', states]]),
    controllerId: 1,
  };
}

describe('controller decisions', () => {
  it('changes nothing when every leader is live and in the ISR', () => {
    expect(reconcile(image([1, 2, 3], [ps({ replicas: [1, 2, 3] }), ps({ replicas: [2, 3, 1] })]))).toEqual(
      [],
    );
  });

  it('removes a dead follower from the ISR and bumps only the partition epoch', () => {
    const [d] = reconcile(image([1, 3], [ps({ replicas: [1, 2, 3], partitionEpoch: 4 })]));
    expect(d!.next).toMatchObject({ leader: 1, isr: [1, 3], leaderEpoch: 0, partitionEpoch: 5 });
    expect(d!.expected.partitionEpoch).toBe(4);
    expect(d).toMatchObject({ topic: 't', partition: 0 });
  });

  it('elects the first live in-sync replica in replicas order when the leader dies', () => {
    const [d] = reconcile(image([2, 3], [ps({ replicas: [1, 3, 2], leaderEpoch: 7 })]));
    expect(d!.next).toMatchObject({ leader: 3, isr: [3, 2], leaderEpoch: 8, partitionEpoch: 1 });
  });

  it('skips replicas outside the ISR and brokers shutting down', () => {
    const [d] = reconcile(image([2, broker(3, true), 4], [ps({ replicas: [1, 2, 3, 4], isr: [1, 3, 4] })]));
    expect(d!.next).toMatchObject({ leader: 4, isr: [3, 4], leaderEpoch: 1 });
  });

  it('goes offline keeping the last ISR member, then re-elects it when it returns', () => {
    const [offline] = reconcile(image([2], [ps({ replicas: [1, 2], isr: [1] })]));
    expect(offline!.next).toMatchObject({ leader: -1, isr: [1], leaderEpoch: 1, partitionEpoch: 1 });

    // Nothing more to do while it stays down.
    expect(reconcile(image([2], [offline!.next]))).toEqual([]);

    const [back] = reconcile(image([1, 2], [offline!.next]));
    expect(back!.next).toMatchObject({ leader: 1, isr: [1], leaderEpoch: 2, partitionEpoch: 2 });
  });

  it('never empties the ISR: the old leader stays when all members die at once', () => {
    const [d] = reconcile(image([], [ps({ replicas: [1, 2, 3], leader: 2 })]));
    expect(d!.next).toMatchObject({ leader: -1, isr: [2], leaderEpoch: 1 });
  });

  it('elects a live replica outside the ISR only with unclean leader election', () => {
    const state = ps({ replicas: [1, 2], isr: [1] });
    expect(reconcile(image([2], [state]))[0]!.next.leader).toBe(-1);

    const [byTopic] = reconcile(image([2], [state], { 'unclean.leader.election.enable': 'true' }));
    expect(byTopic!.next).toMatchObject({ leader: 2, isr: [2], leaderEpoch: 1 });

    const [byBroker] = reconcile(image([2], [state]), { uncleanLeaderElection: true });
    expect(byBroker!.next.leader).toBe(2);

    // A topic override of false wins over the broker default.
    const [off] = reconcile(image([2], [state], { 'unclean.leader.election.enable': 'false' }), {
      uncleanLeaderElection: true,
    });
    expect(off!.next.leader).toBe(-1);
  });

  it('moves leadership off a broker shutting down when another in-sync replica can take it', () => {
    const [d] = reconcile(image([broker(1, true), 2, 3], [ps({ replicas: [1, 2, 3] })]));
    expect(d!.next).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1 });
    // ... but keeps it when no other can.
    expect(reconcile(image([broker(1, true)], [ps({ replicas: [1, 2], isr: [1] })]))).toEqual([]);
  });

  it('completes a reassignment once every target replica is in the ISR', () => {
    // KIP-455: moving [1,2] -> [3,2]: replicas = target ∪ current, adding [3], removing [1].
    const moving = ps({
      replicas: [3, 2, 1],
      isr: [1, 2],
      leader: 1,
      addingReplicas: [3],
      removingReplicas: [1],
    });
    expect(reconcile(image([1, 2, 3], [moving]))).toEqual([]);

    const caughtUp = { ...moving, isr: [1, 2, 3] };
    const [d] = reconcile(image([1, 2, 3], [caughtUp]));
    expect(d!.next).toMatchObject({
      replicas: [3, 2],
      isr: [2, 3],
      leader: 3,
      leaderEpoch: 1,
      partitionEpoch: 1,
      addingReplicas: [],
      removingReplicas: [],
    });
  });

  it('keeps the leader when the reassignment does not remove it', () => {
    const st = ps({
      replicas: [1, 2, 3],
      isr: [1, 2, 3],
      leader: 1,
      addingReplicas: [3],
      removingReplicas: [],
    });
    const [d] = reconcile(image([1, 2, 3], [st]));
    expect(d!.next).toMatchObject({ replicas: [1, 2, 3], leader: 1, leaderEpoch: 0, addingReplicas: [] });
  });

  it('decides per partition and skips settled ones', () => {
    const out = reconcile(
      image([1, 2], [ps({ replicas: [1, 2] }), ps({ replicas: [3, 1] }), ps({ replicas: [2, 1] })]),
    );
    expect(out.map((d) => d.partition)).toEqual([1]);
    expect(out[0]!.next).toMatchObject({ leader: 1, isr: [1], leaderEpoch: 1 });
  });
});
