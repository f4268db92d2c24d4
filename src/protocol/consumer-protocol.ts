// The "consumer" embedded protocol: the subscription a member sends in JoinGroup metadata and the
// assignment the leader hands out through SyncGroup. Each is an int16 version followed by the
// versioned struct. A newer version than we know is read as the newest we know (fields are only
// ever appended), as Kafka's ConsumerProtocol does.

import { ProtocolDecodeError, Reader } from './codec/reader.js';
import { Writer } from './codec/writer.js';
import {
  decodeConsumerProtocolAssignment,
  decodeConsumerProtocolSubscription,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
  type ConsumerProtocolAssignment,
  type ConsumerProtocolAssignmentInput,
  type ConsumerProtocolSubscription,
  type ConsumerProtocolSubscriptionInput,
} from './messages/index.js';

/** The protocol type consumer groups use in JoinGroup. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';
export const SUBSCRIPTION_MAX_VERSION = 3;
export const ASSIGNMENT_MAX_VERSION = 3;

function readVersion(r: Reader, what: string): number {
  const version = r.readInt16();
  if (version < 0) throw new ProtocolDecodeError(`${what} has negative version ${version}`);
  return version;
}

export function encodeSubscription(
  sub: ConsumerProtocolSubscriptionInput,
  version = SUBSCRIPTION_MAX_VERSION,
): Buffer {
  const w = new Writer(64);
  w.writeInt16(version);
  encodeConsumerProtocolSubscription(w, sub, version);
  return w.toBuffer();
}

export function decodeSubscription(buf: Buffer): ConsumerProtocolSubscription & { version: number } {
  const r = new Reader(buf);
  const version = readVersion(r, 'ConsumerProtocolSubscription');
  const sub = decodeConsumerProtocolSubscription(r, Math.min(version, SUBSCRIPTION_MAX_VERSION));
  return { ...sub, version };
}

export function encodeAssignment(
  assignment: ConsumerProtocolAssignmentInput,
  version = ASSIGNMENT_MAX_VERSION,
): Buffer {
  const w = new Writer(64);
  w.writeInt16(version);
  encodeConsumerProtocolAssignment(w, assignment, version);
  return w.toBuffer();
}

/** An empty buffer (what a member gets when the leader assigned it nothing) decodes as no partitions. */
export function decodeAssignment(buf: Buffer): ConsumerProtocolAssignment & { version: number } {
  if (buf.length === 0) return { assignedPartitions: [], userData: null, version: 0 };
  const r = new Reader(buf);
  const version = readVersion(r, 'ConsumerProtocolAssignment');
  const a = decodeConsumerProtocolAssignment(r, Math.min(version, ASSIGNMENT_MAX_VERSION));
  return { ...a, version };
}
