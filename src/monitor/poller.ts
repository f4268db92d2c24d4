// The polling loop: one poll per interval (measured start to start; a slow poll delays the next
// one instead of overlapping it), each turned into a snapshot by the model and handed to the
// listeners. Pausing stops the polls, so a paused monitor costs the cluster nothing.

import { UnreachableError } from '../client/errors.js';
import { MonitorModel } from './model.js';
import type { RawSample, Sampler } from './probe.js';
import type { MonitorSnapshot } from './types.js';

export type SnapshotListener = (snapshot: MonitorSnapshot) => void;

/** What the live views need from a poller (a fake in component tests). */
export interface SnapshotSource {
  subscribe(listener: SnapshotListener): () => void;
  setPaused(paused: boolean): void;
}

export class Poller implements SnapshotSource {
  private readonly listeners = new Set<SnapshotListener>();
  private latestSnapshot: MonitorSnapshot | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private paused = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly sampler: Sampler,
    private readonly model: MonitorModel,
    readonly intervalMs: number,
  ) {}

  get latest(): MonitorSnapshot | null {
    return this.latestSnapshot;
  }

  /** One poll, turned into a snapshot (an unexpected failure shows as an unreachable cluster). */
  async pollOnce(): Promise<MonitorSnapshot> {
    let raw: RawSample;
    try {
      raw = await this.sampler.sample();
    } catch (err) {
      raw = {
        atMs: Date.now(),
        reachable: false,
        error: err instanceof Error ? err.message : String(err),
        clusterId: this.latestSnapshot?.clusterId ?? null,
        controllerId: this.latestSnapshot?.controllerId ?? -1,
        brokers: [],
        topics: null,
        groups: null,
        logDirSizes: null,
        notes: [],
      };
    }
    const snap = this.model.ingest(raw);
    this.latestSnapshot = snap;
    for (const l of this.listeners) l(snap);
    return snap;
  }

  /**
   * Two polls an interval apart (start to start) and the snapshot of the second, which has rates.
   * Throws UnreachableError when the first poll cannot reach the cluster.
   */
  async twoPolls(): Promise<MonitorSnapshot> {
    const started = Date.now();
    const first = await this.pollOnce();
    if (!first.reachable) throw new UnreachableError(first.error ?? 'the cluster is unreachable');
    await this.sleep(this.intervalMs - (Date.now() - started));
    return this.pollOnce();
  }

  /** Starts polling until stop(); snapshots go to the listeners. */
  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    this.sampler.close();
  }

  subscribe(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    if (this.latestSnapshot) listener(this.latestSnapshot);
    return () => this.listeners.delete(listener);
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      if (!this.paused) await this.pollOnce();
      if (this.stopped) break;
      await this.sleep(this.paused ? Number.MAX_SAFE_INTEGER : this.intervalMs - (Date.now() - started));
    }
  }

  /** Waits `ms`, or until stop() or resume. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
      this.wake = done;
    });
  }
}
