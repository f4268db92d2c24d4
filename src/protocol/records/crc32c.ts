// CRC32C (Castagnoli), the checksum of RecordBatch v2. The native @node-rs/crc32 is several times
// faster than pure JS on large batches (see BENCHMARKS.md); crc-32's crc32c is the fallback when the
// native module cannot load on a platform.

import { createRequire } from 'node:module';

type Crc32c = (data: Buffer, seed?: number) => number;

const require = createRequire(import.meta.url);

function loadNative(): Crc32c | null {
  if (process.env.FLUXMQ_CRC32C === 'js') return null;
  try {
    const mod = require('@node-rs/crc32') as { crc32c: (input: Buffer, initial?: number) => number };
    return (data, seed = 0) => mod.crc32c(data, seed) >>> 0;
  } catch {
    return null;
  }
}

function loadPureJs(): Crc32c {
  const mod = require('crc-32/crc32c.js') as { buf: (data: Uint8Array, seed?: number) => number };
  // crc-32 takes and returns the CRC in its signed, pre-inverted "seed" convention
  return (data, seed = 0) => mod.buf(data, seed | 0) >>> 0;
}

export const pureJsCrc32c: Crc32c = loadPureJs();
const native = loadNative();

/** Which implementation is in use, for logs and benchmarks. */
export const crc32cImplementation: 'native' | 'js' = native ? 'native' : 'js';

/** CRC32C of `data` as an unsigned 32-bit integer; pass a previous result as `seed` to continue it. */
export const crc32c: Crc32c = native ?? pureJsCrc32c;
