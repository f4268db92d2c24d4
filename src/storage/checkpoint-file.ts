// Kafka's offset checkpoint files (recovery-point-offset-checkpoint, log-start-offset-checkpoint, and
// in cluster mode replication-offset-checkpoint, the high watermarks):
//
//   0                  <- format version
//   2                  <- number of entries
//   my-topic 0 1234    <- topic partition offset, one per line
//   other 3 56
//
// Written atomically (tmp file, fsync, rename, fsync dir), so a crash leaves the old or the new file.

import fs from 'node:fs';
import { StorageError } from './errors.js';
import { errnoCode, writeFileAtomicSync } from './file-io.js';

export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint';
/** High watermark of every local replica (cluster mode; written by the replica manager). */
export const REPLICATION_OFFSET_CHECKPOINT_FILE = 'replication-offset-checkpoint';
export const OFFSET_CHECKPOINT_VERSION = 0;

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

export function formatOffsetCheckpoint(entries: readonly TopicPartitionOffset[]): string {
  let text = `${OFFSET_CHECKPOINT_VERSION}\n${entries.length}\n`;
  for (const e of entries) text += `${e.topic} ${e.partition} ${e.offset}\n`;
  return text;
}

/** Parses the text of a checkpoint file; throws StorageError naming `file` when it is malformed. */
export function parseOffsetCheckpoint(text: string, file = 'checkpoint'): TopicPartitionOffset[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const bad = (why: string): StorageError => new StorageError(`malformed checkpoint file ${file}: ${why}`);
  if (lines.length < 2) throw bad('missing version or entry count');
  if (lines[0].trim() !== String(OFFSET_CHECKPOINT_VERSION)) throw bad(`unsupported version "${lines[0]}"`);
  const count = Number(lines[1].trim());
  if (!Number.isSafeInteger(count) || count < 0) throw bad(`bad entry count "${lines[1]}"`);
  if (lines.length - 2 !== count) throw bad(`expected ${count} entries but found ${lines.length - 2}`);
  const entries: TopicPartitionOffset[] = [];
  for (let i = 2; i < lines.length; i++) {
    const parts = lines[i].trim().split(/\s+/);
    const partition = Number(parts[1]);
    const offset = Number(parts[2]);
    if (
      parts.length !== 3 ||
      !Number.isSafeInteger(partition) ||
      partition < 0 ||
      !Number.isSafeInteger(offset)
    ) {
      throw bad(`bad line "${lines[i]}"`);
    }
    entries.push({ topic: parts[0], partition, offset });
  }
  return entries;
}

/** The entries of a checkpoint file, or null when the file does not exist. */
export function readOffsetCheckpoint(file: string): TopicPartitionOffset[] | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw new StorageError(`cannot read checkpoint file ${file}: ${String(err)}`, { cause: err });
  }
  return parseOffsetCheckpoint(text, file);
}

export function writeOffsetCheckpoint(file: string, entries: readonly TopicPartitionOffset[]): void {
  try {
    writeFileAtomicSync(file, formatOffsetCheckpoint(entries));
  } catch (err) {
    throw new StorageError(`cannot write checkpoint file ${file}: ${String(err)}`, { cause: err });
  }
}
