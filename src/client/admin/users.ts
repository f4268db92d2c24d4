// SCRAM credentials over the Kafka protocol (DescribeUserScramCredentials and
// AlterUserScramCredentials), as `kafka-configs --entity-type users` manages them. The password is
// salted and hashed here; only the salted password crosses the wire.

import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import {
  SCRAM_MECHANISM_CODES,
  saltedPassword,
  scramCode,
  type ScramMechanism,
} from '../../security/scram.js';
import type { ClusterClient } from '../cluster.js';
import { check } from '../errors.js';

export interface ScramUserCredential {
  user: string;
  mechanism: ScramMechanism;
  iterations: number;
}

export interface ScramUpsertion {
  user: string;
  password: string;
  mechanism: ScramMechanism;
  iterations: number;
}

/** Credentials of `users` (null: every user), one row per user and mechanism. */
export async function describeScramUsers(
  client: ClusterClient,
  users: string[] | null = null,
): Promise<ScramUserCredential[]> {
  const { response } = await client.request<{
    errorCode: number;
    errorMessage: string | null;
    results: {
      user: string;
      errorCode: number;
      errorMessage: string | null;
      credentialInfos: { mechanism: number; iterations: number }[];
    }[];
  }>('any', ApiKey.DescribeUserScramCredentials, () => ({
    users: users === null ? null : users.map((name) => ({ name })),
  }));
  check(response.errorCode, 'describe SCRAM users', response.errorMessage);
  const out: ScramUserCredential[] = [];
  for (const r of response.results) {
    check(r.errorCode, `describe SCRAM user '${r.user}'`, r.errorMessage);
    for (const c of r.credentialInfos) {
      const mechanism = SCRAM_MECHANISM_CODES.get(c.mechanism);
      if (mechanism) out.push({ user: r.user, mechanism, iterations: c.iterations });
    }
  }
  return out.sort((a, b) =>
    a.user === b.user ? a.mechanism.localeCompare(b.mechanism) : a.user < b.user ? -1 : 1,
  );
}

type AlterResponse = { results: { user: string; errorCode: number; errorMessage: string | null }[] };

export async function upsertScramUser(
  client: ClusterClient,
  u: ScramUpsertion,
): Promise<ScramUserCredential> {
  const salt = randomBytes(32);
  const { response } = await client.request<AlterResponse>(
    'controller',
    ApiKey.AlterUserScramCredentials,
    () => ({
      deletions: [],
      upsertions: [
        {
          name: u.user,
          mechanism: scramCode(u.mechanism),
          iterations: u.iterations,
          salt,
          saltedPassword: saltedPassword(u.mechanism, u.password, salt, u.iterations),
        },
      ],
    }),
  );
  for (const r of response.results)
    check(r.errorCode, `set ${u.mechanism} credentials of '${u.user}'`, r.errorMessage);
  return { user: u.user, mechanism: u.mechanism, iterations: u.iterations };
}

/** Removes `user`'s credentials for `mechanisms` (all it has when omitted); returns what was removed. */
export async function deleteScramUser(
  client: ClusterClient,
  user: string,
  mechanisms?: ScramMechanism[],
): Promise<ScramUserCredential[]> {
  const existing = await describeScramUsers(client, [user]);
  const targets = mechanisms
    ? mechanisms.map((m) => existing.find((e) => e.mechanism === m) ?? { user, mechanism: m, iterations: 0 })
    : existing;
  if (targets.length === 0) check(ErrorCode.RESOURCE_NOT_FOUND, `remove SCRAM user '${user}'`);
  const { response } = await client.request<AlterResponse>(
    'controller',
    ApiKey.AlterUserScramCredentials,
    () => ({
      deletions: targets.map((t) => ({ name: user, mechanism: scramCode(t.mechanism) })),
      upsertions: [],
    }),
  );
  for (const r of response.results)
    check(r.errorCode, `remove SCRAM credentials of '${user}'`, r.errorMessage);
  return targets;
}
