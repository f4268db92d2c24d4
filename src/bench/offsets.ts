// Earliest/latest offsets of a topic's partitions via ListOffsets, grouped by leader connection.
import { ErrorCode, errorName } from '../protocol/errors.js';
import { ApiKey } from '../protocol/messages/index.js';
import type { Topology } from './topology.js';

export const EARLIEST = -2;
export const LATEST = -1;

interface ListOffsetsResponse {
  topics: { partitions: { partitionIndex: number; errorCode: number; offset: number }[] }[];
}

/** Offset per partition for `timestamp` (EARLIEST or LATEST). */
export async function listOffsets(
  topology: Topology,
  topic: string,
  timestamp: number,
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  await Promise.all(
    topology.partitions.map(async (p) => {
      const res = await p.connections[0]!.request<ListOffsetsResponse>(ApiKey.ListOffsets, 4, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [
          { name: topic, partitions: [{ partitionIndex: p.partition, currentLeaderEpoch: -1, timestamp }] },
        ],
      });
      const r = res.topics[0]!.partitions[0]!;
      if (r.errorCode !== ErrorCode.NONE)
        throw new Error(`ListOffsets ${topic}/${p.partition}: ${errorName(r.errorCode)}`);
      out.set(p.partition, r.offset);
    }),
  );
  return out;
}

export function sumOffsets(m: Map<number, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}
