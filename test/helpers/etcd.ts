// Starts a real single-member etcd (the `etcd` binary on PATH) on free loopback ports with its own
// temp data dir, for cluster tests. restart() keeps the data dir and ports, as an etcd that was
// restarted in place (leases and keys survive; clients must reconnect).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './http.js';

export interface RunningEtcd {
  /** host:port of the client URL. */
  endpoint: string;
  dataDir: string;
  /** SIGTERM, wait for exit, and remove the data dir. */
  stop(): Promise<void>;
  /** SIGKILL without waiting (the data dir stays for restart()). */
  kill(): void;
  /** Stops the process (if running) and starts it again on the same ports and data dir. */
  restart(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Never leave an etcd behind when a test worker exits early.
  process.on('exit', () => {
    for (const p of running) p.kill('SIGKILL');
  });
}

async function waitHealthy(clientUrl: string, proc: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`etcd exited (${proc.exitCode ?? proc.signalCode}) before it was ready: ${stderr()}`);
    }
    try {
      const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok && ((await res.json()) as { health?: string }).health === 'true') return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`etcd did not become healthy at ${clientUrl}: ${stderr()}`);
}

function waitExit(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

export async function startEtcd(): Promise<RunningEtcd> {
  installExitHook();
  const dataDir = mkdtempSync(join(tmpdir(), 'fluxmq-etcd-'));
  const clientPort = await freePort();
  let peerPort = await freePort();
  while (peerPort === clientPort) peerPort = await freePort();
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const name = `fluxmq-test-${clientPort}`;
  const args = [
    '--name',
    name,
    '--data-dir',
    join(dataDir, 'member'),
    '--listen-client-urls',
    clientUrl,
    '--advertise-client-urls',
    clientUrl,
    '--listen-peer-urls',
    peerUrl,
    '--initial-advertise-peer-urls',
    peerUrl,
    '--initial-cluster',
    `${name}=${peerUrl}`,
    '--initial-cluster-state',
    'new',
    '--initial-cluster-token',
    name,
    // A single member elects itself quickly with short Raft timings.
    '--heartbeat-interval',
    '50',
    '--election-timeout',
    '300',
    '--logger',
    'zap',
    '--log-level',
    'error',
  ];

  let proc: ChildProcess | null = null;
  let stderrTail = '';

  const launch = async (): Promise<void> => {
    stderrTail = '';
    const p = spawn('etcd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = p;
    running.add(p);
    p.once('exit', () => running.delete(p));
    p.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-4000);
    });
    await waitHealthy(clientUrl, p, () => stderrTail);
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const p = proc;
    if (!p) return;
    proc = null;
    if (p.exitCode === null && p.signalCode === null) p.kill(signal);
    await waitExit(p);
  };

  await launch();

  return {
    endpoint: `127.0.0.1:${clientPort}`,
    dataDir,
    async stop() {
      await halt('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
    kill() {
      const p = proc;
      proc = null;
      if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    },
    async restart() {
      await halt('SIGTERM');
      await launch();
    },
  };
}
