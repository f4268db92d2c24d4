// Live dashboard while the bench runs, then its summary. Snapshots arrive through `subscribe`.

import { useEffect, useState } from 'react';
import type { Snapshot } from '../stats.js';
import { Dashboard } from './Dashboard.js';
import { Summary } from './Summary.js';

export interface BenchAppProps {
  title: string;
  latencyLabel: string;
  subscribe: (onSnapshot: (s: Snapshot) => void, onDone: (rows: [string, string][]) => void) => void;
}

export function BenchApp({ title, latencyLabel, subscribe }: BenchAppProps) {
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [history, setHistory] = useState<number[]>([]);
  const [summary, setSummary] = useState<[string, string][] | null>(null);
  useEffect(() => {
    subscribe(
      (s) => {
        setSnapshot(s);
        setHistory((h) => [...h.slice(-119), s.recordsPerSec]);
      },
      (rows) => setSummary(rows),
    );
  }, [subscribe]);
  if (summary) return <Summary title={`${title}: done`} rows={summary} />;
  return <Dashboard title={title} snapshot={snapshot} history={history} latencyLabel={latencyLabel} />;
}
