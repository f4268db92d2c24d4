// How long the log cleaner holds the event loop: writes a compacted partition of --mb megabytes
// (keyed records, most of them superseded), then runs one cleaning pass while a 1 ms timer measures
// how late it fires (the longest event-loop block) and perf_hooks' event-loop delay histogram runs.
//
//   npx tsx bench/cleaner.ts [--mb 50] [--codec none|gzip|snappy|lz4|zstd] [--keys 20000] [--json]
//   (compiled: npm run build && node dist/bench/cleaner.js ...)

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { CompressionType } from '../src/protocol/records/compression/types.js';
import { encodeRecordBatch } from '../src/protocol/records/record-batch.js';
import { validateProducedBatches } from '../src/protocol/records/validate.js';
import { DEFAULT_LOG_CONFIG, LogCleaner, PartitionLog } from '../src/storage/index.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const megabytes = Number(arg('mb', '50'));
const codec = arg('codec', 'none') as CompressionType;
const keys = Number(arg('keys', '20000'));
const json = process.argv.includes('--json');
const quiet = { info() {}, warn() {}, error() {} };

/** Runs `work` while a 1 ms interval timer watches the event loop; the longest gap between two ticks. */
async function longestGap<T>(work: () => Promise<T>): Promise<{ gap: number; value: T }> {
  let longest = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  try {
    const value = await work();
    return { gap: longest, value };
  } finally {
    clearInterval(timer);
  }
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fluxmq-bench-cleaner-'));
  try {
    const log = PartitionLog.open({
      dir: path.join(dataDir, 'bench-0'),
      topic: 'bench',
      partition: 0,
      config: { ...DEFAULT_LOG_CONFIG, compact: true, retentionMs: -1, segmentBytes: 16 * 1024 * 1024 },
      logger: quiet,
      hadCleanShutdown: true,
    });
    // 100 records of ~500 bytes per batch, keys drawn from `keys`; values from a pool of 64 random
    // strings, so that compressed batches shrink about as much as typical JSON does (3-4x)
    const pool = Array.from({ length: 64 }, () => randomBytes(360).toString('base64'));
    let n = 0;
    const started = performance.now();
    while (log.size < megabytes * 1e6) {
      const records = Array.from({ length: 100 }, () => ({
        key: `key-${(n * 7919) % keys}`,
        value: pool[n++ % pool.length]!,
      }));
      const batch = await encodeRecordBatch({ records, compression: codec });
      const v = validateProducedBatches(batch);
      if (!v.ok) throw new Error(v.message);
      log.append(batch, v.batches);
    }
    log.roll();
    const writeSeconds = (performance.now() - started) / 1000;

    // start from a collected heap, so the garbage of writing the log is not counted against the cleaner
    (globalThis as { gc?: () => void }).gc?.();
    const cleaner = new LogCleaner({ dataDir, logs: () => [log], logger: quiet });
    // the same 1 ms timer on an idle event loop first: on a shared VM the process itself is
    // descheduled now and then, which shows up as a "block" that is no code's doing
    const idle = (await longestGap(() => new Promise((resolve) => setTimeout(resolve, 1000)))).gap;
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const t0 = performance.now();
    const { gap: longest, value: stats } = await longestGap(() => cleaner.cleanLog(log));
    const seconds = (performance.now() - t0) / 1000;
    histogram.disable();
    if (!stats) throw new Error('nothing was cleaned');
    const cleaned = stats;
    const result = {
      node: process.version,
      codec,
      logMB: +(cleaned.bytesRead / 1e6).toFixed(1),
      keys,
      records: cleaned.recordsRead,
      recordsRemoved: cleaned.recordsRemoved,
      cleanedMB: +(cleaned.bytesWritten / 1e6).toFixed(2),
      writeSeconds: +writeSeconds.toFixed(1),
      cleanSeconds: +seconds.toFixed(2),
      cleanMBps: +(cleaned.bytesRead / 1e6 / seconds).toFixed(0),
      longestBlockMs: +longest.toFixed(1),
      idleLongestGapMs: +idle.toFixed(1),
      loopDelayP99Ms: +(histogram.percentile(99) / 1e6).toFixed(1),
      loopDelayMaxMs: +(histogram.max / 1e6).toFixed(1),
    };
    log.close();
    if (json) console.log(JSON.stringify(result));
    else {
      console.log(
        `cleaned ${result.logMB} MB (${codec}, ${result.records} records, ${keys} keys) in ${result.cleanSeconds} s ` +
          `(${result.cleanMBps} MB/s) to ${result.cleanedMB} MB; longest event-loop block ${result.longestBlockMs} ms, ` +
          `loop delay p99 ${result.loopDelayP99Ms} ms, max ${result.loopDelayMaxMs} ms ` +
          `(idle loop, same timer: longest gap ${result.idleLongestGapMs} ms)`,
      );
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
