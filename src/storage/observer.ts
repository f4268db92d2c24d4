// What the storage layer reports to whoever watches it (the metrics layer sets one), as a plain
// interface so storage does not import prom-client. Every member is optional and must be cheap: it
// runs on the append path (rolls) and after each fsync.

export interface StorageObserver {
  /** One flush of a partition (segments, indexes and directory fsynced) took `seconds`. */
  flushed?(seconds: number, background: boolean): void;
  /** The active segment of `topicPartition` was rolled; the new one starts at `baseOffset`. */
  segmentRolled?(topicPartition: string, baseOffset: number): void;
  /** `count` closed segments of `topicPartition` were deleted (retention or a moved log start offset). */
  segmentsDeleted?(topicPartition: string, count: number): void;
  /**
   * An I/O error in `operation` of `topicPartition`: 'append' (rolled back: the partition answers
   * KAFKA_STORAGE_ERROR until an append succeeds), 'clean', or what took the log offline ('read',
   * 'flush', 'truncate', ...).
   */
  storageError?(topicPartition: string, operation: string): void;
  /** The log cleaner finished a pass over `topicPartition`. */
  logCleaned?(topicPartition: string, stats: CleanerPassStats): void;
}

/** What one cleaning pass over a partition did. */
export interface CleanerPassStats {
  /** Offsets [firstDirtyOffset, endOffset) were dirty; everything below endOffset is clean now. */
  firstDirtyOffset: number;
  endOffset: number;
  /** Segments replaced and the cleaned segments that replaced them. */
  segmentsRead: number;
  segmentsWritten: number;
  bytesRead: number;
  bytesWritten: number;
  recordsRead: number;
  recordsRemoved: number;
  tombstonesRemoved: number;
  seconds: number;
}
