// Errors the storage layer raises. The broker maps them to Kafka error codes per partition:
// StorageError -> KAFKA_STORAGE_ERROR, OffsetOutOfRangeError -> OFFSET_OUT_OF_RANGE.

/** An I/O failure (disk full, EIO, corrupt data found at runtime, a log taken offline). */
export class StorageError extends Error {
  override readonly name: string = 'StorageError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A fetch offset below the log start offset or above the log end offset. */
export class OffsetOutOfRangeError extends Error {
  override readonly name: string = 'OffsetOutOfRangeError';

  constructor(
    readonly topicPartition: string,
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
  ) {
    super(
      `offset ${offset} of ${topicPartition} is out of range [${logStartOffset}, ${logEndOffset}] ` +
        `(log start offset, log end offset)`,
    );
  }
}
