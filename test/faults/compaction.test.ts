// Compaction end to end: seeded random keyed writes and tombstones (in every codec) to a topic with
// cleanup.policy=compact, small segments and a fast cleaner. Once the cleaner has caught up, a full
// read returns exactly the latest value of every live key, each at the offset it was written at,
// checked against an in-memory model; the same after a kill -9 and restart. Records without a key
// are refused with INVALID_RECORD.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaConnection } from '../../src/client/connection.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import type { CompressionType } from '../../src/protocol/records/compression/types.js';
import { encodeRecordBatch } from '../../src/protocol/records/record-batch.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { connectTo } from '../helpers/client.js';
import { readBack, sleep, summary, type StoredRecord } from '../helpers/faults.js';

let broker: RunningBroker | undefined;

afterEach(async () => {
  await broker?.kill9();
  broker = undefined;
});

const INVALID_RECORD = 87;
const TOPIC = 'kv';
const CONFIGS = {
  'cleanup.policy': 'compact',
  'segment.bytes': '8192',
  'min.cleanable.dirty.ratio': '0.01',
  'delete.retention.ms': '300',
  'min.compaction.lag.ms': '0',
};

type Entry = [key: string | null, value: string | null];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function produce(c: KafkaConnection, entries: Entry[], compression: CompressionType = 'none') {
  const records = await encodeRecordBatch({
    records: entries.map(([key, value]) => ({ key, value })),
    compression,
  });
  const res = await c.request(ApiKey.Produce, 9, {
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
  });
  return res.responses[0].partitionResponses[0] as {
    errorCode: number;
    baseOffset: number;
    recordErrors: { batchIndex: number }[];
  };
}

/** Base offset of the active (last) segment, from the file names. */
function activeBase(dataDir: string): number {
  const bases = readdirSync(join(dataDir, `${TOPIC}-0`))
    .filter((f) => /^\d{20}\.log$/.test(f))
    .map((f) => Number(f.slice(0, 20)));
  return Math.max(...bases);
}

interface Model {
  latest: Map<string, { value: string | null; offset: number }>;
  written: Map<number, Entry>;
  lastOffset: number;
}

/** Differences between a full read (up to the model's last offset) and the model. */
function compare(model: Model, records: StoredRecord[]) {
  const inRange = records.filter((r) => r.offset <= model.lastOffset);
  const live = [...model.latest].filter(([, v]) => v.value !== null);
  const seen = new Map<string, number>();
  let moved = 0;
  let tombstones = 0;
  for (const r of inRange) {
    seen.set(r.key!, (seen.get(r.key!) ?? 0) + 1);
    const w = model.written.get(r.offset);
    if (!w || w[0] !== r.key || w[1] !== r.value) moved++;
    if (r.value === null) tombstones++;
  }
  let lost = 0;
  for (const [key, v] of live) {
    if (!inRange.some((r) => r.key === key && r.offset === v.offset && r.value === v.value)) lost++;
  }
  let duplicated = 0;
  for (const n of seen.values()) if (n > 1) duplicated += n - 1;
  const stale = inRange.length - live.length - duplicated;
  return { inRange, live: live.length, lost, duplicated, moved, tombstones, stale };
}

