// DescribeUserScramCredentials (key 50), v0: the SCRAM mechanisms and iterations of each user (never
// salts or keys). A named user without credentials answers RESOURCE_NOT_FOUND; a name asked twice,
// DUPLICATE_RESOURCE.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type DescribeUserScramCredentialsRequest,
  type DescribeUserScramCredentialsResponseInput,
} from '../../protocol/messages/index.js';
import { scramCode } from '../../security/scram.js';
import type { ApiHandler } from '../handler.js';

export const describeUserScramCredentialsHandler: ApiHandler<
  DescribeUserScramCredentialsRequest,
  DescribeUserScramCredentialsResponseInput
> = {
  apiKey: ApiKey.DescribeUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const users = ctx.broker.security?.store.scramUsers() ?? new Map();
    const infos = (user: string) =>
      (users.get(user) ?? []).map(
        (i: { mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; iterations: number }) => ({
          mechanism: scramCode(i.mechanism),
          iterations: i.iterations,
        }),
      );
    const names = req.users?.length ? req.users.map((u) => u.name) : [...users.keys()].sort();
    const seen = new Map<string, number>();
    for (const n of names) seen.set(n, (seen.get(n) ?? 0) + 1);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      results: [...new Set(names)].map((user) => {
        if ((seen.get(user) ?? 0) > 1) {
          return {
            user,
            errorCode: ErrorCode.DUPLICATE_RESOURCE,
            errorMessage: 'User asked for twice',
            credentialInfos: [],
          };
        }
        if (!users.has(user)) {
          return {
            user,
            errorCode: ErrorCode.RESOURCE_NOT_FOUND,
            errorMessage: 'Attempt to describe a user credential that does not exist',
            credentialInfos: [],
          };
        }
        return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: infos(user) };
      }),
    };
  },
  errorResponse(_req, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, results: [] };
  },
};
