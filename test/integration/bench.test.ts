// A short smoke run of `fluxmq bench` against a real broker: produce, consume and e2e agree with
// each other and with the broker's log end offsets.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, startBroker, type RunningBroker } from '../helpers/broker.js';
import { connectTo, logEndOffset } from '../helpers/client.js';

const run = promisify(execFile);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, checked field by field below
type BenchJson = Record<string, any>;
let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker();
});

afterAll(async () => {
  await broker?.stop();
});

async function bench(args: string[]): Promise<BenchJson> {
  const { stdout } = await run(
    process.execPath,
    [join(PROJECT_ROOT, 'bin/run.js'), 'bench', ...args, '-b', broker.bootstrap, '--json'],
    {
      cwd: PROJECT_ROOT,
      timeout: 60_000,
    },
  );
  return JSON.parse(stdout) as BenchJson;
}

describe('fluxmq bench', () => {
  it('produces exactly --records records, as the broker counts them', async () => {
    const r = await bench([
      'produce',
      '-t',
      'smoke',
      '--partitions',
      '3',
      '--records',
      '5003',
      '--record-size',
      '100',
      '--batch-bytes',
      '16384',
      '--inflight',
      '4',
    ]);
    expect(r.records).toBe(5003);
    expect(r.bytes).toBe(5003 * 100);
    expect(r.logEndOffsetDelta).toBe(5003);
    expect(r.errors).toEqual({});
    expect(r.latency.count).toBe(r.requests);
    const c = await connectTo(broker.port);
    const total =
      (await logEndOffset(c, 'smoke', 0)) +
      (await logEndOffset(c, 'smoke', 1)) +
      (await logEndOffset(c, 'smoke', 2));
    c.close();
    expect(total).toBe(5003);
  });

  it('consumes them all back and verifies the count', async () => {
    const r = await bench(['consume', '-t', 'smoke']);
    expect(r).toMatchObject({ records: 5003, expectedRecords: 5003, verified: true, partitions: 3 });
  });

  it('measures end-to-end latency for every record at a fixed rate', async () => {
    const r = await bench([
      'e2e',
      '-t',
      'e2e-smoke',
      '--rate',
      '2000',
      '--records',
      '2000',
      '--record-size',
      '64',
    ]);
    expect(r.produced.records).toBe(2000);
    expect(r.consumed).toBe(2000);
    expect(r.endToEnd.count).toBe(2000);
    expect(r.endToEnd.p50Ms).toBeGreaterThan(0);
    expect(r.endToEnd.maxMs).toBeGreaterThanOrEqual(r.endToEnd.p99Ms);
  });

  it('refuses bad options with exit code 2 and a message naming the flag', async () => {
    const failed = run(
      process.execPath,
      [join(PROJECT_ROOT, 'bin/run.js'), 'bench', 'produce', '--records', '10', '--acks', '3'],
      { cwd: PROJECT_ROOT },
    );
    await expect(failed).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--acks must be 0, 1, -1 or all'),
    });
  });
});
