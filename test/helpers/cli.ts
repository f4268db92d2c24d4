// Runs the built `fluxmq` CLI (node bin/run.js ...) as a user would, capturing stdout, stderr and
// the exit code.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './broker.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', ...opts.env };
  if (opts.env?.FLUXMQ_BOOTSTRAP_SERVER === undefined) delete env.FLUXMQ_BOOTSTRAP_SERVER;
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/run.js'), ...args], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(
        new Error(`fluxmq ${args.join(' ')} did not finish in time; stdout: ${stdout}; stderr: ${stderr}`),
      );
    }, opts.timeoutMs ?? 30_000);
    proc.once('error', reject);
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    proc.stdin.end(opts.input ?? '');
  });
}

/** Runs a command with --json against `bootstrap`; fails the test unless it exits 0. Returns the parsed stdout. */
export async function cliJson<T = Record<string, unknown>>(
  bootstrap: string,
  args: string[],
  opts: { input?: string } = {},
): Promise<T> {
  const r = await runCli([...args, '--bootstrap-server', bootstrap, '--json'], opts);
  if (r.code !== 0) throw new Error(`fluxmq ${args.join(' ')} exited ${r.code}: ${r.stdout} ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
