// Producer ids: handed out from blocks whose upper bound is made durable before any id of the block
// is used, so an id is never reused after a restart (even after kill -9), as Kafka's
// ProducerIdManager does with its blocks in the metadata log. The file `producer-id-block` in the
// data directory holds the first id of the next block.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../../storage/file-io.js';

export const PRODUCER_ID_BLOCK_FILE = 'producer-id-block';
/** Ids per block (Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/** Producer ids per broker in a cluster (2^40; broker ids up to 8191 stay below 2^53). */
const ID_SPACE_SIZE = 2 ** 40;

export class ProducerIdManager {
  private next: number;
  private blockEnd: number;
  private readonly file: string;

  /**
   * `idSpace` (cluster mode: the broker id) gives each broker its own range of 2^40 ids, so brokers
   * hand out distinct producer ids without asking each other (Kafka asks its controller for blocks).
   */
  constructor(
    dataDir: string,
    private readonly idSpace = 0,
  ) {
    this.file = path.join(dataDir, PRODUCER_ID_BLOCK_FILE);
    this.next = readNextBlockStart(this.file);
    this.blockEnd = this.next;
  }

  /** A producer id never handed out before by this data directory (and broker id, in a cluster). */
  generate(): number {
    if (this.next >= this.blockEnd) {
      const end = this.next + PRODUCER_ID_BLOCK_SIZE;
      writeFileAtomicSync(this.file, `${JSON.stringify({ version: 0, nextBlockStart: end })}\n`);
      this.blockEnd = end;
    }
    return this.idSpace * ID_SPACE_SIZE + this.next++;
  }
}

function readNextBlockStart(file: string): number {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const parsed = JSON.parse(text) as { nextBlockStart?: unknown };
  const n = parsed.nextBlockStart;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new Error(`${file}: nextBlockStart must be a non-negative integer`);
  }
  return n;
}
