// kill -9 of the broker while producers send continuously, five times in a row, restarting on the same
// data directory each time: acks=1 to partition 0 and acks=-1 to partition 1 at once. After the last
// restart every acknowledged value is there exactly once, at the offset the broker acknowledged,
// offsets strictly increase and are dense, and no offset was ever acknowledged twice.
import { afterEach, describe, expect, it } from 'vitest';
import { startBroker, tempDataDir, type RunningBroker } from '../helpers/broker.js';
import { connectTo, createTopic, logEndOffset } from '../helpers/client.js';
import { newTally, produceLoop, readBack, sleep, summary, verify, type AckTally } from '../helpers/faults.js';

let broker: RunningBroker | undefined;

afterEach(async () => {
  await broker?.kill9();
  broker = undefined;
});

const ROUNDS = 5;
const MODES = [
  { acks: 1 as const, partition: 0 },
  { acks: -1 as const, partition: 1 },
];

describe('crash with kill -9 during continuous produce', () => {
  it(`loses and duplicates nothing acknowledged over ${ROUNDS} kill -9 and restart cycles (acks=1 and acks=-1)`, async () => {
    const dataDir = tempDataDir();
    const tallies: AckTally[] = MODES.map(() => newTally());
    // offset -> value acknowledged there, per partition: an offset acknowledged twice is a reuse
    const ackedAt = MODES.map(() => new Map<number, string>());
    let reused = 0;
    for (let round = 0; round < ROUNDS; round++) {
      broker = await startBroker({ dataDir, overrides: { 'log.segment.bytes': 64 * 1024 } });
      const c = await connectTo(broker.port);
      if (round === 0) await createTopic(c, 'crash', 2);
      const roundTallies = MODES.map(() => newTally());
      let stop = false;
      const producing = MODES.map((m, i) =>
        produceLoop(c, roundTallies[i]!, {
          topic: 'crash',
          partition: m.partition,
          acks: m.acks,
          prefix: `r${round}-acks${m.acks}`,
          inflight: 4,
          stop: () => stop,
        }),
      );
      // let both modes get acknowledgements, then kill at a random point
      while (roundTallies.some((t) => t.acked.size < 300)) await sleep(5);
      await sleep(Math.floor(Math.random() * 300));
      await broker.kill9();
      stop = true;
      await Promise.all(producing);
      c.close();
      roundTallies.forEach((t, i) => {
        for (const [value, offset] of t.acked) {
          if (ackedAt[i]!.has(offset)) reused++;
          ackedAt[i]!.set(offset, value);
          tallies[i]!.acked.set(value, offset);
        }
        for (const v of t.unacked) tallies[i]!.unacked.add(v);
      });
    }

    broker = await startBroker({ dataDir });
    const c = await connectTo(broker.port);
    for (const [i, m] of MODES.entries()) {
      const records = await readBack(c, 'crash', m.partition);
      const v = verify(tallies[i]!, records);
      summary(`kill -9 x${ROUNDS} acks=${m.acks}`, v, {
        'in flight at a kill and stored': v.unackedPresent,
        'offsets reused': reused,
      });
      expect(v.lost).toBe(0);
      expect(v.duplicated).toBe(0);
      expect(v.outOfOrder).toBe(0);
      expect(v.readBack).toBe(v.acknowledged);
      expect(v.acknowledged).toBeGreaterThanOrEqual(ROUNDS * 300);
      // dense offsets up to the log end
      records.forEach((r, n) => expect(r.offset).toBe(n));
      expect(await logEndOffset(c, 'crash', m.partition)).toBe(records.length);
    }
    expect(reused).toBe(0);
    c.close();
  });
});
