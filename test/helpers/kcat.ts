// kcat (librdkafka) as a test peer.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function kcat(
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  const child = run('kcat', args, {
    timeout: opts.timeoutMs ?? 30_000,
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
  if (opts.input !== undefined) {
    child.child.stdin!.end(opts.input);
  }
  const { stdout } = await child;
  return stdout;
}
