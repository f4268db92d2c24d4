// gzip (codec 1): node:zlib. Java writes a single gzip member; gunzip also accepts concatenated ones.

import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { CorruptRecordError } from '../errors.js';
import { SYNC_THRESHOLD, type CompressOptions } from './types.js';

const gzipAsync = promisify(zlib.gzip);
const gunzipAsync = promisify(zlib.gunzip);

export async function compressGzip(data: Buffer, options: CompressOptions = {}): Promise<Buffer> {
  const opts: zlib.ZlibOptions = options.level === undefined ? {} : { level: options.level };
  return data.length < SYNC_THRESHOLD ? zlib.gzipSync(data, opts) : gzipAsync(data, opts);
}

export async function decompressGzip(data: Buffer): Promise<Buffer> {
  try {
    return data.length < SYNC_THRESHOLD / 4 ? zlib.gunzipSync(data) : await gunzipAsync(data);
  } catch (err) {
    throw new CorruptRecordError(`gzip: ${(err as Error).message}`);
  }
}
