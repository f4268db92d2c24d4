// A short smoke run of `fluxmq bench` against a real broker: produce, consume (directly and as a
// consumer-group member) and e2e agree with each other and with the broker's log end offsets; and
// the same workloads against a SASL_SSL broker through the client security flags.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupDescription } from '../../src/client/admin/index.js';
import { PROJECT_ROOT, startBroker, type RunningBroker } from '../helpers/broker.js';
import { cliJson } from '../helpers/cli.js';
import { connectTo, logEndOffset } from '../helpers/client.js';
import { listenerPorts, makePki, type TestPki } from '../helpers/security.js';

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

/** Runs `fluxmq bench ...args`; rejects (with code and stderr) when it exits non-zero. */
const runBench = (args: string[]) =>
  run(process.execPath, [join(PROJECT_ROOT, 'bin/run.js'), 'bench', ...args], {
    cwd: PROJECT_ROOT,
    timeout: 60_000,
  });

/** A bench run that must fail with `code` and say `message` on stderr. */
async function benchFails(args: string[], code: number, message: string): Promise<void> {
  await expect(runBench(args)).rejects.toMatchObject({ code, stderr: expect.stringContaining(message) });
}

async function bench(args: string[], bootstrap = broker.bootstrap): Promise<BenchJson> {
  const { stdout } = await runBench([...args, '-b', bootstrap, '--json']);
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

  it('consumes them as a group member from the beginning and commits up to the log end offsets', async () => {
    const r = await bench(['consume', '-t', 'smoke', '--group', 'bench-smoke', '--commit-interval', '200ms']);
    expect(r).toMatchObject({
      records: 5003,
      expectedRecords: 5003,
      verified: true,
      partitions: 3,
      group: 'bench-smoke',
      errors: {},
    });
    expect(r.joinMs).toBeGreaterThanOrEqual(0);
    const g = await cliJson<GroupDescription>(broker.bootstrap, ['groups', 'describe', 'bench-smoke']);
    expect(g.offsets).toHaveLength(3);
    for (const p of g.offsets) expect(p.committedOffset).toBe(p.logEndOffset);
    expect(g.offsets.reduce((sum, p) => sum + p.committedOffset!, 0)).toBe(5003);
    expect(r.committed).toEqual(Object.fromEntries(g.offsets.map((p) => [p.partition, p.committedOffset])));
    // a second run resumes at the committed offsets: nothing is left to read
    const again = await bench(['consume', '-t', 'smoke', '--group', 'bench-smoke']);
    expect(again).toMatchObject({ records: 0, expectedRecords: 0, verified: true });
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
    await benchFails(['produce', '--records', '10', '--acks', '3'], 2, '--acks must be 0, 1, -1 or all');
    await benchFails(
      ['consume', '--commit-interval', '1s'],
      2,
      '--commit-interval and --idle-timeout need --group',
    );
  });
});

describe('fluxmq bench against a SASL_SSL broker', () => {
  let pki: TestPki;
  let secured: RunningBroker;
  let bootstrap: string;
  let scramConfig: string;
  const plain = () => [
    '--ca-file',
    pki.caCert,
    '--sasl-mechanism',
    'PLAIN',
    '--sasl-username',
    'bench',
    '--sasl-password',
    'bench-secret',
  ];

  beforeAll(async () => {
    pki = makePki();
    secured = await startBroker({
      overrides: {
        listeners: 'SASL_SSL://127.0.0.1:0',
        'ssl.keystore.location': pki.serverPem,
        'sasl.plain.users': 'bench:bench-secret',
        'connection.failed.authentication.delay.ms': 10,
      },
    });
    bootstrap = `127.0.0.1:${(await listenerPorts(secured, ['SASL_SSL'])).SASL_SSL}`;
    await cliJson(bootstrap, [
      'users',
      'add',
      '-u',
      'scram-bench',
      '-p',
      'scram-secret',
      '--mechanism',
      'SCRAM-SHA-512',
      ...plain(),
    ]);
    scramConfig = join(pki.dir, 'bench-scram.properties');
    writeFileSync(
      scramConfig,
      [
        'security.protocol=SASL_SSL',
        `ssl.truststore.location=${pki.caCert}`,
        'sasl.mechanism=SCRAM-SHA-512',
        'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\',
        '  username="scram-bench" password="scram-secret";',
        '',
      ].join('\n'),
    );
  }, 60_000);

  afterAll(async () => {
    await secured?.stop();
  });

  it('produces over TLS with SASL PLAIN flags', async () => {
    const r = await bench(
      [
        'produce',
        '-t',
        'secure',
        '--partitions',
        '2',
        '--records',
        '2000',
        '--batch-bytes',
        '16384',
        ...plain(),
      ],
      bootstrap,
    );
    expect(r).toMatchObject({ records: 2000, logEndOffsetDelta: 2000, errors: {} });
  });

  it('consumes them back with SCRAM from --command-config, directly and as a group member', async () => {
    const direct = await bench(['consume', '-t', 'secure', '--command-config', scramConfig], bootstrap);
    expect(direct).toMatchObject({ records: 2000, expectedRecords: 2000, verified: true, partitions: 2 });
    const grouped = await bench(
      ['consume', '-t', 'secure', '--group', 'secure-bench', '--command-config', scramConfig],
      bootstrap,
    );
    expect(grouped).toMatchObject({ records: 2000, verified: true, group: 'secure-bench' });
    expect(Object.values(grouped.committed).reduce((a: number, b) => a + (b as number), 0)).toBe(2000);
  });

  it('measures end-to-end latency over TLS and SASL', async () => {
    const r = await bench(
      ['e2e', '-t', 'secure-e2e', '--rate', '1000', '--records', '500', '--record-size', '64', ...plain()],
      bootstrap,
    );
    expect(r.consumed).toBe(500);
    expect(r.endToEnd.count).toBe(500);
  });

  it('refuses a wrong password with a SASL error', async () => {
    await benchFails(
      [
        'consume',
        '-t',
        'secure',
        '-b',
        bootstrap,
        '--ca-file',
        pki.caCert,
        '--sasl-username',
        'bench',
        '--sasl-password',
        'wrong',
      ],
      1,
      'SASL authentication',
    );
  });
});
