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
import { applyKey, splitKeys } from './keys.js';
import { PANELS, type PanelId } from './layout.js';
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

  // Keys go through refs: Ink may deliver a key before it has swapped in the handler of the latest
  // render, and a chunk of keys applies one after the other before the next render.
  const latest = useRef({ ui, counts, rows });
  latest.current = { ui, counts, rows };

  useInput((input, key) => {
    let next = latest.current.ui;
    for (const [i, k] of splitKeys(input, key)) {
      const r = applyKey(next, i, k, latest.current);
      next = r.ui;
      if (r.effect === 'pause' || r.effect === 'resume') source.setPaused(r.effect === 'pause');
      if (r.effect === 'quit') {
        exit();
        onQuit?.();
        return;
      }
    }
    latest.current.ui = next;
    setUi(next);
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
