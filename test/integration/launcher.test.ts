// The `fluxmq` launcher's first line carries the Node.js flags fluxmq runs with. Run as a user runs
// it (the file itself, not `node bin/run.js`), the broker process must have those flags, and
// `fluxmq dev cluster` reads the same line for the brokers it starts.

import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launcherNodeFlags } from '../../src/dev/launcher-flags.js';
import { PROJECT_ROOT, tempDataDir } from '../helpers/broker.js';

const LAUNCHER = join(PROJECT_ROOT, 'bin/run.js');
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

describe('launcher flags', () => {
  it('are read from the #! line', () => {
    expect(readFileSync(LAUNCHER, 'utf8').split('\n', 1)[0]).toBe(
      '#!/usr/bin/env -S node --initial-old-space-size=256',
    );
    expect(launcherNodeFlags(LAUNCHER)).toEqual(['--initial-old-space-size=256']);

    const dir = tempDataDir('fluxmq-launcher-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const plain = join(dir, 'plain.js');
    writeFileSync(plain, '#!/usr/bin/env node\nconsole.log(1);\n');
    expect(launcherNodeFlags(plain)).toEqual([]);
    const several = join(dir, 'several.js');
    writeFileSync(several, '#!/usr/bin/env -S node --a=1  --b\n');
    expect(launcherNodeFlags(several)).toEqual(['--a=1', '--b']);
  });

  it('reach the broker process when the launcher is run as a program', async () => {
    const dataDir = tempDataDir();
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const proc = spawn(
      LAUNCHER,
      ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--log-format', 'json'],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, FLUXMQ_HTTP_PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    cleanup.push(() => proc.kill('SIGKILL'));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('listener bound')) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`fluxmq serve exited ${code}: ${out}`)));
    });
    // `env -S` execs node in place, so the pid we started is the broker's node process
    const argv = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0');
    expect(argv[0]).toMatch(/node/);
    expect(argv).toContain('--initial-old-space-size=256');
    expect(argv).toContain(LAUNCHER);
  });
});
