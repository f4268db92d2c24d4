// zstd (codec 4): @mongodb-js/zstd (prebuilt native, async only). Level 3 is Kafka's default.
// Decompression accepts streamed frames without a content size (what Java's ZstdOutputStream writes).

import { createRequire } from 'node:module';
import { CorruptRecordError, UnsupportedCompressionError } from '../errors.js';
import type { CompressOptions } from './types.js';

interface ZstdBinding {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

const require = createRequire(import.meta.url);
let binding: ZstdBinding | null = null;

function zstd(): ZstdBinding {
  if (binding) return binding;
  try {
    binding = require('@mongodb-js/zstd') as ZstdBinding;
    return binding;
  } catch (err) {
    throw new UnsupportedCompressionError(`zstd is unavailable on this platform: ${(err as Error).message}`);
  }
}

export const ZSTD_DEFAULT_LEVEL = 3;

export async function compressZstd(data: Buffer, options: CompressOptions = {}): Promise<Buffer> {
  return zstd().compress(data, options.level ?? ZSTD_DEFAULT_LEVEL);
}

export async function decompressZstd(data: Buffer): Promise<Buffer> {
  const z = zstd();
  try {
    return await z.decompress(data);
  } catch (err) {
    throw new CorruptRecordError(`zstd: ${(err as Error).message}`);
  }
}
