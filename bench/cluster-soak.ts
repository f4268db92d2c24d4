// Cluster soak: three brokers and etcd on loopback (started here), one topic with replication factor
// 3 and min.insync.replicas 2, KafkaJS producing with acks=-1 (idempotent) and a consumer group
// reading throughout, for N minutes. Every --kill-every seconds (give or take half) a broker is
// killed with SIGKILL (the partition leader three times in four, else a random broker), writes go
// on once another in-sync replica leads, and the broker is restarted on its data directory and
// waited for back in the ISR. One round in three also pauses a follower with SIGSTOP for 1 to 6 s
// (past the 3 s broker session, so it may leave the cluster) before its SIGCONT. At the end every
// acknowledged value must be stored exactly once at its acknowledged offset and seen by the group:
//
//   FAULT cluster soak 10 min, 24 kill -9, 8 SIGSTOP: acknowledged N, read back N, lost 0, duplicated 0, ...
//
// Not part of CI (it runs for minutes). Build first (the brokers run bin/run.js, which loads dist/);
// the `etcd` binary must be on PATH:
//   npm run build && npx tsx bench/cluster-soak.ts [--minutes 10] [--kill-every 20] [--json]
// Exits with status 1 when anything acknowledged was lost, duplicated, out of order, or never
// reached the consumer group.

import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Admin } from 'kafkajs';
import { startCluster, type TestCluster } from '../test/helpers/cluster.js';
import {
  clusterKafka,
  countingConsumer,
  createReplicatedTopic,
  partitionView,
  produceContinuously,
  readBackFromLeader,
  waitFor,
  type ProducingLoop,
} from '../test/helpers/cluster-clients.js';
import { sleep, summary, verify } from '../test/helpers/faults.js';

const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'kill-every': { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});
const minutes = Number(flags.minutes);
const killEverySeconds = Number(flags['kill-every']);
const json = flags.json;
const TOPIC = 'cluster-soak';
const PREFIX = 'cs';
/** How long a failover, a restart or a rejoin may take before the soak gives up on the round. */
const STEP_TIMEOUT_MS = 60_000;

const note = (line: string): void => {
  if (!json) process.stderr.write(`${line}\n`);
};

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** Waits for `more` acknowledgements beyond those counted now. */
async function acknowledgements(loop: ProducingLoop, more: number, what: string): Promise<void> {
  const target = loop.tally.acked.size + more;
  await waitFor(what, async () => loop.tally.acked.size >= target, STEP_TIMEOUT_MS);
}

async function fullIsr(admin: Admin, what: string): Promise<void> {
  await waitFor(what, async () => (await partitionView(admin, TOPIC)).isr.length === 3, STEP_TIMEOUT_MS);
}

/** SIGSTOP of a follower for 1 to 6 s, then SIGCONT; returns the follower paused. */
async function pauseFollower(cluster: TestCluster, admin: Admin): Promise<number> {
  const view = await partitionView(admin, TOPIC);
  const follower = pick(view.replicas.filter((r) => r !== view.leader));
  const proc = cluster.node(follower).broker!.proc;
  const ms = 1000 + Math.random() * 5000;
  proc.kill('SIGSTOP');
  try {
    await sleep(ms);
  } finally {
    proc.kill('SIGCONT');
  }
  note(`  paused broker ${follower} (follower) for ${(ms / 1000).toFixed(1)} s`);
  await fullIsr(admin, `broker ${follower} back in the ISR after SIGCONT`);
  return follower;
}

/** kill -9 of the leader (three times in four) or of a random broker, then its restart. */
async function killAndRestart(cluster: TestCluster, admin: Admin, loop: ProducingLoop): Promise<string> {
  const { leader } = await partitionView(admin, TOPIC);
  const victim = Math.random() < 0.75 ? leader : pick(cluster.nodes.map((n) => n.id));
  const role = victim === leader ? 'leader' : 'follower';
  await cluster.kill9(victim);
  const t0 = Date.now();
  // two in-sync replicas remain: acks=-1 writes go on once the partition has a live leader
  await acknowledgements(loop, 50, `acknowledgements after the kill of broker ${victim}`);
  const resumedMs = Date.now() - t0;
  await cluster.start(victim);
  await fullIsr(admin, `broker ${victim} back in the ISR after its restart`);
  return `killed broker ${victim} (${role}), writes resumed in ${resumedMs} ms, back in the ISR after ${Date.now() - t0} ms`;
}

async function main(): Promise<void> {
  const cluster = await startCluster({ brokers: 3 });
  const kafka = clusterKafka(cluster.bootstrap, 'cluster-soak');
  const admin = kafka.admin();
  let group: Awaited<ReturnType<typeof countingConsumer>> | undefined;
  let loop: ProducingLoop | undefined;
  let kills = 0;
  let pauses = 0;
  try {
    await admin.connect();
    await createReplicatedTopic(admin, TOPIC);
    group = await countingConsumer(kafka, 'cluster-soak', TOPIC);
    const { consumed } = group;
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    loop = produceContinuously(producer, TOPIC, PREFIX);

    const endAt = Date.now() + minutes * 60_000;
    for (let round = 0; Date.now() < endAt; round++) {
      const runFor = Math.min(
        killEverySeconds * 1000 * (0.5 + Math.random()),
        Math.max(0, endAt - Date.now()),
      );
      const pause = round % 3 === 1;
      await sleep(pause ? runFor / 2 : runFor);
      if (pause) {
        await pauseFollower(cluster, admin);
        pauses++;
        await sleep(Math.max(0, Math.min(runFor / 2, endAt - Date.now())));
      }
      if (Date.now() >= endAt) break;
      const what = await killAndRestart(cluster, admin, loop);
      kills++;
      note(
        `round ${round}: ${what}; acknowledged so far ${loop.tally.acked.size}, consumed ${consumed.size}`,
      );
    }
    await loop.stop();
    await producer.disconnect();

    const stored = await readBackFromLeader(admin, cluster, TOPIC);
    const verdict = verify(loop.tally, stored, `${PREFIX}-`);
    const acked = [...loop.tally.acked.keys()];
    const groupMissed = (): number => acked.filter((v) => !consumed.has(v)).length;
    await waitFor('the group to see every value', async () => groupMissed() === 0, STEP_TIMEOUT_MS).catch(
      () => undefined, // counted below
    );
    const missed = groupMissed();
    const counters = {
      'in flight at a fault and stored': verdict.unackedPresent,
      'out of order': verdict.outOfOrder,
      'consumed by group': consumed.size,
      'missed by group': missed,
      'send failures': loop.tally.errors.get(-1) ?? 0,
    };
    if (json) console.log(JSON.stringify({ minutes, kills, pauses, ...verdict, groupMissed: missed }));
    else summary(`cluster soak ${minutes} min, ${kills} kill -9, ${pauses} SIGSTOP`, verdict, counters);
    const bad = verdict.lost > 0 || verdict.duplicated > 0 || verdict.outOfOrder > 0 || missed > 0;
    process.exitCode = bad ? 1 : 0;
  } catch (err) {
    note(`cluster soak failed after ${kills} kills: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await loop?.stop().catch(() => {});
    await group?.consumer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
    for (const n of cluster.nodes) if (n.broker?.proc.exitCode === null) n.broker.proc.kill('SIGCONT');
    await cluster.close();
    // the brokers' data directories stay for a look when something went wrong
    const dirs = cluster.nodes.map((n) => n.dataDir);
    if (process.exitCode === 0) for (const d of dirs) rmSync(d, { recursive: true, force: true });
    else note(`broker data directories kept: ${dirs.join(' ')}`);
  }
}

await main();
