// The partition assignors: every subscribed partition assigned exactly once, balance, and for the
// sticky ones, stickiness across membership changes (cooperative: moves take two rounds).
import { describe, expect, it } from 'vitest';
import {
  CooperativeStickyAssignor,
  RangeAssignor,
  RoundRobinAssignor,
  StickyAssignor,
  type GroupAssignment,
  type MemberSubscription,
  type PartitionAssignor,
} from '../../../../src/client/consumer/index.js';

function member(
  memberId: string,
  topics: string[],
  owned: GroupAssignment | null = null,
  generationId = -1,
): MemberSubscription {
  const mine = owned?.get(memberId);
  return {
    memberId,
    groupInstanceId: null,
    topics,
    userData: null,
    ownedPartitions: mine ? [...mine].map(([topic, partitions]) => ({ topic, partitions })) : [],
    generationId,
    rackId: null,
  };
}

const counts = (a: GroupAssignment) =>
  [...a.values()].map((byTopic) => [...byTopic.values()].reduce((n, ps) => n + ps.length, 0));

function flat(a: GroupAssignment): string[] {
  const out: string[] = [];
  for (const byTopic of a.values()) for (const [t, ps] of byTopic) for (const p of ps) out.push(`${t}-${p}`);
  return out.sort();
}

function allPartitions(parts: Map<string, number>, topics: Iterable<string>): string[] {
  const out: string[] = [];
  for (const t of new Set(topics)) for (let p = 0; p < (parts.get(t) ?? 0); p++) out.push(`${t}-${p}`);
  return out.sort();
}

function owners(a: GroupAssignment): Map<string, string> {
  const out = new Map<string, string>();
  for (const [m, byTopic] of a) for (const [t, ps] of byTopic) for (const p of ps) out.set(`${t}-${p}`, m);
  return out;
}

function moved(before: GroupAssignment, after: GroupAssignment): number {
  const a = owners(before);
  let n = 0;
  for (const [tp, m] of owners(after)) if (a.has(tp) && a.get(tp) !== m) n++;
  return n;
}

