// Tables for people: cli-table3 with plain (uncoloured) borders and headings, so the output is the
// same on a terminal, in a pipe and in tests. Nulls show as '-'.

import Table from 'cli-table3';

export type Cell = string | number | boolean | null | undefined;

function show(c: Cell): string {
  if (c === null || c === undefined || c === '') return '-';
  return String(c);
}

/** A table with a heading row; numbers are right-aligned. */
export function table(head: string[], rows: Cell[][]): string {
  const numeric = head.map(
    (_, i) =>
      rows.some((r) => typeof r[i] === 'number') &&
      rows.every((r) => typeof r[i] === 'number' || r[i] === null),
  );
  const t = new Table({
    head,
    style: { head: [], border: [] },
    colAligns: numeric.map((n) => (n ? 'right' : 'left')),
  });
  for (const r of rows) t.push(r.map(show));
  return t.toString();
}

/** A two-column table of labelled values. */
export function keyValues(pairs: [string, Cell][]): string {
  const t = new Table({ style: { head: [], border: [] } });
  for (const [k, v] of pairs) t.push({ [k]: show(v) });
  return t.toString();
}
