// What each key does to the monitor's view state, as a pure function of the state and the key, so
// a run of keys (a paste, or keys typed faster than a render) applies one after the other.

import type { Key } from 'ink';
import { PANELS, panelRows, type PanelId } from './layout.js';
import type { UiState } from './MonitorView.js';

export type KeyEffect = 'quit' | 'pause' | 'resume' | null;

export interface ViewExtent {
  /** Rows each panel lists (after the filter). */
  counts: Record<PanelId, number>;
  /** Terminal height. */
  rows: number;
}

export type KeyFlags = Partial<Key>;

/** A chunk of plain characters arrives as one input: split it into single keys. */
export function splitKeys(input: string, key: KeyFlags): [string, KeyFlags][] {
  if (input.length <= 1 || key.ctrl || key.meta || input.includes('\u001b')) return [[input, key]];
  return [...input].map((c): [string, KeyFlags] => {
    if (c === '\r' || c === '\n') return ['', { return: true }];
    if (c === '\u007f' || c === '\b') return ['', { backspace: true }];
    if (c === '\t') return ['', { tab: true }];
    return [c, {}];
  });
}

export function applyKey(
  ui: UiState,
  input: string,
  key: KeyFlags,
  view: ViewExtent,
): { ui: UiState; effect: KeyEffect } {
  const same = { ui, effect: null };
  const clamp = (p: PanelId, n: number) => Math.min(Math.max(0, n), Math.max(0, view.counts[p] - 1));
  if (ui.editingFilter) {
    if (key.return) return { ui: { ...ui, editingFilter: false }, effect: null };
    if (key.escape) return { ui: { ...ui, editingFilter: false, filter: '' }, effect: null };
    if (key.backspace || key.delete) return { ui: { ...ui, filter: ui.filter.slice(0, -1) }, effect: null };
    if (input && !key.ctrl && !key.meta && input >= ' ') {
      return {
        ui: { ...ui, filter: ui.filter + input, selected: { ...ui.selected, topics: 0, groups: 0 } },
        effect: null,
      };
    }
    return same;
  }
  const move = (by: number) => ({
    ui: { ...ui, selected: { ...ui.selected, [ui.focus]: clamp(ui.focus, ui.selected[ui.focus] + by) } },
    effect: null,
  });
  const cycle = (by: number) => ({
    ui: { ...ui, focus: PANELS[(PANELS.indexOf(ui.focus) + by + PANELS.length) % PANELS.length]! },
    effect: null,
  });
  if (input === 'q') return { ui, effect: 'quit' };
  if (key.tab) return cycle(key.shift ? -1 : 1);
  if (key.rightArrow) return cycle(1);
  if (key.leftArrow) return cycle(-1);
  if (key.upArrow) return move(-1);
  if (key.downArrow) return move(1);
  if (key.pageUp || key.pageDown) {
    const page = Math.max(1, panelRows(view.rows, view.counts, ui.focus)[ui.focus]);
    return move(key.pageUp ? -page : page);
  }
  if (input === '/') return { ui: { ...ui, editingFilter: true }, effect: null };
  if (key.escape) return { ui: { ...ui, filter: '' }, effect: null };
  if (input === 's' && ui.focus !== 'brokers') {
    const focus = ui.focus;
    return {
      ui: {
        ...ui,
        sort: { ...ui.sort, [focus]: ui.sort[focus] + 1 },
        selected: { ...ui.selected, [focus]: 0 },
      },
      effect: null,
    };
  }
  if (input === 'p') return { ui: { ...ui, paused: !ui.paused }, effect: ui.paused ? 'resume' : 'pause' };
  return same;
}
