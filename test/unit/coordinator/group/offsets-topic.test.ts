// Group -> partition mapping (Java's String.hashCode, as Kafka computes it) and the record codecs.
import { describe, expect, it } from 'vitest';
import {
  decodeOffsetsTopicRecord,
  groupMetadataRecord,
  javaStringHashCode,
  offsetCommitRecord,
  partitionForGroup,
} from '../../../../src/coordinator/group/offsets-topic.js';

describe('partitionForGroup', () => {
  it("matches Java's String.hashCode, including overflow, non-ASCII and surrogate pairs", () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('\u00e9')).toBe(233);
    expect(javaStringHashCode('\u{1F600}')).toBe(1772899);
    // the classic string whose hash is Integer.MIN_VALUE: Kafka's Utils.abs maps it to 0
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
    expect(partitionForGroup('polygenelubricants', 50)).toBe(0);
  });

  it('spreads groups over the partitions, within range', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const p = partitionForGroup(`group-${i}`, 50);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(50);
      seen.add(p);
    }
    expect(seen.size).toBe(50);
    expect(partitionForGroup('my-group', 50)).toBe(Math.abs(javaStringHashCode('my-group')) % 50);
  });
});

describe('records', () => {
  it('round-trips offsets, group metadata and tombstones', () => {
    const offset = {
      offset: 5,
      leaderEpoch: 2,
      metadata: 'meta',
      commitTimestamp: 1000,
      expireTimestamp: -1,
    };
    const r = offsetCommitRecord('g', 't', 3, offset);
    expect(r.key.readInt16BE(0)).toBe(1);
    expect(r.value!.readInt16BE(0)).toBe(3);
    expect(decodeOffsetsTopicRecord(r.key, r.value)).toEqual({
      type: 'offset',
      group: 'g',
      topic: 't',
      partition: 3,
      value: offset,
    });
    const withExpiry = offsetCommitRecord('g', 't', 3, { ...offset, expireTimestamp: 2000 });
    expect(withExpiry.value!.readInt16BE(0)).toBe(1);
    expect(decodeOffsetsTopicRecord(withExpiry.key, withExpiry.value)).toMatchObject({
      value: { offset: 5, leaderEpoch: -1, expireTimestamp: 2000 },
    });
    const t = offsetCommitRecord('g', 't', 3, null);
    expect(decodeOffsetsTopicRecord(t.key, t.value)).toEqual({
      type: 'offset',
      group: 'g',
      topic: 't',
      partition: 3,
      value: null,
    });
    const g = groupMetadataRecord('g', {
      protocolType: 'consumer',
      generation: 4,
      protocol: null,
      leader: null,
      members: [],
    });
    expect(g.key.readInt16BE(0)).toBe(2);
    expect(decodeOffsetsTopicRecord(g.key, g.value)).toMatchObject({
      type: 'group',
      group: 'g',
      value: { protocolType: 'consumer', generation: 4, protocol: null, members: [] },
    });
    expect(decodeOffsetsTopicRecord(Buffer.from([0, 5, 1, 2]), null)).toEqual({
      type: 'other',
      keyVersion: 5,
    });
  });

  it('handles a group id of 32767 bytes, the longest a Kafka string can be', () => {
    const id = 'g'.repeat(32767);
    const r = offsetCommitRecord(id, 't', 0, {
      offset: 1,
      leaderEpoch: -1,
      metadata: '',
      commitTimestamp: 0,
      expireTimestamp: -1,
    });
    expect(decodeOffsetsTopicRecord(r.key, r.value)).toMatchObject({ group: id });
    expect(() => offsetCommitRecord(id + 'g', 't', 0, null)).toThrow(RangeError);
  });
});
