// Reads the record batch headers stored in a partition's segment files, straight from disk, so
// tests can check what the broker really wrote (offsets, codecs) without going through the broker.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ATTRIBUTES,
  BATCH_LENGTH,
  COMPRESSION_MASK,
  LOG_OVERHEAD,
  readInt64,
} from '../../src/protocol/records/batch-header.js';

export interface StoredBatch {
  baseOffset: number;
  size: number;
  compression: number;
  file: string;
}

export function storedBatches(dataDir: string, topic: string, partition: number): StoredBatch[] {
  const dir = join(dataDir, `${topic}-${partition}`);
  const out: StoredBatch[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()) {
    const buf = readFileSync(join(dir, file));
    let at = 0;
    while (at + LOG_OVERHEAD <= buf.length) {
      const size = LOG_OVERHEAD + buf.readInt32BE(at + BATCH_LENGTH);
      if (at + size > buf.length) break;
      out.push({
        baseOffset: readInt64(buf, at),
        size,
        compression: buf.readInt16BE(at + ATTRIBUTES) & COMPRESSION_MASK,
        file,
      });
      at += size;
    }
  }
  return out;
}
