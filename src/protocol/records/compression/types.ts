// Compression codecs of Kafka record batches. The id is the value of attributes bits 0-2.

export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Codec names indexed by attribute id. */
export const COMPRESSION_TYPES: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export const COMPRESSION_IDS: Readonly<Record<CompressionType, number>> = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
};

/** The codec for an attribute id, or null for ids 5-7 (unassigned). */
export function compressionTypeFromId(id: number): CompressionType | null {
  return COMPRESSION_TYPES[id] ?? null;
}

export function compressionIdOf(type: CompressionType): number {
  const id = COMPRESSION_IDS[type];
  if (id === undefined) throw new TypeError(`unknown compression type ${String(type)}`);
  return id;
}

/**
 * Inputs smaller than this are (de)compressed synchronously: a libuv threadpool round trip costs
 * about as much as compressing 64 KiB. Larger inputs go to the threadpool so the event loop stays free.
 */
export const SYNC_THRESHOLD = 64 * 1024;

export interface CompressOptions {
  /** Codec-specific level (gzip 1-9, zstd 1-22); the codec's default when omitted. */
  level?: number;
}
