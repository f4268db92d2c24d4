// kcat's balanced consumer (librdkafka's group consumer, `kcat -G`): two processes share the
// partitions, and a restarted consumer resumes from the committed offsets (nothing re-read,
// nothing skipped).
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { connectTo, createTopic, produceValues } from '../helpers/client.js';
import { kcat } from '../helpers/kcat.js';

let broker: RunningBroker;
const running: ChildProcess[] = [];

beforeAll(async () => {
  broker = await startBroker({
    overrides: {
      'group.initial.rebalance.delay.ms': 0,
      'group.min.session.timeout.ms': 500,
      'offsets.topic.num.partitions': 5,
      'http.port': 0,
    },
  });
  const c = await connectTo(broker.port);
  await createTopic(c, 'shared', 4);
  c.close();
});

afterAll(async () => {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await broker?.stop();
});

const GROUP_SETTINGS = [
  '-X',
  'auto.offset.reset=earliest',
  '-X',
  'heartbeat.interval.ms=300',
  '-X',
  'session.timeout.ms=6000',
  '-X',
  'auto.commit.interval.ms=500',
];

interface BalancedConsumer {
  proc: ChildProcess;
  /** "partition offset value" lines */
  lines: string[];
  /** Partitions of the latest assignment kcat reported. */
  assigned: number[];
  exited: Promise<number | null>;
}

function balancedConsumer(group: string, topic: string): BalancedConsumer {
  const proc = spawn(
    'kcat',
    ['-u', '-b', broker.bootstrap, '-G', group, ...GROUP_SETTINGS, '-f', '%p %o %s\\n', topic],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.push(proc);
  const c: BalancedConsumer = {
    proc,
    lines: [],
    assigned: [],
    exited: new Promise((r) => proc.once('exit', (code) => r(code))),
  };
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    const parts = out.split('\n');
    out = parts.pop()!;
    c.lines.push(...parts);
  });
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    const parts = err.split('\n');
    err = parts.pop()!;
    // % Group g rebalanced (memberid ...): assigned: shared [0], shared [1]
    for (const line of parts) {
      const m = /rebalanced .*: (assigned|revoked): (.*)$/.exec(line);
      if (!m) continue;
      c.assigned =
        m[1] === 'assigned' ? [...m[2]!.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1])).sort() : [];
    }
  });
  return c;
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function produceAll(from: number, count: number): Promise<string[]> {
  const c = await connectTo(broker.port);
  const values: string[] = [];
  for (let p = 0; p < 4; p++) {
    const vs = Array.from({ length: count / 4 }, (_, i) => `v-${from + i * 4 + p}`);
    expect((await produceValues(c, 'shared', p, vs)).errorCode).toBe(0);
    values.push(...vs);
  }
  c.close();
  return values;
}

describe('kcat -G (librdkafka balanced consumer)', () => {
  it('two processes share the partitions; a restarted consumer resumes at the committed offsets', async () => {
    const a = balancedConsumer('kcat-group', 'shared');
    await waitFor('the first kcat to get every partition', () => a.assigned.length === 4);
    const b = balancedConsumer('kcat-group', 'shared');
    await waitFor('the two kcats to split the partitions', () => {
      const all = [...a.assigned, ...b.assigned].sort();
      return a.assigned.length > 0 && b.assigned.length > 0 && all.join() === '0,1,2,3';
    });

    const first = await produceAll(0, 800);
    await waitFor('800 messages', () => a.lines.length + b.lines.length >= 800);
    const consumed = [...a.lines, ...b.lines].map((l) => l.split(' ')[2]);
    expect(consumed.sort()).toEqual([...first].sort());
    for (const c of [a, b]) {
      expect(c.lines.length).toBeGreaterThan(0);
      for (const l of c.lines) expect(c.assigned).toContain(Number(l.split(' ')[0]));
    }

    // stop both (kcat commits on a clean exit), write more, and read with a fresh process
    a.proc.kill('SIGTERM');
    b.proc.kill('SIGTERM');
    await Promise.all([a.exited, b.exited]);
    const second = await produceAll(800, 400);
    const out = await kcat(
      ['-b', broker.bootstrap, '-G', 'kcat-group', ...GROUP_SETTINGS, '-e', '-f', '%s\\n', 'shared'],
      {
        timeoutMs: 30_000,
      },
    );
    expect(
      out
        .split('\n')
        .filter((l) => l !== '')
        .sort(),
    ).toEqual([...second].sort());
  });
});
