// What the metrics layer reads from other parts of the broker, as plain interfaces so those parts
// do not import prom-client and the metrics layer does not import them.

export interface GroupLagEntry {
  group: string;
  topic: string;
  partition: number;
  committedOffset: number;
  logEndOffset: number;
  lag: number;
}

export interface GroupSummary {
  group: string;
  /** Kafka's state names: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead. */
  state: string;
  members: number;
}

/** Implemented by the group coordinator; polled at scrape time. */
export interface GroupMetricsSource {
  groups(): GroupSummary[];
  lag(): GroupLagEntry[];
}
