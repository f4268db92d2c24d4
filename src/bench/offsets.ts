// Earliest/latest offsets of the bench topic's partitions, through the client's ListOffsets (grouped
// by leader, in the version the broker speaks), keyed by partition number.
import { EARLIEST, LATEST, listOffsets as listTopicOffsets, tpKey } from '../client/admin/offsets.js';
import type { Topology } from './topology.js';

export { EARLIEST, LATEST };

/** Offset per partition for `timestamp` (EARLIEST or LATEST). */
export async function listOffsets(
  topology: Topology,
  topic: string,
  timestamp: number,
): Promise<Map<number, number>> {
  const refs = topology.partitions.map((p) => ({ topic, partition: p.partition }));
  const byKey = await listTopicOffsets(topology.client, refs, timestamp, topology.metadata);
  return new Map(refs.map((r) => [r.partition, byKey.get(tpKey(topic, r.partition))!]));
}

export function sumOffsets(m: Map<number, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}
