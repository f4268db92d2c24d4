// Renderings of produced and consumed records: a table of where a produce went, and for consumed
// records plain values, JSON lines or a table. Keys, values and header values are shown as UTF-8
// text, base64 or hex.

import type { ProduceResult } from '../../client/producer.js';
import type { ConsumedRecord } from '../../client/reader.js';
import { table } from '../table.js';

export type BytesEncoding = 'utf8' | 'base64' | 'hex';

export function encodeBytes(b: Buffer | null, encoding: BytesEncoding): string | null {
  return b === null ? null : b.toString(encoding);
}

/** The JSON form of a consumed record (one JSON line, or an element of --json's messages). */
export interface RecordJson {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: string | null;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

export function recordJson(r: ConsumedRecord, encoding: BytesEncoding): RecordJson {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: encodeBytes(r.key, encoding),
    value: encodeBytes(r.value, encoding),
    headers: r.headers.map((h) => ({ key: h.key, value: encodeBytes(h.value, encoding) })),
  };
}

export function renderRecordsTable(records: RecordJson[]): string {
  if (records.length === 0) return 'No messages.';
  return table(
    ['PARTITION', 'OFFSET', 'TIMESTAMP', 'KEY', 'VALUE', 'HEADERS'],
    records.map((r) => [
      r.partition,
      r.offset,
      new Date(r.timestamp).toISOString(),
      r.key,
      r.value,
      r.headers.map((h) => `${h.key}=${h.value ?? ''}`).join(', '),
    ]),
  );
}

export function renderProduceResult(r: ProduceResult): string {
  return table(
    ['PARTITION', 'BASE OFFSET', 'MESSAGES'],
    r.partitions.map((p) => [p.partition, p.baseOffset < 0 ? null : p.baseOffset, p.count]),
  );
}
