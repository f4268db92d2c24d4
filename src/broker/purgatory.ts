// Delayed fetches: a Fetch that cannot yet return `min_bytes` waits here until appends to the
// partitions it reads bring enough new bytes, or until `max_wait_ms` passes. Appends call
// notify(); waiting is per partition key so an append wakes only the fetches that read it.

import type { FetchWaker } from '../cluster/types.js';

interface Waiter {
  keys: string[];
  needBytes: number;
  gotBytes: number;
  timer: NodeJS.Timeout;
  resolve: () => void;
}

// the key format is shared with the replica layer, which wakes fetches too
export { partitionKey } from '../cluster/types.js';

export class FetchPurgatory implements FetchWaker {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private count = 0;

  /** Number of fetches waiting (for metrics). */
  get size(): number {
    return this.count;
  }

  /** Resolves once `needBytes` new bytes were appended to any of `keys`, or after `timeoutMs`. */
  wait(keys: string[], needBytes: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        keys,
        needBytes,
        gotBytes: 0,
        resolve,
        timer: setTimeout(() => this.complete(waiter), timeoutMs),
      };
      for (const k of keys) {
        let set = this.waiters.get(k);
        if (!set) this.waiters.set(k, (set = new Set()));
        set.add(waiter);
      }
      this.count++;
    });
  }

  /** An append of `bytes` to the partition `key` happened. */
  notify(key: string, bytes: number): void {
    const set = this.waiters.get(key);
    if (!set) return;
    for (const w of set) {
      w.gotBytes += bytes;
      if (w.gotBytes >= w.needBytes) this.complete(w);
    }
  }

  /** Completes every waiting fetch now (shutdown). */
  completeAll(): void {
    const all = new Set<Waiter>();
    for (const set of this.waiters.values()) for (const w of set) all.add(w);
    for (const w of all) this.complete(w);
  }

  private complete(w: Waiter): void {
    clearTimeout(w.timer);
    let removed = false;
    for (const k of w.keys) {
      const set = this.waiters.get(k);
      if (set?.delete(w)) removed = true;
      if (set && set.size === 0) this.waiters.delete(k);
    }
    if (removed) {
      this.count--;
      w.resolve();
    }
  }
}
