import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { kcat } from '../helpers/kcat.js';
import { storedBatches } from '../helpers/segments.js';

let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'num.partitions': 1 } });
});

afterAll(async () => {
  await broker?.stop();
});

function lines(n: number, tag: string): string[] {
  return Array.from(
    { length: n },
    (_, i) => `${tag} line ${i} ` + 'lorem ipsum dolor sit amet '.repeat(1 + (i % 4)),
  );
}

describe('kcat (librdkafka) against fluxmq serve', () => {
  it('lists metadata with -L', async () => {
    await kcat(['-b', broker.bootstrap, '-P', '-t', 'meta-topic'], { input: 'hello\n' });
    const out = JSON.parse(await kcat(['-b', broker.bootstrap, '-L', '-J'])) as {
      brokers: { id: number; name: string }[];
      topics: { topic: string; partitions: { partition: number; leader: number }[] }[];
    };
    expect(out.brokers).toEqual([{ id: 1, name: broker.bootstrap }]);
    const topic = out.topics.find((t) => t.topic === 'meta-topic');
    expect(topic?.partitions).toEqual([expect.objectContaining({ partition: 0, leader: 1 })]);
  });

  it('produces from a file and consumes exactly the same lines from the beginning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fluxmq-kcat-'));
    const file = join(dir, 'input.txt');
    const input = lines(2000, 'plain');
    writeFileSync(file, input.join('\n') + '\n');
    await kcat(['-b', broker.bootstrap, '-P', '-t', 'from-file', '-l', file]);
    const out = await kcat(['-b', broker.bootstrap, '-C', '-t', 'from-file', '-o', 'beginning', '-e', '-q']);
    expect(out.split('\n').slice(0, -1)).toEqual(input);
  });

  for (const [codec, id] of [
    ['gzip', 1],
    ['snappy', 2],
    ['lz4', 3],
    ['zstd', 4],
  ] as const) {
    it(`round-trips ${codec}-compressed batches and stores them compressed`, async () => {
      const topic = `codec-${codec}`;
      const input = lines(500, codec);
      await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-z', codec, '-X', 'linger.ms=50'], {
        input: input.join('\n') + '\n',
      });
      const out = await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
      expect(out.split('\n').slice(0, -1)).toEqual(input);
      const batches = storedBatches(broker.dataDir, topic, 0);
      expect(batches.length).toBeGreaterThan(0);
      expect(batches.every((b) => b.compression === id)).toBe(true);
    });
  }
});
