// Errors raised while decoding records. Each carries the Kafka error code a broker would answer with.

/** Kafka error codes used by the record layer (see Kafka's errors table). */
export const RecordErrorCode = {
  CORRUPT_MESSAGE: 2,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  INVALID_RECORD: 87,
} as const;

/** Bytes that cannot be a valid batch: bad CRC, bad lengths, undecodable compressed data, unknown magic. */
export class CorruptRecordError extends Error {
  override name = 'CorruptRecordError';
  readonly errorCode: number = RecordErrorCode.CORRUPT_MESSAGE;
}

/** A codec id we do not know, or a codec whose native module cannot be loaded on this platform. */
export class UnsupportedCompressionError extends Error {
  override name = 'UnsupportedCompressionError';
  readonly errorCode: number = RecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
}
