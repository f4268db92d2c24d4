// Integration and fault tests run the built CLI (bin/run.js loads dist/). `npm test` builds first
// and sets FLUXMQ_TEST_BUILT; a direct `npx vitest run` of those suites builds here so they never
// run stale code. Unit-test runs skip the build.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup(): void {
  if (process.env.FLUXMQ_TEST_BUILT === '1') return;
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('-') && a !== 'run');
  const needsCli = filters.length === 0 || filters.some((f) => /integration|faults/.test(f));
  if (!needsCli) return;
  execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
    stdio: 'inherit',
  });
}
