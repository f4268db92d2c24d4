// CRC32C throughput: the native @node-rs/crc32 against the pure-JS fallback (crc-32), on a 1 MiB
// buffer (large batches) and 200 B buffers (small batches, where call overhead dominates).
// Each figure is the median of several timed runs; MB = 10^6 bytes.
//
//   npm run build && npm run bench:crc          (or: npx tsx bench/crc32c.ts)
//   options: --json   --runs N (default 7)   --ms M (target duration of one run, default 60)

import { crc32c, crc32cImplementation, pureJsCrc32c } from '../src/protocol/records/crc32c.js';

type Crc = (data: Buffer, seed?: number) => number;

interface Row {
  implementation: string;
  size: number;
  mbPerSec: number;
  nsPerCall: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const json = process.argv.includes('--json');
const runs = arg('--runs', 7);
const runMs = arg('--ms', 60);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

let sink = 0;

/** ns per call, median of `runs` runs, each sized to last about `runMs`. */
function measure(fn: Crc, buf: Buffer): number {
  // calibrate the iteration count
  let iterations = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink ^= fn(buf);
    const ns = Number(process.hrtime.bigint() - t0);
    if (ns > runMs * 1e6 * 0.25) {
      iterations = Math.max(1, Math.round((iterations * runMs * 1e6) / ns));
      break;
    }
    iterations *= 4;
  }
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink ^= fn(buf);
    samples.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  return median(samples);
}

const sizes = [1024 * 1024, 200];
const impls: [string, Crc][] = [
  [`native (${crc32cImplementation === 'native' ? '@node-rs/crc32' : 'unavailable: pure JS'})`, crc32c],
  ['pure JS (crc-32)', pureJsCrc32c],
];

const check = Buffer.from('123456789');
for (const [name, fn] of impls) {
  if (fn(check) !== 0xe3069283) throw new Error(`${name} computes a wrong CRC32C`);
}

const rows: Row[] = [];
for (const size of sizes) {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 2654435761) >>> 24;
  for (const [implementation, fn] of impls) {
    const ns = measure(fn, buf);
    rows.push({ implementation, size, nsPerCall: ns, mbPerSec: (size / ns) * 1e3 });
  }
}

const ratio = (size: number): number => {
  const [a, b] = rows.filter((r) => r.size === size);
  return b!.nsPerCall / a!.nsPerCall;
};

if (json) {
  console.log(
    JSON.stringify(
      {
        node: process.version,
        runs,
        runMs,
        rows,
        ratios: Object.fromEntries(sizes.map((s) => [s, ratio(s)])),
      },
      null,
      2,
    ),
  );
} else {
  const label = (size: number) => (size >= 1024 * 1024 ? `${size / (1024 * 1024)} MiB` : `${size} B`);
  const lines = [
    `| implementation | buffer | MB/s | ns/call |`,
    `| --- | --- | ---: | ---: |`,
    ...rows.map(
      (r) =>
        `| ${r.implementation} | ${label(r.size)} | ${r.mbPerSec.toFixed(0)} | ${r.nsPerCall.toFixed(r.nsPerCall < 1000 ? 1 : 0)} |`,
    ),
  ];
  console.log(`CRC32C, Node ${process.version}, median of ${runs} runs of ~${runMs} ms each\n`);
  console.log(lines.join('\n'));
  console.log('');
  for (const s of sizes) console.log(`native is ${ratio(s).toFixed(2)}x faster than pure JS at ${label(s)}`);
}
if (sink === 0.5) console.log(sink); // keep the results observable
