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
}
