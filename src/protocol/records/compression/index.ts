// compress/decompress for the five Kafka codecs. One module per codec; this file dispatches.
// Errors: undecodable input throws CorruptRecordError; a codec that cannot load throws
// UnsupportedCompressionError.

import { compressGzip, decompressGzip } from './gzip.js';
import { compressLz4, decompressLz4 } from './lz4.js';
import { compressSnappy, decompressSnappy } from './snappy.js';
import type { CompressionType, CompressOptions } from './types.js';
import { compressZstd, decompressZstd } from './zstd.js';

export * from './types.js';
export { compressGzip, decompressGzip } from './gzip.js';
export {
  compressLz4,
  decompressLz4,
  compressLz4FrameJs,
  decompressLz4FrameJs,
  lz4Implementation,
} from './lz4.js';
export {
  compressSnappy,
  compressSnappyRaw,
  decompressSnappy,
  isXerial,
  XERIAL_MAGIC,
  XERIAL_HEADER_SIZE,
  XERIAL_BLOCK_SIZE,
} from './snappy.js';
export { compressZstd, decompressZstd, ZSTD_DEFAULT_LEVEL } from './zstd.js';

export async function compress(
  type: CompressionType,
  data: Buffer,
  options: CompressOptions = {},
): Promise<Buffer> {
  switch (type) {
    case 'none':
      return data;
    case 'gzip':
      return compressGzip(data, options);
    case 'snappy':
      return compressSnappy(data);
    case 'lz4':
      return compressLz4(data);
    case 'zstd':
      return compressZstd(data, options);
    default:
      throw new TypeError(`unknown compression type ${String(type)}`);
  }
}

export async function decompress(type: CompressionType, data: Buffer): Promise<Buffer> {
  switch (type) {
    case 'none':
      return data;
    case 'gzip':
      return decompressGzip(data);
    case 'snappy':
      return decompressSnappy(data);
    case 'lz4':
      return decompressLz4(data);
    case 'zstd':
      return decompressZstd(data);
    default:
      throw new TypeError(`unknown compression type ${String(type)}`);
  }
}