describe('compaction', () => {
  it('keeps exactly the latest value of each live key at its original offset, also after kill -9', async () => {
    broker = await startBroker({ overrides: { 'log.cleaner.backoff.ms': 100 } });
    const dataDir = broker.dataDir;
    const c = await connectTo(broker.port);
    const created = await c.request(ApiKey.CreateTopics, 7, {
      topics: [
        {
          name: TOPIC,
          numPartitions: 1,
          replicationFactor: 1,
          configs: Object.entries(CONFIGS).map(([name, value]) => ({ name, value })),
        },
      ],
      timeoutMs: 5000,
    });
    expect(created.topics[0].errorCode).toBe(0);

    // records without a key are refused, compressed or not
    for (const codec of ['none', 'gzip'] as const) {
      const r = await produce(
        c,
        [
          ['k', 'v'],
          [null, 'no key'],
        ],
        codec,
      );
      expect(r.errorCode).toBe(INVALID_RECORD);
      expect(r.recordErrors.map((e) => e.batchIndex)).toEqual([1]);
    }

    const rand = mulberry32(7);
    const codecs: CompressionType[] = ['none', 'none', 'gzip', 'snappy', 'lz4', 'zstd'];
    const model: Model = { latest: new Map(), written: new Map(), lastOffset: -1 };
    let acknowledged = 0;
    let tombstonesWritten = 0;
    for (let op = 0; op < 400; op++) {
      const entries: Entry[] = [];
      for (let i = 1 + Math.floor(rand() * 5); i > 0; i--) {
        const key = `key-${Math.floor(rand() * 80)}`;
        const tombstone = rand() < 0.12;
        if (tombstone) tombstonesWritten++;
        entries.push([key, tombstone ? null : `v${op}-${'x'.repeat(Math.floor(rand() * 60))}`]);
      }
      const r = await produce(c, entries, codecs[Math.floor(rand() * codecs.length)]);
      expect(r.errorCode).toBe(0);
      entries.forEach((e, i) => {
        model.written.set(r.baseOffset + i, e);
        model.latest.set(e[0]!, { value: e[1], offset: r.baseOffset + i });
      });
      acknowledged += entries.length;
      model.lastOffset = r.baseOffset + entries.length - 1;
    }
    // a different key until the active segment starts after the model: all of it becomes cleanable
    for (let i = 0; activeBase(dataDir) <= model.lastOffset; i++) {
      expect((await produce(c, [['__end__', `filler-${i}-${'.'.repeat(500)}`]])).errorCode).toBe(0);
    }

    // the cleaner catches up: stale values go, then (after delete.retention.ms) the tombstones
    let result = compare(model, await readBack(c, TOPIC));
    const deadline = Date.now() + 30_000;
    while ((result.stale > 0 || result.tombstones > 0 || result.duplicated > 0) && Date.now() < deadline) {
      await sleep(200);
      result = compare(model, await readBack(c, TOPIC));
    }
    c.close();
    summary(
      'compaction of 400 random keyed batches with tombstones',
      {
        acknowledged,
        readBack: result.inRange.length,
        lost: result.lost,
        duplicated: result.duplicated,
        unackedPresent: 0,
        outOfOrder: 0,
      },
      {
        'live keys': result.live,
        'tombstones written': tombstonesWritten,
        'stale records left': result.stale,
        'records at another offset': result.moved,
      },
    );
    expect(result.lost).toBe(0);
    expect(result.duplicated).toBe(0);
    expect(result.moved).toBe(0);
    expect(result.tombstones).toBe(0);
    expect(result.stale).toBe(0);
    expect(result.inRange.length).toBe(result.live);
    expect(broker.logs.some((l) => l.msg === 'log cleaned')).toBe(true);

    // a crash and a restart change nothing
    await broker.kill9();
    broker = await startBroker({ dataDir, overrides: { 'log.cleaner.backoff.ms': 100 } });
    const c2 = await connectTo(broker.port);
    const again = compare(model, await readBack(c2, TOPIC));
    c2.close();
    expect(again.inRange).toEqual(result.inRange);
  });
});

describe('compaction of __consumer_offsets', () => {
  it('the log cleaner compacts committed offsets, and the latest commit survives a kill -9', async () => {
    const overrides = { 'offsets.topic.num.partitions': 1, 'log.cleaner.backoff.ms': 100 };
    broker = await startBroker({ overrides });
    const dataDir = broker.dataDir;
    const c = await connectTo(broker.port);
    await c.request(ApiKey.FindCoordinator, 3, { key: 'g', keyType: 0 });
    const created = await c.request(ApiKey.CreateTopics, 7, {
      topics: [{ name: 'data', numPartitions: 1, replicationFactor: 1, configs: [] }],
      timeoutMs: 5000,
    });
    expect(created.topics[0].errorCode).toBe(0);
    const commit = async (offset: number) => {
      const r = await c.request(ApiKey.OffsetCommit, 8, {
        groupId: 'g',
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: 'data',
            partitions: [
              { partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' },
            ],
          },
        ],
      });
      expect(r.topics[0].partitions[0].errorCode).toBe(0);
    };
    // small segments for the internal topic, so that commits roll segments the cleaner may clean
    const altered = await c.request(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [
        {
          resourceType: 2,
          resourceName: '__consumer_offsets',
          configs: [
            { name: 'segment.bytes', configOperation: 0, value: '2048' },
            { name: 'min.cleanable.dirty.ratio', configOperation: 0, value: '0.01' },
          ],
        },
      ],
      validateOnly: false,
    });
    expect(altered.responses[0].errorCode).toBe(0);
    const COMMITS = 300;
    for (let i = 1; i <= COMMITS; i++) await commit(i);

    // the commits of one key collapse to the latest few (the active segment keeps its own)
    let records = await readBack(c, '__consumer_offsets');
    const deadline = Date.now() + 20_000;
    while (records.length > 40 && Date.now() < deadline) {
      await sleep(200);
      records = await readBack(c, '__consumer_offsets');
    }
    c.close();
    summary('compaction of __consumer_offsets after 300 commits of one group and partition', {
      acknowledged: COMMITS,
      readBack: records.length,
      lost: 0,
      duplicated: 0,
      unackedPresent: 0,
      outOfOrder: 0,
    });
    expect(records.length).toBeLessThanOrEqual(40);

    await broker.kill9();
    broker = await startBroker({ dataDir, overrides });
    const c2 = await connectTo(broker.port);
    let fetched = -2;
    for (let tries = 0; tries < 50 && fetched !== COMMITS; tries++) {
      const r = await c2.request(ApiKey.OffsetFetch, 8, {
        groups: [{ groupId: 'g', topics: [{ name: 'data', partitionIndexes: [0] }] }],
        requireStable: false,
      });
      const g = r.groups[0];
      fetched = g.errorCode === 0 ? Number(g.topics[0].partitions[0].committedOffset) : -2;
      if (fetched !== COMMITS) await sleep(100); // COORDINATOR_LOAD_IN_PROGRESS at first
    }
    c2.close();
    expect(fetched).toBe(COMMITS);
  });
});
