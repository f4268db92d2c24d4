// Public API of the record layer: RecordBatch v2, compression codecs, produce validation, control
// records and legacy message sets.

export * from './batch-header.js';
export { crc32c, pureJsCrc32c, crc32cImplementation } from './crc32c.js';
export * from './errors.js';
export * from './compression/index.js';
export {
  encodeRecordBatch,
  encodeRecordBatchSync,
  decodeRecordBatches,
  type RecordHeader,
  type RecordInput,
  type BatchInput,
  type DecodedRecord,
  type DecodedBatch,
} from './record-batch.js';
export {
  validateProducedBatches,
  scanBatches,
  BatchScanner,
  type ValidatedBatch,
  type BatchValidation,
  type ProduceValidationOptions,
  type ScanOptions,
  type ScanStop,
  type ScannedBatch,
  type BatchScan,
} from './validate.js';
export * from './control-record.js';
export {
  decodeLegacyMessageSet,
  decodeLegacyEntry,
  legacyEntrySize,
  crc32Ieee,
  type LegacyMessage,
} from './legacy.js';
