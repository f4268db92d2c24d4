import { afterEach, describe, expect, it } from 'vitest';
import { startBroker, tempDataDir, type RunningBroker } from '../helpers/broker.js';
import { connectTo, createTopic, fetchAll, logEndOffset, produceValues } from '../helpers/client.js';

let broker: RunningBroker | undefined;

afterEach(async () => {
  await broker?.stop();
  broker = undefined;
});

describe('restart', () => {
  it('keeps every record, offset and topic across a clean stop and start on the same data directory', async () => {
    const dataDir = tempDataDir();
    broker = await startBroker({ dataDir, overrides: { 'log.segment.bytes': 4096 } });
    let c = await connectTo(broker.port);
    await createTopic(c, 'durable', 2);
    const values = Array.from({ length: 300 }, (_, i) => `record-${i}-${'z'.repeat(i % 40)}`);
    for (let i = 0; i < values.length; i += 30) {
      expect((await produceValues(c, 'durable', (i / 30) % 2, values.slice(i, i + 30))).errorCode).toBe(0);
    }
    const before = [await fetchAll(c, 'durable', 0), await fetchAll(c, 'durable', 1)];
    c.close();
    expect(await broker.stop()).toBe(0);
    expect(broker.logs.some((l) => l.msg === 'shutdown complete')).toBe(true);

    broker = await startBroker({ dataDir });
    c = await connectTo(broker.port);
    expect([await fetchAll(c, 'durable', 0), await fetchAll(c, 'durable', 1)]).toEqual(before);
    expect(await logEndOffset(c, 'durable', 0)).toBe(150);
    // offsets continue where they stopped
    expect((await produceValues(c, 'durable', 0, ['after-restart'])).baseOffset).toBe(150);
    c.close();
  });
});
