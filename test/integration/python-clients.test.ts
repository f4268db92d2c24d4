// Two more independent clients against `fluxmq serve`, from Debian's packages: kafka-python (its own
// protocol code, with older API versions than KafkaJS or librdkafka pick) and confluent-kafka-python
// (librdkafka's transactional producer and read_committed consumer, which kcat does not exercise).
// The scripts under test/peers/ print what they saw as JSON; the checks are here.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/client/partitioner.js';
import { PROJECT_ROOT, startBroker, type RunningBroker } from '../helpers/broker.js';

const run = promisify(execFile);
// Debian's interpreter, which the python3-kafka and python3-confluent-kafka packages install into
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'group.initial.rebalance.delay.ms': 0 } });
});

afterAll(async () => {
  await broker?.stop();
});

async function peer(script: string, prefix: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(PYTHON, [join(PROJECT_ROOT, 'test/peers', script), broker.bootstrap, prefix], {
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('kafka-python against fluxmq serve', () => {
  it('creates, describes and deletes a topic, produces with and without gzip, and a group commits', async () => {
    const out = await peer('kafka-python-client.py', 'kp');
    expect(out).toMatchObject({
      topicListed: true,
      retentionMs: '3600000',
      sent: 1000,
      sentPartitions: [0, 1, 2],
      groupState: 'Empty',
      listedAfterDelete: false,
    });
    expect(out.groups).toContain('kp-billing');

    // every record once, with its key and header, at consecutive offsets per partition; keys land
    // where Kafka's murmur2 partitioner puts them
    const received = out.received as [number, number, string, string, string][];
    const expected = ['None', 'gzip'].flatMap((codec) =>
      Array.from({ length: 500 }, (_, i) => `${codec}-${i}`),
    );
    expect(received.map((r) => r[3]).sort()).toEqual(expected.sort());
    const counts = [0, 0, 0];
    for (const [partition, offset, key, value, header] of received) {
      expect(offset).toBe(counts[partition]);
      counts[partition]!++;
      const n = value.split('-')[1];
      expect([key, header]).toEqual([`k${n}`, n]);
      expect(partition).toBe(partitionForKey(Buffer.from(key), 3));
    }
    const committed = counts.map((c, p) => [p, c]);
    expect(out.committed).toEqual(committed);
    expect(out.groupOffsets).toEqual(committed);
  });
});

describe('confluent-kafka-python (librdkafka) transactions against fluxmq serve', () => {
  it('consume-transform-produce: an aborted transaction is never read, committed ones exactly once', async () => {
    const out = await peer('confluent-kafka-transactions.py', 'ck');
    expect(out.aborted).toBeGreaterThan(0);
    expect(out.transformed).toBe(500);
    const committed = out.committed as [number, number][];
    expect(committed.map(([p]) => p)).toEqual([0, 1]);
    expect(committed.reduce((sum, [, offset]) => sum + offset, 0)).toBe(500);
    const values = out.readCommitted as string[];
    expect(values.length).toBe(500);
    expect([...values].sort()).toEqual(Array.from({ length: 500 }, (_, i) => `out-${i}`).sort());
  });
});
