// Reads the fluxmq_* series the monitor needs out of a FluxMQ /metrics page (Prometheus text
// format) into a digest: per-topic message and byte counters, per-API request counts, latency
// buckets and error counts, connections per listener and the event-loop delay. Lenient: lines it
// does not understand are skipped, since a scrape must never break the view.

export interface TopicCounters {
  messagesIn: number;
  bytesIn: number;
  messagesOut: number;
  bytesOut: number;
  sizeBytes: number | null;
}

export interface ApiCounters {
  requests: number;
  /** Cumulative histogram buckets: upper bound in seconds (Infinity for +Inf) -> count. */
  buckets: Map<number, number>;
  /** Kafka error name -> occurrences. */
  errors: Map<string, number>;
}

export interface MetricsDigest {
  topics: Map<string, TopicCounters>;
  apis: Map<string, ApiCounters>;
  connections: Map<string, number>;
  eventLoopP99Seconds: number | null;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseValue(text: string): number {
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  return Number(text);
}

/** Samples of the families whose names start with `prefix` (comments and other series skipped). */
export function parseSamples(text: string, prefix = 'fluxmq_'): Sample[] {
  const out: Sample[] = [];
  lines: for (const raw of text.split('\n')) {
    if (!raw.startsWith(prefix)) continue;
    const line = raw.trimEnd();
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    let name: string;
    const labels: Record<string, string> = {};
    let rest: string;
    if (brace >= 0 && (space < 0 || brace < space)) {
      name = line.slice(0, brace);
      let i = brace + 1;
      for (;;) {
        if (line[i] === '}') break;
        const eq = line.indexOf('=', i);
        if (eq < 0 || line[eq + 1] !== '"') continue lines;
        const key = line.slice(i, eq);
        let j = eq + 2;
        let value = '';
        while (j < line.length && line[j] !== '"') {
          if (line[j] === '\\' && j + 1 < line.length) {
            const n = line[j + 1];
            value += n === 'n' ? '\n' : n;
            j += 2;
          } else {
            value += line[j];
            j++;
          }
        }
        labels[key] = value;
        i = j + 1;
        if (line[i] === ',') i++;
        if (i >= line.length) break;
      }
      rest = line.slice(line.indexOf('}', i) + 1).trim();
    } else {
      if (space < 0) continue;
      name = line.slice(0, space);
      rest = line.slice(space + 1).trim();
    }
    const value = parseValue(rest.split(/\s+/)[0] ?? '');
    if (Number.isNaN(value)) continue;
    out.push({ name, labels, value });
  }
  return out;
}

function topicOf(d: MetricsDigest, topic: string): TopicCounters {
  let t = d.topics.get(topic);
  if (!t)
    d.topics.set(topic, (t = { messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0, sizeBytes: null }));
  return t;
}

function apiOf(d: MetricsDigest, api: string): ApiCounters {
  let a = d.apis.get(api);
  if (!a) d.apis.set(api, (a = { requests: 0, buckets: new Map(), errors: new Map() }));
  return a;
}

export function emptyDigest(): MetricsDigest {
  return { topics: new Map(), apis: new Map(), connections: new Map(), eventLoopP99Seconds: null };
}

/** The digest of one /metrics page (histogram buckets summed over API versions). */
export function digestMetrics(text: string): MetricsDigest {
  const d = emptyDigest();
  for (const s of parseSamples(text)) {
    const l = s.labels;
    switch (s.name) {
      case 'fluxmq_topic_messages_in_total':
        if (l.topic !== undefined) topicOf(d, l.topic).messagesIn += s.value;
        break;
      case 'fluxmq_topic_bytes_in_total':
        if (l.topic !== undefined) topicOf(d, l.topic).bytesIn += s.value;
        break;
      case 'fluxmq_topic_messages_out_total':
        if (l.topic !== undefined) topicOf(d, l.topic).messagesOut += s.value;
        break;
      case 'fluxmq_topic_bytes_out_total':
        if (l.topic !== undefined) topicOf(d, l.topic).bytesOut += s.value;
        break;
      case 'fluxmq_topic_size_bytes':
        if (l.topic !== undefined) {
          const t = topicOf(d, l.topic);
          t.sizeBytes = (t.sizeBytes ?? 0) + s.value;
        }
        break;
      case 'fluxmq_requests_total':
        if (l.request !== undefined) apiOf(d, l.request).requests += s.value;
        break;
      case 'fluxmq_request_duration_seconds_bucket':
        if (l.request !== undefined && l.le !== undefined) {
          const le = parseValue(l.le);
          const b = apiOf(d, l.request).buckets;
          b.set(le, (b.get(le) ?? 0) + s.value);
        }
        break;
      case 'fluxmq_request_errors_total':
        if (l.request !== undefined && l.error !== undefined) {
          const e = apiOf(d, l.request).errors;
          e.set(l.error, (e.get(l.error) ?? 0) + s.value);
        }
        break;
      case 'fluxmq_connections_active':
        if (l.listener !== undefined)
          d.connections.set(l.listener, (d.connections.get(l.listener) ?? 0) + s.value);
        break;
      case 'fluxmq_event_loop_delay_seconds':
        if (l.quantile === '0.99') d.eventLoopP99Seconds = s.value;
        break;
    }
  }
  return d;
}

/** Several brokers' digests as one cluster-wide digest (counters and buckets summed). */
export function mergeDigests(digests: MetricsDigest[]): MetricsDigest {
  if (digests.length === 1) return digests[0]!;
  const d = emptyDigest();
  for (const x of digests) {
    for (const [name, t] of x.topics) {
      const into = topicOf(d, name);
      into.messagesIn += t.messagesIn;
      into.bytesIn += t.bytesIn;
      into.messagesOut += t.messagesOut;
      into.bytesOut += t.bytesOut;
      if (t.sizeBytes !== null) into.sizeBytes = (into.sizeBytes ?? 0) + t.sizeBytes;
    }
    for (const [name, a] of x.apis) {
      const into = apiOf(d, name);
      into.requests += a.requests;
      for (const [le, n] of a.buckets) into.buckets.set(le, (into.buckets.get(le) ?? 0) + n);
      for (const [e, n] of a.errors) into.errors.set(e, (into.errors.get(e) ?? 0) + n);
    }
    for (const [l, n] of x.connections) d.connections.set(l, (d.connections.get(l) ?? 0) + n);
  }
  return d;
}
