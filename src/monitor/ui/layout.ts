// How the monitor fills a terminal: rows per panel for a given height (the focused panel alone when
// the terminal is too short for all four), and which table columns fit a given width (the
// lowest-priority columns go first; the flexible column takes what is left).

export type PanelId = 'brokers' | 'topics' | 'groups' | 'requests';
export const PANELS: PanelId[] = ['brokers', 'topics', 'groups', 'requests'];

/** Header, status line and help line. */
export const CHROME_ROWS = 3;
/** Title and column header of a panel. */
export const PANEL_HEAD_ROWS = 2;

/**
 * Body rows of each panel (0: not shown) for a terminal of `rows` lines: every panel gets at least
 * one row; brokers (up to 4) and requests (up to 6) are served first, then topics and groups share
 * the rest, the focused one first; rows a short list does not need go to the panels that still
 * want more (the focused one uncapped). Rows nobody needs are left blank above the help line.
 * The focused groups panel wants one more row for the selected group's details.
 */
export function panelRows(
  rows: number,
  counts: Record<PanelId, number>,
  focus: PanelId,
): Record<PanelId, number> {
  // one line short of the terminal, so the terminal never scrolls
  const available = Math.max(1, rows - 1 - CHROME_ROWS);
  const out: Record<PanelId, number> = { brokers: 0, topics: 0, groups: 0, requests: 0 };
  const minimum = PANELS.length * (PANEL_HEAD_ROWS + 1);
  if (available < minimum + 2) {
    out[focus] = Math.max(1, available - PANEL_HEAD_ROWS);
    return out;
  }
  const want = (p: PanelId) => Math.max(1, counts[p]) + (p === 'groups' && focus === 'groups' ? 1 : 0);
  for (const p of PANELS) out[p] = 1;
  let left = available - PANELS.length * (PANEL_HEAD_ROWS + 1);
  const give = (p: PanelId, upTo: number) => {
    const n = Math.max(0, Math.min(left, upTo - out[p]));
    out[p] += n;
    left -= n;
  };
  give('brokers', Math.min(want('brokers'), focus === 'brokers' ? Infinity : 4));
  give('requests', Math.min(want('requests'), focus === 'requests' ? Infinity : 6));
  const [first, second] =
    focus === 'groups' ? (['groups', 'topics'] as const) : (['topics', 'groups'] as const);
  give(first, Math.min(want(first), out[first] + Math.ceil(left / 2)));
  give(second, want(second));
  give(first, want(first));
  for (const p of [focus, 'topics', 'groups', 'requests', 'brokers'] as const) give(p, want(p));
  return out;
}

export interface Column<T> {
  title: string;
  width: number;
  right?: boolean;
  /** Lower stays longer; the flexible column is never dropped. */
  priority: number;
  /** Takes the width left over (at least `width`). */
  flex?: boolean;
  value: (row: T) => string;
  color?: (row: T) => string | undefined;
}

/** The columns that fit `width` (one space between columns), the flexible one widened to fill it. */
export function fitColumns<T>(columns: Column<T>[], width: number): Column<T>[] {
  let cols = [...columns];
  const total = (cs: Column<T>[]) => cs.reduce((a, c) => a + c.width, 0) + Math.max(0, cs.length - 1);
  while (total(cols) > width) {
    const droppable = cols.filter((c) => !c.flex);
    if (droppable.length === 0) break;
    const worst = droppable.reduce((a, c) => (c.priority > a.priority ? c : a));
    if (worst.priority === 0) break;
    cols = cols.filter((c) => c !== worst);
  }
  const spare = Math.max(0, width - total(cols));
  const flex = cols.find((c) => c.flex);
  return cols.map((c) => (c === flex ? { ...c, width: c.width + spare } : c));
}