/** Deterministic pseudo-random numbers for the randomized scenarios. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ALL: PartitionAssignor[] = [
  new RangeAssignor(),
  new RoundRobinAssignor(),
  new StickyAssignor(),
  new CooperativeStickyAssignor(),
];

describe('every assignor', () => {
  for (const assignor of ALL) {
    it(`${assignor.name}: assigns each subscribed partition exactly once, only to subscribers`, () => {
      const parts = new Map([
        ['a', 7],
        ['b', 3],
        ['c', 1],
      ]);
      const members = [
        member('m1', ['a', 'b']),
        member('m2', ['a']),
        member('m3', ['b', 'c']),
        member('m4', ['x']),
      ];
      const result = assignor.assign(members, parts);
      expect([...result.keys()].sort()).toEqual(['m1', 'm2', 'm3', 'm4']);
      expect(flat(result)).toEqual(allPartitions(parts, ['a', 'b', 'c']));
      for (const m of members) for (const t of result.get(m.memberId)!.keys()) expect(m.topics).toContain(t);
      expect(counts(result)[3]).toBe(0);
    });
  }
});

describe('range', () => {
  it('gives each member a contiguous range per topic, the first ones one more', () => {
    const parts = new Map([
      ['t', 5],
      ['u', 2],
    ]);
    const r = new RangeAssignor().assign([member('b', ['t', 'u']), member('a', ['t', 'u'])], parts);
    expect(r.get('a')).toEqual(
      new Map([
        ['t', [0, 1, 2]],
        ['u', [0]],
      ]),
    );
    expect(r.get('b')).toEqual(
      new Map([
        ['t', [3, 4]],
        ['u', [1]],
      ]),
    );
  });

  it('orders static members first, by group.instance.id', () => {
    const s = { ...member('zzz', ['t']), groupInstanceId: 'instance-1' };
    const r = new RangeAssignor().assign([member('aaa', ['t']), s], new Map([['t', 2]]));
    expect(r.get('zzz')!.get('t')).toEqual([0]);
    expect(r.get('aaa')!.get('t')).toEqual([1]);
  });
});

describe('roundrobin', () => {
  it('deals partitions across topics in turn', () => {
    const parts = new Map([
      ['t', 3],
      ['u', 3],
    ]);
    const r = new RoundRobinAssignor().assign([member('a', ['t', 'u']), member('b', ['t', 'u'])], parts);
    expect(r.get('a')).toEqual(
      new Map([
        ['t', [0, 2]],
        ['u', [1]],
      ]),
    );
    expect(r.get('b')).toEqual(
      new Map([
        ['t', [1]],
        ['u', [0, 2]],
      ]),
    );
  });

  it('is balanced within one for identical subscriptions', () => {
    const parts = new Map([
      ['t', 10],
      ['u', 7],
    ]);
    const r = new RoundRobinAssignor().assign(
      ['a', 'b', 'c'].map((id) => member(id, ['t', 'u'])),
      parts,
    );
    const c = counts(r);
    expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
  });
});

describe('sticky', () => {
  const sticky = new StickyAssignor();

  it('is balanced within one for identical subscriptions, whatever the counts', () => {
    const random = rng(7);
    for (let round = 0; round < 50; round++) {
      const topics = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, i) => `t${i}`);
      const parts = new Map(topics.map((t) => [t, 1 + Math.floor(random() * 12)]));
      const n = 1 + Math.floor(random() * 7);
      const r = sticky.assign(
        Array.from({ length: n }, (_, i) => member(`m${i}`, topics)),
        parts,
      );
      const c = counts(r);
      expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
      expect(flat(r)).toEqual(allPartitions(parts, topics));
    }
  });

  it('moves only what balance needs when a member joins, and only the leaver’s partitions when one leaves', () => {
    const parts = new Map([
      ['t', 12],
      ['u', 6],
    ]);
    const topics = ['t', 'u'];
    const gen1 = sticky.assign(
      ['a', 'b', 'c'].map((id) => member(id, topics)),
      parts,
    );
    expect(counts(gen1)).toEqual([6, 6, 6]);

    // d joins: 18 partitions over 4 members is 5,5,4,4; exactly 4 partitions move, all to d
    const gen2 = sticky.assign(
      [...['a', 'b', 'c'].map((id) => member(id, topics, gen1, 1)), member('d', topics)],
      parts,
    );
    expect(counts(gen2).sort()).toEqual([4, 4, 5, 5]);
    expect(moved(gen1, gen2)).toBe(4);
    for (const [tp, m] of owners(gen2)) if (owners(gen1).get(tp) !== m) expect(m).toBe('d');

    // b leaves: only b's partitions move
    const gen3 = sticky.assign(
      ['a', 'c', 'd'].map((id) => member(id, topics, gen2, 2)),
      parts,
    );
    expect(counts(gen3)).toEqual([6, 6, 6]);
    const before = owners(gen2);
    for (const [tp, m] of owners(gen3)) if (before.get(tp) !== 'b') expect(m).toBe(before.get(tp));
  });

  it('ignores claims from an older generation and double claims', () => {
    const parts = new Map([['t', 4]]);
    const prev: GroupAssignment = new Map([
      ['a', new Map([['t', [0, 1]]])],
      ['b', new Map([['t', [1, 2, 3]]])],
    ]);
    // b's claims are from generation 1, a's from 2: b's are stale
    const r = sticky.assign([member('a', ['t'], prev, 2), member('b', ['t'], prev, 1)], parts);
    expect(r.get('a')!.get('t')).toEqual([0, 1]);
    expect(r.get('b')!.get('t')).toEqual([2, 3]);
    const same = sticky.assign([member('a', ['t'], prev, 2), member('b', ['t'], prev, 2)], parts);
    expect(flat(same)).toEqual(['t-0', 't-1', 't-2', 't-3']);
  });

  it('balances different subscriptions as far as they allow, and stays sticky', () => {
    const parts = new Map([
      ['a', 6],
      ['b', 6],
    ]);
    const members = [member('x', ['a']), member('y', ['a', 'b']), member('z', ['b'])];
    const r1 = sticky.assign(members, parts);
    expect(counts(r1)).toEqual([4, 4, 4]);
    // adding w on both topics: everybody ends with 3, and nothing moves between x, y and z
    const r2 = sticky.assign(
      [
        ...['x', 'y', 'z'].map((id) => member(id, members.find((m) => m.memberId === id)!.topics, r1, 1)),
        member('w', ['a', 'b']),
      ],
      parts,
    );
    expect(counts(r2)).toEqual([3, 3, 3, 3]);
    for (const [tp, m] of owners(r2)) if (m !== 'w') expect(owners(r1).get(tp)).toBe(m);
  });
});

describe('cooperative-sticky', () => {
  const coop = new CooperativeStickyAssignor();

  it('withholds partitions that change owner until the old owner has revoked them', () => {
    const parts = new Map([['t', 6]]);
    const gen1 = coop.assign([member('a', ['t']), member('b', ['t'])], parts);
    expect(counts(gen1)).toEqual([3, 3]);

    // c joins: round 1 takes one partition from each of a and b, but gives it to nobody yet
    const round1 = coop.assign(
      [member('a', ['t'], gen1, 1), member('b', ['t'], gen1, 1), member('c', ['t'])],
      parts,
    );
    expect(counts(round1)).toEqual([2, 2, 0]);
    expect(moved(gen1, round1)).toBe(0);
    // round 2: a and b report what they kept; c gets the two revoked partitions
    const round2 = coop.assign(
      [member('a', ['t'], round1, 2), member('b', ['t'], round1, 2), member('c', ['t'], round1, 2)],
      parts,
    );
    expect(counts(round2)).toEqual([2, 2, 2]);
    expect(flat(round2)).toEqual(allPartitions(parts, ['t']));
    expect(moved(round1, round2)).toBe(0);
  });

  it('hands out unowned partitions at once', () => {
    const parts = new Map([['t', 4]]);
    const r = coop.assign([member('a', ['t']), member('b', ['t'])], parts);
    expect(flat(r)).toHaveLength(4);
    expect(coop.rebalanceProtocol).toBe('cooperative');
    expect(new StickyAssignor().rebalanceProtocol).toBe('eager');
  });
});
