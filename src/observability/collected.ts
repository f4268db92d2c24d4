// Metrics whose values live in plain fields updated on the hot path and are turned into Prometheus
// samples only when /metrics is scraped. prom-client's labelled children hash their label values on
// every inc()/observe(); a request costs a few field increments here instead.

export type LabelSet = Record<string, string | number>;

export interface Sample {
  labels: LabelSet;
  value: number;
  /** Defaults to the metric's name; histograms use `<name>_bucket`, `_sum` and `_count`. */
  metricName?: string;
}

export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'summary';

/** A fixed-bucket histogram: observe() is a short scan and three increments. */
export class BucketHistogram {
  /** Non-cumulative counts; the last slot is the +Inf bucket. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    const n = bounds.length;
    let i = 0;
    while (i < n && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /**
   * Prometheus' cumulative `_bucket` lines, `_sum` and `_count`, as exposition text. `labels` is the
   * rendered label list without braces (see renderLabels), made once by the histogram's owner.
   */
  render(name: string, labels: string): string {
    const sep = labels === '' ? '' : ',';
    const plain = labels === '' ? '' : `{${labels}}`;
    let out = '';
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i]!;
      out += `${name}_bucket{${labels}${sep}le="${this.bounds[i]!}"} ${cumulative}\n`;
    }
    cumulative += this.counts[this.bounds.length]!;
    out += `${name}_bucket{${labels}${sep}le="+Inf"} ${cumulative}\n`;
    out += `${name}_sum${plain} ${formatValue(this.sum)}\n${name}_count${plain} ${this.count}\n`;
    return out;
  }
}

/** `a="x",b="y"`: a label list in exposition syntax, without the braces. */
export function renderLabels(labels: LabelSet): string {
  let out = '';
  for (const key in labels) out += `${out === '' ? '' : ','}${key}="${escapeLabelValue(labels[key]!)}"`;
  return out;
}

/** One metric family: its samples are made by `collect` at scrape time. */
export class CollectedMetric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricKind,
    readonly collect: () => Sample[] | string,
  ) {}
}

/**
 * The text exposition format (0.0.4) of `families`: HELP, TYPE, then one line per sample. Written
 * directly rather than through prom-client's per-sample formatting, which costs a few microseconds a
 * line: a scrape runs on the event loop, and a broker with many partitions has many lines.
 */
export function renderExposition(families: readonly CollectedMetric[]): string {
  let out = '';
  for (const f of families) {
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    const samples = f.collect();
    if (typeof samples === 'string') {
      out += samples;
      continue;
    }
    for (const s of samples) {
      const labels = renderLabels(s.labels);
      out += `${s.metricName ?? f.name}${labels === '' ? '' : `{${labels}}`} ${formatValue(s.value)}\n`;
    }
  }
  return out;
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(value: string | number): string {
  if (typeof value === 'number') return formatValue(value);
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : value;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
