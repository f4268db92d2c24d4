// The live monitor: snapshots from a source (the poller), keys to move around, and the terminal's
// size followed through resizes.
//   tab / →, shift-tab / ←   next / previous panel
//   ↑ ↓, PgUp PgDn            move the selection (pages follow it)
//   /                          type a filter for topics and groups (enter keeps it, esc clears it)
//   s                          next sort key of the panel
//   p                          pause / resume polling
//   q                          quit

import { useApp, useInput, useStdout } from 'ink';
import { useEffect, useRef, useState } from 'react';
import type { SnapshotSource } from '../poller.js';
import type { MonitorSnapshot } from '../types.js';
import { filterGroups, filterTopics } from '../view.js';
import { PANELS, panelRows, type PanelId } from './layout.js';
import { INITIAL_UI, MonitorView, type UiState } from './MonitorView.js';

export interface MonitorAppProps {
  source: SnapshotSource;
  bootstrap: string;
  intervalMs: number;
  initialFilter?: string;
  /** Called when the user quits (after the app exits). */
  onQuit?: () => void;
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 100, rows: stdout.rows || 30 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]); // read() only reads stdout
  return size;
}

export function MonitorApp({ source, bootstrap, intervalMs, initialFilter = '', onQuit }: MonitorAppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const [snapshot, setSnapshot] = useState<MonitorSnapshot | null>(null);
  const [ui, setUi] = useState<UiState>({ ...INITIAL_UI, filter: initialFilter });

  useEffect(() => source.subscribe(setSnapshot), [source]);

  // rows each panel lists (after the filter), to keep the selection inside them
  const counts = {
    brokers: snapshot?.brokers.length ?? 0,
    topics: snapshot ? filterTopics(snapshot.topics, ui.filter).length : 0,
    groups: snapshot ? filterGroups(snapshot.groups, ui.filter).length : 0,
    requests: snapshot?.requests?.length ?? 0,
  };
  const clamp = (p: PanelId, n: number) => Math.min(Math.max(0, n), Math.max(0, counts[p] - 1));

  // the key handler reads the state through refs: Ink may deliver a key before it has swapped in
  // the handler of the latest render
  const latest = useRef({ ui, counts, rows });
  latest.current = { ui, counts, rows };

  useInput((input, key) => {
    const { ui, counts, rows } = latest.current;
    const clamp = (p: PanelId, n: number) => Math.min(Math.max(0, n), Math.max(0, counts[p] - 1));
    if (ui.editingFilter) {
      if (key.return) setUi((u) => ({ ...u, editingFilter: false }));
      else if (key.escape) setUi((u) => ({ ...u, editingFilter: false, filter: '' }));
      else if (key.backspace || key.delete) setUi((u) => ({ ...u, filter: u.filter.slice(0, -1) }));
      else if (input && !key.ctrl && !key.meta && input >= ' ') {
        setUi((u) => ({ ...u, filter: u.filter + input, selected: { ...u.selected, topics: 0, groups: 0 } }));
      }
      return;
    }
    const move = (by: number) =>
      setUi((u) => ({ ...u, selected: { ...u.selected, [u.focus]: clamp(u.focus, u.selected[u.focus] + by) } }));
    const cycle = (by: number) =>
      setUi((u) => ({ ...u, focus: PANELS[(PANELS.indexOf(u.focus) + by + PANELS.length) % PANELS.length]! }));
    if (input === 'q') {
      exit();
      onQuit?.();
    } else if (key.tab) cycle(key.shift ? -1 : 1);
    else if (key.rightArrow) cycle(1);
    else if (key.leftArrow) cycle(-1);
    else if (key.upArrow) move(-1);
    else if (key.downArrow) move(1);
    else if (key.pageUp || key.pageDown) {
      const page = Math.max(1, panelRows(rows, counts, ui.focus)[ui.focus]);
      move(key.pageUp ? -page : page);
    } else if (input === '/') setUi((u) => ({ ...u, editingFilter: true }));
    else if (key.escape) setUi((u) => ({ ...u, filter: '' }));
    else if (input === 's') {
      setUi((u) =>
        u.focus === 'brokers'
          ? u
          : { ...u, sort: { ...u.sort, [u.focus]: u.sort[u.focus] + 1 }, selected: { ...u.selected, [u.focus]: 0 } },
      );
    } else if (input === 'p') {
      source.setPaused(!ui.paused);
      setUi((u) => ({ ...u, paused: !u.paused }));
    }
  });

  const selected = { ...ui.selected };
  for (const p of PANELS) selected[p] = clamp(p, selected[p]);

  return (
    <MonitorView
      snapshot={snapshot}
      ui={{ ...ui, selected }}
      columns={columns}
      rows={rows}
      bootstrap={bootstrap}
      intervalMs={intervalMs}
    />
  );
}
