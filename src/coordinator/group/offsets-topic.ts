// The records of __consumer_offsets, in Kafka's own format so the topic is readable by Kafka tools:
// every key and value is an int16 schema version followed by the versioned struct.
//
//   key version 0/1  OffsetCommitKey (group, topic, partition)    value OffsetCommitValue v1 or v3
//   key version 2    GroupMetadataKey (group)                      value GroupMetadataValue v3
//   key version 3+   KIP-848 consumer-group records                 (skipped: classic groups only)
//
// A null value is a tombstone: the offset or the group was deleted. A group lives on partition
// abs(javaHashCode(groupId)) % partitions, as Kafka computes it, so a client or tool that derives
// the partition itself agrees with us.

import { ProtocolDecodeError, Reader } from '../../protocol/codec/reader.js';
import { Writer } from '../../protocol/codec/writer.js';
import {
  decodeGroupMetadataKey,
  decodeGroupMetadataValue,
  decodeOffsetCommitKey,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  type GroupMetadataValue,
  type GroupMetadataValueInput,
  type OffsetCommitValue,
} from '../../protocol/messages/index.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** Kafka's offsets.topic.segment.bytes default. */
const OFFSETS_TOPIC_SEGMENT_BYTES = 104_857_600;

/** Topic configs __consumer_offsets is created with (compaction itself is not implemented yet). */
export const OFFSETS_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact',
  'segment.bytes': String(OFFSETS_TOPIC_SEGMENT_BYTES),
};

const OFFSET_COMMIT_KEY_VERSION = 1;
const GROUP_METADATA_KEY_VERSION = 2;
const GROUP_METADATA_VALUE_VERSION = 3;

/** Java's String.hashCode over UTF-16 code units, as a signed 32-bit integer. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The __consumer_offsets partition of a group: Kafka's Utils.abs(hashCode) % partitions. */
export function partitionForGroup(groupId: string, partitions: number): number {
  const h = javaStringHashCode(groupId);
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % partitions;
}

export interface StoredOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** -1 unless the commit asked for its own retention (OffsetCommit v2-v4). */
  expireTimestamp: number;
}

export interface OffsetsTopicRecord {
  key: Buffer;
  value: Buffer | null;
}

function versioned(version: number, write: (w: Writer) => void): Buffer {
  const w = new Writer(64);
  w.writeInt16(version);
  write(w);
  return w.toBuffer();
}

export function offsetCommitRecord(
  group: string,
  topic: string,
  partition: number,
  offset: StoredOffset | null,
): OffsetsTopicRecord {
  const key = versioned(OFFSET_COMMIT_KEY_VERSION, (w) =>
    encodeOffsetCommitKey(w, { group, topic, partition }, OFFSET_COMMIT_KEY_VERSION),
  );
  if (offset === null) return { key, value: null };
  // Kafka writes v1 when the commit carries its own expiry, else v3 (with the leader epoch).
  const version = offset.expireTimestamp >= 0 ? 1 : 3;
  const value = versioned(version, (w) => encodeOffsetCommitValue(w, offset, version));
  return { key, value };
}

export function groupMetadataRecord(
  group: string,
  value: GroupMetadataValueInput | null,
): OffsetsTopicRecord {
  const key = versioned(GROUP_METADATA_KEY_VERSION, (w) =>
    encodeGroupMetadataKey(w, { group }, GROUP_METADATA_KEY_VERSION),
  );
  if (value === null) return { key, value: null };
  return {
    key,
    value: versioned(GROUP_METADATA_VALUE_VERSION, (w) =>
      encodeGroupMetadataValue(w, value, GROUP_METADATA_VALUE_VERSION),
    ),
  };
}

export type DecodedOffsetsRecord =
  | { type: 'offset'; group: string; topic: string; partition: number; value: StoredOffset | null }
  | { type: 'group'; group: string; value: GroupMetadataValue | null }
  | { type: 'other'; keyVersion: number };

function readValueVersion(r: Reader, max: number, what: string): number {
  const v = r.readInt16();
  if (v < 0) throw new ProtocolDecodeError(`${what} has negative version ${v}`);
  // newer versions only add tagged fields (KIP-915), so read them as the newest we know
  return Math.min(v, max);
}

/** Decodes one record of __consumer_offsets; throws ProtocolDecodeError on malformed bytes. */
export function decodeOffsetsTopicRecord(key: Buffer, value: Buffer | null): DecodedOffsetsRecord {
  const kr = new Reader(key);
  const keyVersion = kr.readInt16();
  if (keyVersion === 0 || keyVersion === 1) {
    const k = decodeOffsetCommitKey(kr, keyVersion);
    if (value === null) return { type: 'offset', ...k, value: null };
    const vr = new Reader(value);
    const v: OffsetCommitValue = decodeOffsetCommitValue(vr, readValueVersion(vr, 4, 'OffsetCommitValue'));
    return {
      type: 'offset',
      ...k,
      value: {
        offset: v.offset,
        leaderEpoch: v.leaderEpoch,
        metadata: v.metadata,
        commitTimestamp: v.commitTimestamp,
        expireTimestamp: v.expireTimestamp,
      },
    };
  }
  if (keyVersion === 2) {
    const k = decodeGroupMetadataKey(kr, keyVersion);
    if (value === null) return { type: 'group', group: k.group, value: null };
    const vr = new Reader(value);
    return {
      type: 'group',
      group: k.group,
      value: decodeGroupMetadataValue(vr, readValueVersion(vr, 4, 'GroupMetadataValue')),
    };
  }
  return { type: 'other', keyVersion };
}
