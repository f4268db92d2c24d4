// Starts a real broker process (`fluxmq serve`) on a free port with a temp data dir, for tests that
// need real TCP, real files, and the freedom to SIGTERM or kill -9 it.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

export interface RunningBroker {
  port: number;
  bootstrap: string;
  dataDir: string;
  proc: ChildProcess;
  /** Log lines so far (JSON objects). */
  logs: Record<string, unknown>[];
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill9(): Promise<void>;
}

export function tempDataDir(prefix = 'fluxmq-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface StartOptions {
  dataDir?: string;
  port?: number;
  overrides?: Record<string, string | number | boolean>;
  env?: NodeJS.ProcessEnv;
}

export async function startBroker(opts: StartOptions = {}): Promise<RunningBroker> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const args = [
    join(PROJECT_ROOT, 'bin/run.js'),
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    String(opts.port ?? 0),
    '--data-dir',
    dataDir,
    '--log-format',
    'json',
    '--log-level',
    'info',
  ];
  for (const [k, v] of Object.entries(opts.overrides ?? {})) args.push('--override', `${k}=${String(v)}`);
  const proc = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    // HTTP is off unless a test turns it on (with an override, or FLUXMQ_HTTP_PORT in opts.env).
    env: { ...process.env, FORCE_COLOR: '0', FLUXMQ_HTTP_PORT: '0', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: {
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  let stderr = '';
  let buffered = '';
  proc.stdout!.setEncoding('utf8').on('data', (data: string) => {
    buffered += data;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { msg: line, raw: true };
      }
      logs.push(parsed);
      for (const w of [...waiters]) {
        if (w.match(parsed)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));

  const waitForLog = (match: (l: Record<string, unknown>) => boolean, timeoutMs = 20_000) => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((res, rej) => {
      const timer = setTimeout(
        () =>
          rej(
            new Error(
              `broker log line not seen in ${timeoutMs} ms; stderr: ${stderr}\nlogs: ${JSON.stringify(logs.slice(-20))}`,
            ),
          ),
        timeoutMs,
      );
      const w = {
        match,
        resolve: (l: Record<string, unknown>) => {
          clearTimeout(timer);
          res(l);
        },
      };
      waiters.push(w);
      void exited.then((code) => {
        clearTimeout(timer);
        rej(
          new Error(
            `broker exited with code ${code} before the expected log line; stderr: ${stderr}\nlogs: ${JSON.stringify(logs.slice(-20))}`,
          ),
        );
      });
    });
  };

  const bound = await waitForLog((l) => l.msg === 'listener bound');
  await waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('started'));
  const port = bound.port as number;
  return {
    port,
    bootstrap: `127.0.0.1:${port}`,
    dataDir,
    proc,
    logs,
    waitForLog,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
