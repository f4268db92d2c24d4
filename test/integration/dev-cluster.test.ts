// `fluxmq dev cluster --brokers 3` end to end: etcd plus three brokers on free ports, the printed
// bootstrap string works, `cluster describe` lists the three brokers, a topic with replication factor
// 3 can be created, and SIGINT stops every child (brokers, then etcd) before the command exits.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/dev/cluster.js';
import { PROJECT_ROOT, tempDataDir } from '../helpers/broker.js';
import { runCli } from '../helpers/cli.js';
import { portSlice } from '../helpers/http.js';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** `count` consecutive free ports (a random start in this test worker's slice of ports). */
async function freePorts(count: number): Promise<number> {
  const { base, size } = portSlice();
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = base + Math.floor(Math.random() * (size - count));
    let ok = true;
    for (let p = start; p < start + count && ok; p++) ok = await portFree(p);
    if (ok) return start;
  }
  throw new Error('no free port range found');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: number[] = [];

afterAll(() => {
  // never leave a broker or etcd behind when an assertion failed midway
  for (const pid of children) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

describe('dev cluster', () => {
  it(
    'starts etcd and 3 brokers, serves a replicated topic, and stops everything on SIGINT',
    { timeout: 240_000 },
    async () => {
      expect(findExecutable('etcd'), 'etcd must be on PATH (Debian package etcd-server)').not.toBeNull();
      const base = await freePorts(3);
      const etcd = await freePorts(2);
      const dataDir = tempDataDir('fluxmq-dev-cluster-');
      const proc = spawn(
        process.execPath,
        [
          join(PROJECT_ROOT, 'bin/run.js'),
          'dev',
          'cluster',
          '--brokers',
          '3',
          '--base-port',
          String(base),
          '--etcd-port',
          String(etcd),
          '--etcd-peer-port',
          String(etcd + 1),
          '--data-dir',
          dataDir,
          '--log-format',
          'json',
        ],
        { cwd: PROJECT_ROOT, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(proc.pid!);
      let out = '';
      proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      proc.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
      let done = false;
      void exited.then(() => (done = true));

      // the printed bootstrap string
      const deadline = Date.now() + 120_000;
      let bootstrap: string | undefined;
      while (!bootstrap) {
        bootstrap = /--bootstrap-server (\S+)/.exec(out)?.[1];
        if (bootstrap) break;
        if (done || Date.now() > deadline)
          throw new Error(`no bootstrap printed; output:\n${out.slice(-4000)}`);
        await sleep(250);
      }
      expect(bootstrap).toBe(`127.0.0.1:${base},127.0.0.1:${base + 1},127.0.0.1:${base + 2}`);
      expect(out).toMatch(/broker-1 \| /);
      expect(out).toMatch(/etcd\s+\| |etcd pid \d+/);
      const pids = [...out.matchAll(/│ (\d+) │\s*$/gm)].map((m) => Number(m[1]));
      const etcdPid = Number(/etcd pid (\d+)/.exec(out)?.[1]);
      expect(pids).toHaveLength(3);
      children.push(...pids, etcdPid);

      // all three brokers in the cluster description
      let brokers: { id: number; port: number }[] = [];
      const seen = Date.now() + 60_000;
      while (brokers.length < 3 && Date.now() < seen) {
        const r = await runCli(['cluster', 'describe', '--bootstrap-server', bootstrap, '--json']);
        if (r.code === 0)
          brokers = (JSON.parse(r.stdout) as { brokers: { id: number; port: number }[] }).brokers;
        if (brokers.length < 3) await sleep(500);
      }
      expect(brokers.map((b) => [b.id, b.port])).toEqual([
        [1, base],
        [2, base + 1],
        [3, base + 2],
      ]);

      const created = await runCli([
        'topics',
        'create',
        'replicated',
        '-r',
        '3',
        '-p',
        '2',
        '--bootstrap-server',
        bootstrap,
        '--json',
      ]);
      expect(created.code, created.stdout + created.stderr).toBe(0);
      expect(JSON.parse(created.stdout)).toMatchObject({
        name: 'replicated',
        partitions: 2,
        replicationFactor: 3,
      });

      // SIGINT: brokers, then etcd, then the command itself
      proc.kill('SIGINT');
      const code = await Promise.race([exited, sleep(120_000).then(() => 'timeout' as const)]);
      expect(code, out.slice(-4000)).toBe(0);
      expect(out).toContain('Stopped.');
      for (const pid of [...pids, etcdPid]) expect(alive(pid), `pid ${pid} still running`).toBe(false);
    },
  );
});
