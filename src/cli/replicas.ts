// Parsing of replica placements as Kafka's tools write them: broker lists (`2,3,1`), kafka-topics'
// --replica-assignment (`1:2:3,2:3:1`: partitions separated by commas, their replicas by colons)
// and kafka-reassign-partitions' reassignment JSON file. Bad input is a usage error (exit code 2).

import type { PartitionOutcome, ReassignmentTarget } from '../client/admin/index.js';
import { KafkaRequestError } from '../client/errors.js';
import { ERROR_MESSAGES } from '../protocol/errors.js';
import { UsageError } from './parse.js';

function brokerId(text: string, what: string, whole: string): number {
  const s = text.trim();
  if (!/^\d+$/.test(s) || Number(s) > 2 ** 31 - 1) {
    throw new UsageError(`${what} expects broker ids (non-negative integers), got '${s}' in '${whole}'`);
  }
  return Number(s);
}

function duplicates(ids: number[]): number[] {
  return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
}

/** `2,3,1`: replicas in preference order (the first is the preferred leader). */
export function parseBrokerList(text: string, what = '--replicas'): number[] {
  if (text.trim() === '') throw new UsageError(`${what} expects broker ids such as 1,2,3, got nothing`);
  const ids = text.split(',').map((s) => brokerId(s, what, text));
  const dup = duplicates(ids);
  if (dup.length > 0) {
    throw new UsageError(`${what} may not name a broker twice: ${dup.join(',')} in '${text}'`);
  }
  return ids;
}

/**
 * kafka-topics' `--replica-assignment`: `1:2:3,2:3:1` gives partition 0 the replicas 1,2,3 and
 * partition 1 the replicas 2,3,1. Every partition needs the same number of replicas.
 */
export function parseReplicaAssignment(text: string, what = '--replica-assignment'): number[][] {
  if (text.trim() === '') {
    throw new UsageError(`${what} expects replicas per partition such as 1:2,2:3, got nothing`);
  }
  const partitions = text.split(',').map((part, i) => {
    if (part.trim() === '') throw new UsageError(`${what}: partition ${i} has no replicas in '${text}'`);
    const ids = part.split(':').map((s) => brokerId(s, what, text));
    const dup = duplicates(ids);
    if (dup.length > 0) {
      throw new UsageError(
        `${what}: partition replica lists may not contain duplicate entries: ${dup.join(',')} (partition ${i})`,
      );
    }
    return ids;
  });
  const rf = partitions[0]!.length;
  partitions.forEach((ids, i) => {
    if (ids.length !== rf) {
      throw new UsageError(
        `${what}: partition ${i} has a different replication factor (${ids.length}) than partition 0 (${rf}): ${ids.join(':')}`,
      );
    }
  });
  return partitions;
}

/**
 * A kafka-reassign-partitions reassignment JSON file:
 * `{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}`.
 * Log dirs other than "any" cannot be honoured and are refused.
 */
export function parseReassignmentJson(
  text: string,
  source = 'the reassignment JSON file',
): ReassignmentTarget[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
  const fail = (why: string): never => {
    throw new UsageError(
      `${source}: ${why}. Expected {"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[1,2,3]}]}`,
    );
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail('not a JSON object');
  const { version, partitions } = doc as { version?: unknown; partitions?: unknown };
  if (version !== undefined && version !== 1) fail(`unsupported version ${JSON.stringify(version)}`);
  if (!Array.isArray(partitions)) return fail('"partitions" must be an array');
  if (partitions.length === 0) fail('"partitions" is empty');
  const seen = new Set<string>();
  return partitions.map((entry: unknown, i): ReassignmentTarget => {
    const at = `partitions[${i}]`;
    if (typeof entry !== 'object' || entry === null) return fail(`${at} is not an object`);
    const e = entry as { topic?: unknown; partition?: unknown; replicas?: unknown; log_dirs?: unknown };
    if (typeof e.topic !== 'string' || e.topic === '') fail(`${at}.topic must be a topic name`);
    if (typeof e.partition !== 'number' || !Number.isInteger(e.partition) || e.partition < 0)
      fail(`${at}.partition must be a non-negative integer`);
    if (
      !Array.isArray(e.replicas) ||
      e.replicas.length === 0 ||
      !e.replicas.every((r) => typeof r === 'number' && Number.isInteger(r) && r >= 0)
    )
      fail(`${at}.replicas must be a non-empty array of broker ids`);
    const replicas = e.replicas as number[];
    const dup = duplicates(replicas);
    if (dup.length > 0) fail(`${at}.replicas names broker ${dup.join(',')} more than once`);
    if (e.log_dirs !== undefined) {
      if (!Array.isArray(e.log_dirs) || e.log_dirs.length !== replicas.length)
        fail(`${at}.log_dirs must have one entry per replica`);
      if ((e.log_dirs as unknown[]).some((d) => d !== 'any'))
        fail(`${at}.log_dirs: moving replicas between log directories is not supported; use "any"`);
    }
    const key = `${e.topic as string}-${e.partition as number}`;
    if (seen.has(key)) fail(`partition ${key} is listed twice`);
    seen.add(key);
    return { topic: e.topic as string, partition: e.partition as number, replicas };
  });
}

/**
 * The error to end a command with when partitions failed (codes in `harmless` do not count): the
 * first failure's Kafka error, its text naming how many failed in all. Null when none did.
 */
export function outcomeFailure(
  outcomes: PartitionOutcome[],
  what: string,
  harmless: number[] = [],
): KafkaRequestError | null {
  const failed = outcomes.filter((o) => o.errorCode !== 0 && !harmless.includes(o.errorCode));
  const first = failed[0];
  if (!first) return null;
  const message = first.message ?? ERROR_MESSAGES.get(first.errorCode)?.message ?? '';
  const more = failed.length > 1 ? ` (${failed.length - 1} more partition(s) failed too)` : '';
  return new KafkaRequestError(first.errorCode, `${what} ${first.topic}-${first.partition}`, message + more);
}
