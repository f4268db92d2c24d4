// Version branching for generated code. For each field the versions a struct is encoded in are split
// into runs with the same encoding; each run becomes one straight-line `if (version >= N)` branch.

export interface Segment<T> {
  readonly first: number;
  readonly last: number;
  readonly value: T;
}

/** Groups consecutive versions (ascending) whose values have the same key. */
export function segmentsOf<T>(
  versions: readonly number[],
  valueAt: (v: number) => T,
  key: (t: T) => string,
): Segment<T>[] {
  const out: Segment<T>[] = [];
  let cur: { first: number; last: number; value: T; key: string } | undefined;
  for (const v of versions) {
    const value = valueAt(v);
    const k = key(value);
    if (cur !== undefined && cur.key === k) {
      cur.last = v;
    } else {
      if (cur !== undefined) out.push(cur);
      cur = { first: v, last: v, value, key: k };
    }
  }
  if (cur !== undefined) out.push(cur);
  return out.map(({ first, last, value }) => ({ first, last, value }));
}

export interface Branch<T> {
  /** null: no test needed (the branch covers every version not handled before it). */
  readonly cond: string | null;
  readonly segment: Segment<T>;
}

/**
 * Orders segments from the newest version down and gives each the shortest test that is correct for
 * the versions that can reach it. Segments for which `skip` is true produce no branch.
 */
export function branchesOf<T>(
  versions: readonly number[],
  segments: readonly Segment<T>[],
  skip: (s: Segment<T>) => boolean = () => false,
): Branch<T>[] {
  const remaining = new Set(versions);
  const out: Branch<T>[] = [];
  for (const segment of [...segments].reverse()) {
    if (skip(segment)) continue;
    const above = [...remaining].some((v) => v > segment.last);
    const below = [...remaining].some((v) => v < segment.first);
    const tests: string[] = [];
    if (below && above && segment.first === segment.last) {
      tests.push(`version === ${segment.first}`);
    } else {
      if (below) tests.push(`version >= ${segment.first}`);
      if (above) tests.push(`version <= ${segment.last}`);
    }
    out.push({ cond: tests.length === 0 ? null : tests.join(' && '), segment });
    for (const v of versions) if (v >= segment.first && v <= segment.last) remaining.delete(v);
    if (tests.length === 0) break;
  }
  return out;
}

/** Renders branches as an if / else if / else chain of statement blocks. */
export function renderIfChain(
  branches: readonly { cond: string | null; lines: readonly string[] }[],
): string[] {
  if (branches.length === 0) return [];
  if (branches.length === 1 && branches[0]!.cond === null) return [...branches[0]!.lines];
  const out: string[] = [];
  branches.forEach((b, i) => {
    const head = i === 0 ? `if (${b.cond}) {` : b.cond === null ? '} else {' : `} else if (${b.cond}) {`;
    out.push(head, ...b.lines);
  });
  out.push('}');
  return out;
}

/** Renders branches whose bodies are expressions as a conditional expression. */
export function renderTernary(branches: readonly { cond: string | null; expr: string }[]): string {
  let out = '';
  for (const b of branches) {
    if (b.cond === null) return out + b.expr;
    out += `${b.cond} ? ${b.expr} : `;
  }
  throw new Error('conditional expression without a final branch');
}
