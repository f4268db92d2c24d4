// The cluster controller: runs on the one broker that holds the controller key in etcd, and keeps
// partition leadership and ISRs consistent with the live brokers (rules in controller-decisions.ts).
// Every decision is a compare-and-set on the partition's etcd mod revision, fenced by the controller
// key, so a deposed controller can never overwrite its successor's work; a lost race is recomputed
// on the next pass. Passes run on every relevant metadata change and on a timer, so that a CAS lost
// to a leader's ISR change converges within a second.

import type { Logger } from '../../observability/logger.js';
import { reconcile, type PartitionDecision } from '../controller-decisions.js';
import type { MetadataImage } from '../types.js';

/** Controller writes in flight at once. */
const MAX_IN_FLIGHT = 32;

export interface ControllerOptions {
  image: () => MetadataImage;
  /** Applies one decision with compare-and-set; false when the stored state had changed. */
  apply: (decision: PartitionDecision) => Promise<boolean>;
  logger: Logger;
  /** Broker-level `unclean.leader.election.enable`. */
  uncleanLeaderElection?: () => boolean;
  /** Periodic pass interval (ms). */
  intervalMs?: number;
}

export class Controller {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private rerun = false;
  private active = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly opts: ControllerOptions) {}

  get isActive(): boolean {
    return this.active;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.opts.logger.info('became the cluster controller');
    this.timer = setInterval(() => this.trigger(), this.opts.intervalMs ?? 1000);
    this.timer.unref();
    this.trigger();
  }

  /** Stops scheduling passes and waits for one in flight to end. */
  async stop(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.opts.logger.info('no longer the cluster controller');
    await this.idle;
  }

  /** Schedules a pass; passes never overlap, and a trigger during one runs another after it. */
  trigger(): void {
    if (!this.active) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = true;
    this.idle = this.loop().finally(() => {
      this.running = false;
    });
  }

  /** One pass now (tests); resolves when it is done. */
  async reconcileNow(): Promise<number> {
    return this.pass();
  }

  private async loop(): Promise<void> {
    do {
      this.rerun = false;
      try {
        await this.pass();
      } catch (err) {
        this.opts.logger.warn({ err }, 'controller pass failed; retrying on the next trigger');
      }
    } while (this.rerun && this.active);
  }

  private async pass(): Promise<number> {
    if (!this.active) return 0;
    const decisions = reconcile(this.opts.image(), {
      uncleanLeaderElection: this.opts.uncleanLeaderElection?.() ?? false,
    });
    let applied = 0;
    // Independent partitions, each a single txn: apply several at once, but bounded, so a broker
    // failure that moves thousands of leaders does not flood etcd with one burst.
    const queue = [...decisions];
    const worker = async (): Promise<void> => {
      for (let d = queue.shift(); d && this.active; d = queue.shift()) {
        if (!(await this.opts.apply(d))) continue;
        // A lost CAS needs nothing here: the newer state reaches the image (which triggers a
        // pass), and the timer covers the rest.
        applied++;
        this.opts.logger.info(
          {
            topic: d.topic,
            partition: d.partition,
            leader: d.next.leader,
            leaderEpoch: d.next.leaderEpoch,
            isr: d.next.isr,
            replicas: d.next.replicas,
          },
          `partition state changed: ${d.reason}`,
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(MAX_IN_FLIGHT, queue.length) }, worker));
    return applied;
  }
}
