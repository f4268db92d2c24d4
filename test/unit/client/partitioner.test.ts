import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../../../src/client/partitioner.js';

describe("Kafka's default partitioner", () => {
  it("computes murmur2 exactly as Kafka's Utils.murmur2", () => {
    // reference values from Kafka's own tests of Utils.murmur2
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(Buffer.from('abc'))).toBe(479470107);
  });

  it('maps a key to a stable partition in range', () => {
    for (const n of [1, 3, 7, 100]) {
      const p = partitionForKey(Buffer.from('user-42'), n);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(n);
      expect(partitionForKey(Buffer.from('user-42'), n)).toBe(p);
    }
    expect(partitionForKey(Buffer.from('foobar'), 10)).toBe((-790332482 & 0x7fffffff) % 10);
  });
});
