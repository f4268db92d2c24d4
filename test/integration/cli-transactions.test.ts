// `fluxmq transactions list|describe` end to end against a broker with one transaction committed by
// KafkaJS and one left open: tables by default, --json objects, filters, and an unknown id.
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { cliJson, runCli } from '../helpers/cli.js';
import { kafkajs } from '../helpers/kafkajs.js';

let broker: RunningBroker;
let b: string;
let open: Producer;

beforeAll(async () => {
  broker = await startBroker({ overrides: { 'num.partitions': 2 } });
  b = broker.bootstrap;
  const kafka = kafkajs(b, 'cli-txn');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'cli-txn', numPartitions: 2 }] });
  await admin.disconnect();

  const done = kafka.producer({ transactionalId: 'cli-done', idempotent: true, maxInFlightRequests: 1 });
  await done.connect();
  const t1 = await done.transaction();
  await t1.send({ topic: 'cli-txn', messages: [{ partition: 0, value: 'a' }] });
  await t1.commit();
  await done.disconnect();

  open = kafka.producer({ transactionalId: 'cli-open', idempotent: true, maxInFlightRequests: 1 });
  await open.connect();
  const t2 = await open.transaction();
  await t2.send({ topic: 'cli-txn', messages: [{ partition: 1, value: 'b' }] });
});

afterAll(async () => {
  await open?.disconnect().catch(() => {});
  await broker?.stop();
});

const run = (args: string[]) => runCli([...args, '--bootstrap-server', b]);

describe('transactions', () => {
  it('lists transactional ids as a table and as JSON, with state filters', async () => {
    const list = await run(['transactions', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/│ TRANSACTIONAL ID\s+│\s+PRODUCER ID │ STATE\s+│ COORDINATOR │/);
    expect(list.stdout).toMatch(/│ cli-done\s+│\s+\d+ │ CompleteCommit │/);
    expect(list.stdout).toMatch(/│ cli-open\s+│\s+\d+ │ Ongoing\s+│/);

    const json = await cliJson<{ transactions: { transactionalId: string; state: string }[] }>(b, [
      'transactions',
      'list',
      '--state',
      'Ongoing',
    ]);
    expect(json.transactions.map((t) => [t.transactionalId, t.state])).toEqual([['cli-open', 'Ongoing']]);

    const bad = await run(['transactions', 'list', '--state', 'Sleeping']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Sleeping');
  });

  it('describes a transaction with its partitions, and refuses an unknown id', async () => {
    const d = await run(['transactions', 'describe', 'cli-open']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/│ State\s+│ Ongoing\s+│/);
    expect(d.stdout).toMatch(/│ cli-txn │\s+1 │/);

    const json = await cliJson<Record<string, unknown>>(b, ['transactions', 'describe', 'cli-done']);
    expect(json).toMatchObject({
      transactionalId: 'cli-done',
      state: 'CompleteCommit',
      producerEpoch: 0,
      startTimeMs: -1,
      partitions: [],
    });
    expect(json.timeoutMs).toBeGreaterThan(0);

    const missing = await run(['transactions', 'describe', 'nobody']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('TRANSACTIONAL_ID_NOT_FOUND');
  });
});
