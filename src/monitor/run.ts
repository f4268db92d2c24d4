// The three ways `fluxmq monitor` runs: one snapshot (two polls an interval apart, for --once and
// --json), plain tables every interval when stdout is not a terminal, and the full-screen Ink view
// (on the terminal's alternate screen, restored on exit).

import { render } from 'ink';
import type { ClientSecurity } from '../client/connection.js';
import { createElement } from 'react';
import { MonitorModel } from './model.js';
import { renderPlain } from './plain.js';
import { Poller } from './poller.js';
import { ClusterProbe, type Sampler } from './probe.js';
import type { MonitorSnapshot } from './types.js';
import { MonitorApp } from './ui/MonitorApp.js';
import { filterGroups, filterTopics } from './view.js';

export interface MonitorOptions {
  bootstrap: string;
  requestTimeoutMs: number;
  intervalMs: number;
  httpUrls: string[];
  discoverHttp: boolean;
  includeInternal: boolean;
  filter: string;
  security?: ClientSecurity;
}

export function createPoller(opts: MonitorOptions, sampler?: Sampler): Poller {
  const probe =
    sampler ??
    new ClusterProbe({
      bootstrap: opts.bootstrap,
      requestTimeoutMs: opts.requestTimeoutMs,
      httpUrls: opts.httpUrls,
      discoverHttp: opts.discoverHttp,
      httpTimeoutMs: Math.min(2000, Math.max(250, opts.intervalMs)),
      security: opts.security,
    });
  const model = new MonitorModel({
    bootstrap: opts.bootstrap,
    intervalMs: opts.intervalMs,
    includeInternal: opts.includeInternal,
  });
  return new Poller(probe, model, opts.intervalMs);
}

/** One snapshot with rates: two polls `intervalMs` apart, topics and groups filtered by `opts.filter`. */
export async function monitorOnce(opts: MonitorOptions): Promise<MonitorSnapshot> {
  const poller = createPoller(opts);
  try {
    const s = await poller.twoPolls();
    return opts.filter
      ? { ...s, topics: filterTopics(s.topics, opts.filter), groups: filterGroups(s.groups, opts.filter) }
      : s;
  } finally {
    await poller.stop();
  }
}

/** Resolves on SIGINT or SIGTERM (and stops listening). */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/** Plain tables on `write` after every poll, until SIGINT/SIGTERM. Returns the last snapshot. */
export async function monitorPlain(
  opts: MonitorOptions,
  write: (text: string) => void,
): Promise<MonitorSnapshot | null> {
  const poller = createPoller(opts);
  poller.subscribe((s) => write(renderPlain(s, opts.filter)));
  poller.start();
  await untilSignal();
  await poller.stop();
  return poller.latest;
}

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[H';
const ALT_SCREEN_OFF = '\x1b[?1049l';

/** The full-screen view until q, Ctrl-C or SIGTERM. Returns the last snapshot. */
export async function monitorLive(opts: MonitorOptions): Promise<MonitorSnapshot | null> {
  const poller = createPoller(opts);
  poller.start();
  process.stdout.write(ALT_SCREEN_ON);
  const app = render(
    createElement(MonitorApp, {
      source: poller,
      bootstrap: opts.bootstrap,
      intervalMs: opts.intervalMs,
      initialFilter: opts.filter,
    }),
    { exitOnCtrlC: true },
  );
  // a signal (not the Ctrl-C key, which Ink reads in raw mode) also restores the screen
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = () => app.unmount();
  for (const s of signals) process.once(s, onSignal);
  try {
    await app.waitUntilExit();
  } finally {
    for (const s of signals) process.off(s, onSignal);
    process.stdout.write(ALT_SCREEN_OFF);
    await poller.stop();
  }
  return poller.latest;
}
