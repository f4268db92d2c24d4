// Soak: produce (acks=1 to partition 0, acks=-1 to partition 1) and consume for N minutes while the
// broker is killed with SIGKILL every so often and restarted on the same data directory. At the end
// every acknowledged value must be stored exactly once at its acknowledged offset, and the consumer
// must have seen offsets only ever increase. Prints the fault suite's counters per partition:
//
//   FAULT soak 5 min, 14 kill -9, acks=1: acknowledged N, read back N, lost 0, duplicated 0, ...
//
// Not part of CI (it runs for minutes). Build first (it starts bin/run.js, which loads dist/):
//   npm run build && npx tsx bench/soak.ts [--minutes 5] [--kill-every 20] [--rate 2000] [--json]
// --rate bounds the records per second per partition (the counters keep every value in memory).
// Exits with status 1 when anything acknowledged was lost or duplicated.

import { KafkaConnection } from '../src/client/connection.js';
import { ApiKey } from '../src/protocol/messages/index.js';
import { decodeRecordBatches } from '../src/protocol/records/record-batch.js';
import { startBroker, tempDataDir, type RunningBroker } from '../test/helpers/broker.js';
import { createTopic } from '../test/helpers/client.js';
import {
  newTally,
  produceLoop,
  readBack,
  sleep,
  summary,
  verify,
  type AckTally,
  type Verdict,
} from '../test/helpers/faults.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const minutes = arg('minutes', 5);
const killEverySeconds = arg('kill-every', 20);
const rate = arg('rate', 2000);
const LANES = 4;
const PER_BATCH = 10;
const json = process.argv.includes('--json');
const TOPIC = 'soak';
const MODES = [
  { acks: 1 as const, partition: 0 },
  { acks: -1 as const, partition: 1 },
];

interface ConsumerState {
  offsets: number[];
  consumed: number;
  backwards: number;
}

/** Fetches both partitions from where it left off until `stop()`; tolerates the broker dying. */
async function consume(c: KafkaConnection, state: ConsumerState, stop: () => boolean): Promise<void> {
  while (!stop() && !c.closed) {
    try {
      const res = await c.request(ApiKey.Fetch, 12, {
        replicaId: -1,
        maxWaitMs: 200,
        minBytes: 1,
        maxBytes: 4 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: TOPIC,
            partitions: MODES.map((m) => ({
              partition: m.partition,
              fetchOffset: state.offsets[m.partition]!,
              partitionMaxBytes: 1 << 20,
            })),
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
      for (const p of res.responses[0].partitions) {
        if (p.errorCode !== 0) continue;
        for (const b of await decodeRecordBatches(p.records ?? Buffer.alloc(0))) {
          for (const r of b.records) {
            if (r.offset < state.offsets[p.partitionIndex]!) continue;
            state.consumed++;
          }
          const next = b.baseOffset + b.lastOffsetDelta + 1;
          if (next < state.offsets[p.partitionIndex]!) state.backwards++;
          state.offsets[p.partitionIndex] = Math.max(state.offsets[p.partitionIndex]!, next);
        }
      }
    } catch {
      await sleep(50);
    }
  }
}

async function main(): Promise<void> {
  const dataDir = tempDataDir('fluxmq-soak-');
  const tallies: AckTally[] = MODES.map(() => newTally());
  const consumer: ConsumerState = { offsets: MODES.map(() => 0), consumed: 0, backwards: 0 };
  const endAt = Date.now() + minutes * 60_000;
  let kills = 0;
  let broker: RunningBroker | undefined;
  for (let round = 0; Date.now() < endAt; round++) {
    broker = await startBroker({ dataDir, overrides: { 'log.segment.bytes': 1 << 20 } });
    const producer = await KafkaConnection.connect('127.0.0.1', broker.port, { requestTimeoutMs: 5000 });
    const reader = await KafkaConnection.connect('127.0.0.1', broker.port, { requestTimeoutMs: 5000 });
    if (round === 0) await createTopic(producer, TOPIC, MODES.length);
    let stop = false;
    const roundTallies = MODES.map(() => newTally());
    const work = [
      ...MODES.map((m, i) =>
        produceLoop(producer, roundTallies[i]!, {
          topic: TOPIC,
          partition: m.partition,
          acks: m.acks,
          prefix: `r${round}-acks${m.acks}`,
          inflight: LANES,
          recordsPerBatch: PER_BATCH,
          delayMs: Math.max(0, (1000 * LANES * PER_BATCH) / rate),
          stop: () => stop,
        }),
      ),
      consume(reader, consumer, () => stop),
    ];
    const runFor = Math.min(
      killEverySeconds * 1000 * (0.5 + Math.random()),
      Math.max(2000, endAt - Date.now()),
    );
    await sleep(runFor);
    const last = Date.now() >= endAt;
    if (last) {
      stop = true;
      await Promise.all(work);
      await broker.stop();
    } else {
      await broker.kill9();
      kills++;
      stop = true;
      await Promise.all(work);
    }
    producer.close();
    reader.close();
    roundTallies.forEach((t, i) => {
      for (const [v, o] of t.acked) tallies[i]!.acked.set(v, o);
      for (const v of t.unacked) tallies[i]!.unacked.add(v);
      tallies[i]!.timeouts += t.timeouts;
    });
    if (!json) {
      process.stderr.write(
        `round ${round}: ${last ? 'stopped' : 'killed'} after ${(runFor / 1000).toFixed(1)} s; ` +
          `acknowledged so far ${tallies.map((t) => t.acked.size).join(' + ')}, consumed ${consumer.consumed}\n`,
      );
    }
  }

  broker = await startBroker({ dataDir });
  const c = await KafkaConnection.connect('127.0.0.1', broker.port);
  const verdicts: (Verdict & { acks: number })[] = [];
  for (const [i, m] of MODES.entries()) {
    const v = verify(tallies[i]!, await readBack(c, TOPIC, m.partition));
    verdicts.push({ ...v, acks: m.acks });
    if (!json) {
      summary(`soak ${minutes} min, ${kills} kill -9, acks=${m.acks}`, v, {
        'in flight at a kill and stored': v.unackedPresent,
        'consumer offsets going back': consumer.backwards,
      });
    }
  }
  c.close();
  await broker.stop();
  if (json) console.log(JSON.stringify({ minutes, kills, consumed: consumer.consumed, verdicts }));
  const bad =
    verdicts.some((v) => v.lost > 0 || v.duplicated > 0 || v.outOfOrder > 0) || consumer.backwards > 0;
  process.exitCode = bad ? 1 : 0;
}

await main();
