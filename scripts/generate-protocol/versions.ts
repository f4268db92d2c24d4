// Kafka version specs: "3+" (open-ended), "0-7" (inclusive range), "5" (single version), "none".

export interface Versions {
  readonly lo: number;
  /** Inclusive; Infinity for open-ended ranges. */
  readonly hi: number;
}

export const NO_VERSIONS: Versions = { lo: 1, hi: 0 };
export const ALL_VERSIONS: Versions = { lo: 0, hi: Infinity };

export function parseVersions(spec: string | undefined, fallback: Versions = NO_VERSIONS): Versions {
  if (spec === undefined || spec === '') return fallback;
  const s = spec.trim();
  if (s === 'none') return NO_VERSIONS;
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Infinity };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) {
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (lo > hi) throw new Error(`invalid version range "${spec}"`);
    return { lo, hi };
  }
  m = /^(\d+)$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Number(m[1]) };
  throw new Error(`invalid version spec "${spec}"`);
}

export function isEmpty(v: Versions): boolean {
  return v.lo > v.hi;
}

export function contains(v: Versions, version: number): boolean {
  return version >= v.lo && version <= v.hi;
}

export function intersect(a: Versions, b: Versions): Versions {
  const r = { lo: Math.max(a.lo, b.lo), hi: Math.min(a.hi, b.hi) };
  return isEmpty(r) ? NO_VERSIONS : r;
}

export function formatVersions(v: Versions): string {
  if (isEmpty(v)) return 'none';
  if (v.hi === Infinity) return `${v.lo}+`;
  return v.lo === v.hi ? `${v.lo}` : `${v.lo}-${v.hi}`;
}

/** The concrete versions of a closed range, ascending. */
export function listVersions(v: Versions): number[] {
  if (v.hi === Infinity) throw new Error(`cannot list open-ended versions ${formatVersions(v)}`);
  const out: number[] = [];
  for (let i = v.lo; i <= v.hi; i++) out.push(i);
  return out;
}
