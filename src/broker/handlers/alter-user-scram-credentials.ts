// AlterUserScramCredentials (key 51), v0: upserts (salt and salted password computed by the client,
// KIP-554) and deletions of SCRAM credentials, persisted as salt, StoredKey, ServerKey and
// iterations in one write (security.json, or cluster-wide in the cluster metadata in cluster mode). Kafka's checks: a known mechanism, iterations in 4096-16384, a non-empty
// user, a user not altered twice in one request, and an existing credential for a deletion.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type AlterUserScramCredentialsRequest,
  type AlterUserScramCredentialsResponseInput,
} from '../../protocol/messages/index.js';
import {
  credentialFromSalted,
  MAX_ITERATIONS,
  MIN_ITERATIONS,
  SCRAM_MECHANISM_CODES,
  type ScramCredential,
  type ScramMechanism,
} from '../../security/scram.js';
import { afterWrite, type ApiHandler } from '../handler.js';

export const alterUserScramCredentialsHandler: ApiHandler<
  AlterUserScramCredentialsRequest,
  AlterUserScramCredentialsResponseInput
> = {
  apiKey: ApiKey.AlterUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const store = ctx.broker.security?.store;
    const errors = new Map<string, { code: number; message: string }>();
    const fail = (user: string, code: number, message: string) => {
      if (!errors.has(user)) errors.set(user, { code, message });
    };
    // Every user once in the results; a (user, mechanism) pair twice in one request is refused.
    const users = new Set<string>();
    const pairs = new Map<string, number>();
    for (const x of [...req.deletions, ...req.upsertions]) {
      users.add(x.name);
      const key = `${x.name}\u0000${x.mechanism}`;
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
    }
    const upserts: { user: string; mechanism: ScramMechanism; credential: ScramCredential }[] = [];
    const deletions: { user: string; mechanism: ScramMechanism }[] = [];
    for (const d of req.deletions) {
      const mechanism = SCRAM_MECHANISM_CODES.get(d.mechanism);
      if (d.name === '') fail(d.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
      else if (!mechanism) fail(d.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
      else if (!store?.scramCredential(mechanism, d.name)) {
        fail(d.name, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
      } else deletions.push({ user: d.name, mechanism });
    }
    for (const u of req.upsertions) {
      const mechanism = SCRAM_MECHANISM_CODES.get(u.mechanism);
      if (u.name === '') fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
      else if (!mechanism) fail(u.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
      else if (u.iterations < MIN_ITERATIONS || u.iterations > MAX_ITERATIONS) {
        fail(
          u.name,
          ErrorCode.UNACCEPTABLE_CREDENTIAL,
          `Iterations must be between ${MIN_ITERATIONS} and ${MAX_ITERATIONS}`,
        );
      } else if (u.salt.length === 0 || u.saltedPassword.length === 0) {
        fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt and salted password must not be empty');
      } else {
        upserts.push({
          user: u.name,
          mechanism,
          credential: credentialFromSalted(mechanism, u.saltedPassword, u.salt, u.iterations),
        });
      }
    }
    for (const [key, n] of pairs) {
      if (n > 1) {
        const user = key.slice(0, key.indexOf('\u0000'));
        fail(
          user,
          ErrorCode.DUPLICATE_RESOURCE,
          'A user credential cannot be altered twice in the same request',
        );
      }
    }
    if (!store) for (const user of users) fail(user, ErrorCode.SECURITY_DISABLED, 'No security store');
    const okUpserts = upserts.filter((u) => !errors.has(u.user));
    const okDeletions = deletions.filter((d) => !errors.has(d.user));
    const response = () => ({
      throttleTimeMs: 0,
      results: [...users].map((user) => ({
        user,
        errorCode: errors.get(user)?.code ?? ErrorCode.NONE,
        errorMessage: errors.get(user)?.message ?? null,
      })),
    });
    if (!store || (okUpserts.length === 0 && okDeletions.length === 0)) return response();
    return afterWrite(
      () => store.alterScram(okUpserts, okDeletions),
      () => {
        ctx.logger.info(
          {
            principal: ctx.session?.principal,
            upserted: okUpserts.map((u) => `${u.user}/${u.mechanism}`),
            deleted: okDeletions.map((d) => `${d.user}/${d.mechanism}`),
          },
          'SCRAM credentials changed',
        );
        return response();
      },
      (err) => {
        // the write was one: every user it carried failed with it
        for (const x of [...okUpserts, ...okDeletions]) fail(x.user, err.code, err.message);
        return response();
      },
    );
  },
  errorResponse(req, errorCode) {
    const users = new Set([...req.deletions, ...req.upsertions].map((x) => x.name));
    return {
      throttleTimeMs: 0,
      results: [...users].map((user) => ({ user, errorCode, errorMessage: null })),
    };
  },
};
