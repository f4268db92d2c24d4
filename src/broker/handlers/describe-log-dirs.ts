// DescribeLogDirs (key 35), v0-v4. One log directory (the data dir) with the size of every
// partition's segments; offset lag is 0 (the log end offset is the high watermark on one broker)
// and there are no future logs. A null topic list means every partition; partitions this broker
// does not have are left out, as Kafka does. v3 adds a top-level error code, v4 the volume's
// total and usable bytes.

import { statfsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type DescribeLogDirsRequest,
  type DescribeLogDirsResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';

function volume(dir: string): { totalBytes: number; usableBytes: number } {
  try {
    const s = statfsSync(dir);
    return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
  } catch {
    return { totalBytes: -1, usableBytes: -1 };
  }
}

export const describeLogDirsHandler: ApiHandler<DescribeLogDirsRequest, DescribeLogDirsResponseInput> = {
  apiKey: ApiKey.DescribeLogDirs,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const { broker } = ctx;
    const byTopic = new Map<
      string,
      { partitionIndex: number; partitionSize: number; offsetLag: number; isFutureKey: boolean }[]
    >();
    const add = (topic: string, partition: number) => {
      const log = broker.topics.partitionLog(topic, partition);
      if (!log || log.isClosed) return;
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ partitionIndex: partition, partitionSize: log.size, offsetLag: 0, isFutureKey: false });
    };
    if (req.topics === null) {
      for (const t of broker.topics.all()) for (let p = 0; p < t.partitions; p++) add(t.name, p);
    } else {
      for (const t of req.topics) {
        const meta = broker.topics.get(t.topic);
        if (!meta) continue;
        for (const p of t.partitions) if (p >= 0 && p < meta.partitions) add(t.topic, p);
      }
    }
    const dir = resolve(broker.logs.dataDir);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [
        {
          errorCode: ErrorCode.NONE,
          logDir: dir,
          topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
          ...volume(dir),
        },
      ],
    };
  },
  errorResponse(_req, errorCode) {
    return { throttleTimeMs: 0, errorCode, results: [] };
  },
};
