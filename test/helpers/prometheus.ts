// A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: every line
// must be a HELP, TYPE or other comment, a blank line, or a well-formed sample of the metric family
// declared just before it. Also checks what a scraper relies on: one family per name, no duplicate
// series, non-negative counters, cumulative histogram buckets ending in +Inf equal to _count.

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: PromSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export class ExpositionError extends Error {}

function fail(lineNo: number, line: string, why: string): never {
  throw new ExpositionError(`line ${lineNo}: ${why}: ${JSON.stringify(line)}`);
}

/** The format takes Go's ParseFloat syntax: decimals, exponents, and NaN / Inf in any letter case. */
function parseValue(text: string): number | null {
  if (/^nan$/i.test(text)) return NaN;
  const inf = /^([-+]?)inf(inity)?$/i.exec(text);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : null;
}

/** Parses `{a="x",b="y"}` starting at `at`; returns the labels and the index after `}`. */
function parseLabels(
  line: string,
  at: number,
  lineNo: number,
): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    if (line[i] === '}') return { labels, end: i + 1 };
    const eq = line.indexOf('=', i);
    if (eq < 0) fail(lineNo, line, 'label without =');
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) fail(lineNo, line, `bad label name ${name}`);
    if (name in labels) fail(lineNo, line, `label ${name} twice`);
    if (line[eq + 1] !== '"') fail(lineNo, line, 'label value not quoted');
    let j = eq + 2;
    let value = '';
    for (;;) {
      const c = line[j];
      if (c === undefined) fail(lineNo, line, 'unterminated label value');
      if (c === '"') break;
      if (c === '\\') {
        const n = line[j + 1];
        if (n === '\\') value += '\\';
        else if (n === '"') value += '"';
        else if (n === 'n') value += '\n';
        else fail(lineNo, line, 'bad escape in label value');
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') fail(lineNo, line, 'expected , or } after a label');
  }
}

function familyOf(sampleName: string, families: Map<string, PromFamily>): PromFamily | undefined {
  const exact = families.get(sampleName);
  if (exact) return exact;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const f = families.get(sampleName.slice(0, -suffix.length));
    if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f;
  }
  return undefined;
}

export function parseExposition(text: string): Map<string, PromFamily> {
  if (!text.endsWith('\n')) throw new ExpositionError('exposition does not end with a newline');
  const families = new Map<string, PromFamily>();
  const seenSeries = new Set<string>();
  const closed = new Set<string>();
  let current: PromFamily | null = null;
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, idx) => {
    const lineNo = idx + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) return; // other comments are allowed
      const [, kind, name, rest = ''] = m;
      if (!METRIC_NAME.test(name!)) fail(lineNo, line, 'bad metric name');
      if (closed.has(name!)) fail(lineNo, line, `family ${name} appears twice`);
      let f = families.get(name!);
      if (!f) {
        if (current && current.name !== name) closed.add(current.name);
        f = { name: name!, type: 'untyped', help: '', samples: [] };
        families.set(name!, f);
      } else if (f.samples.length > 0) {
        fail(lineNo, line, `${kind} after samples of ${name}`);
      }
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) fail(lineNo, line, `unknown type ${rest}`);
        f.type = rest as PromFamily['type'];
      } else {
        f.help = rest;
      }
      current = f;
      return;
    }
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    const nameEnd = brace >= 0 && brace < space ? brace : space;
    if (nameEnd <= 0) fail(lineNo, line, 'no value');
    const name = line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) fail(lineNo, line, 'bad metric name');
    let labels: Record<string, string> = {};
    let rest: string;
    if (nameEnd === brace) {
      const parsed = parseLabels(line, brace, lineNo);
      labels = parsed.labels;
      rest = line.slice(parsed.end);
    } else {
      rest = line.slice(nameEnd);
    }
    const parts = rest.trim().split(' ');
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) fail(lineNo, line, 'bad value part');
    const value = parseValue(parts[0]!);
    if (value === null) fail(lineNo, line, 'bad value');
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) fail(lineNo, line, 'bad timestamp');
    const family = familyOf(name, families);
    if (!family) fail(lineNo, line, `sample of ${name} without a declared family`);
    if (current !== family) fail(lineNo, line, `sample of ${family.name} outside its group`);
    if (family.type === 'counter' && !(value >= 0)) fail(lineNo, line, 'negative counter');
    if (name.endsWith('_bucket') && family.type === 'histogram' && labels.le === undefined)
      fail(lineNo, line, 'bucket without le');
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (seenSeries.has(key)) fail(lineNo, line, 'duplicate series');
    seenSeries.add(key);
    family.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: PromFamily): void {
  const groups = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { buckets: [] }));
    if (s.name === `${f.name}_bucket`) g.buckets.push([parseValue(le!) ?? NaN, s.value]);
    if (s.name === `${f.name}_count`) g.count = s.value;
  }
  for (const [key, g] of groups) {
    const where = `histogram ${f.name} ${key}`;
    if (g.buckets.length === 0 || g.buckets[g.buckets.length - 1]![0] !== Infinity)
      throw new ExpositionError(`${where}: no +Inf bucket last`);
    for (let i = 1; i < g.buckets.length; i++) {
      if (g.buckets[i]![0] <= g.buckets[i - 1]![0]) throw new ExpositionError(`${where}: le not increasing`);
      if (g.buckets[i]![1] < g.buckets[i - 1]![1])
        throw new ExpositionError(`${where}: buckets not cumulative`);
    }
    if (g.count !== g.buckets[g.buckets.length - 1]![1])
      throw new ExpositionError(`${where}: +Inf bucket differs from _count`);
  }
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none. */
export function sampleValue(
  families: Map<string, PromFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const matches = samplesOf(families, name).filter((s) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (matches.length > 1)
    throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value;
}

export function samplesOf(families: Map<string, PromFamily>, name: string): PromSample[] {
  const out: PromSample[] = [];
  for (const f of families.values()) for (const s of f.samples) if (s.name === name) out.push(s);
  return out;
}
