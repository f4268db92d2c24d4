// SIGSTOP the broker for a few seconds while a producer (acks=-1) and a long-polling consumer run,
// then SIGCONT it: both clients' requests time out meanwhile and they carry on afterwards over the
// same connections. Nothing acknowledged is lost, nothing is stored twice, and the consumer reads up
// to the end.
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaConnection } from '../../src/client/connection.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { decodeRecordBatches } from '../../src/protocol/records/record-batch.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { connectTo, createTopic } from '../helpers/client.js';
import { newTally, produceLoop, readBack, sleep, summary, verify } from '../helpers/faults.js';

let broker: RunningBroker | undefined;

afterEach(async () => {
  if (broker && broker.proc.exitCode === null) broker.proc.kill('SIGCONT');
  await broker?.kill9();
  broker = undefined;
});

const PAUSE_MS = 2500;

describe('SIGSTOP and SIGCONT of the broker', () => {
  it('clients time out while it is stopped and resume after; no acknowledged data is lost', async () => {
    broker = await startBroker();
    const setup = await connectTo(broker.port);
    await createTopic(setup, 'paused');
    setup.close();
    const producer = await KafkaConnection.connect('127.0.0.1', broker.port, { requestTimeoutMs: 1000 });
    const consumer = await KafkaConnection.connect('127.0.0.1', broker.port, { requestTimeoutMs: 1500 });

    const tally = newTally();
    let stopProducing = false;
    const producing = produceLoop(producer, tally, {
      topic: 'paused',
      partition: 0,
      acks: -1,
      prefix: 'v',
      inflight: 2,
      stop: () => stopProducing,
    });

    // a consumer long-polling the partition; a timed-out fetch is simply sent again
    let fetchOffset = 0;
    let fetchTimeouts = 0;
    let fetchesAfterResume = 0;
    let resumed = false;
    let stopConsuming = false;
    const consuming = (async () => {
      while (!stopConsuming) {
        try {
          const res = await consumer.request(ApiKey.Fetch, 12, {
            replicaId: -1,
            maxWaitMs: 500,
            minBytes: 1,
            maxBytes: 1 << 20,
            isolationLevel: 0,
            sessionId: 0,
            sessionEpoch: -1,
            topics: [
              { topic: 'paused', partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }] },
            ],
            forgottenTopicsData: [],
            rackId: '',
          });
          const p = res.responses[0].partitions[0];
          if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode}`);
          for (const b of await decodeRecordBatches(p.records ?? Buffer.alloc(0))) {
            fetchOffset = Math.max(fetchOffset, b.baseOffset + b.lastOffsetDelta + 1);
          }
          if (resumed) fetchesAfterResume++;
        } catch (err) {
          if ((err as Error).name !== 'RequestTimeoutError') throw err;
          fetchTimeouts++;
        }
      }
    })();

    while (tally.acked.size < 500) await sleep(10);
    broker.proc.kill('SIGSTOP');
    await sleep(PAUSE_MS);
    const ackedWhileStopped = tally.acked.size;
    broker.proc.kill('SIGCONT');
    resumed = true;
    // progress after the pause, on the same connections
    while (tally.acked.size < ackedWhileStopped + 500 || fetchesAfterResume < 3) await sleep(10);
    stopProducing = true;
    await producing;
    // the consumer catches up with everything produced
    const end = Math.max(...tally.acked.values()) + 1;
    for (let waited = 0; fetchOffset < end && waited < 10_000; waited += 20) await sleep(20);
    stopConsuming = true;
    await consuming;

    const reader = await connectTo(broker.port);
    const records = await readBack(reader, 'paused');
    reader.close();
    producer.close();
    consumer.close();
    const v = verify(tally, records);
    summary('SIGSTOP 2.5 s during produce and fetch', v, {
      'produce timeouts': tally.timeouts,
      'fetch timeouts': fetchTimeouts,
      'timed out and stored': v.unackedPresent,
    });
    expect(tally.timeouts).toBeGreaterThan(0);
    expect(fetchTimeouts).toBeGreaterThan(0);
    expect(fetchOffset).toBeGreaterThanOrEqual(end);
    expect(v.lost).toBe(0);
    expect(v.duplicated).toBe(0);
    expect(v.outOfOrder).toBe(0);
    expect(v.readBack).toBe(v.acknowledged);
  });
});
