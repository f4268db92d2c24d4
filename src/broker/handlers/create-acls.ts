// CreateAcls (key 30), v0-v3: stores ACL bindings (in security.json, or cluster-wide in the cluster
// metadata in cluster mode). Each creation gets its own result; an invalid binding answers
// INVALID_REQUEST with the reason, and a failed write the write's error on every valid one.
// SECURITY_DISABLED when the broker runs without an authorizer (authorizer.class.name unset).

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type CreateAclsRequest,
  type CreateAclsResponseInput,
} from '../../protocol/messages/index.js';
import { bindingProblem, PatternType, type AclBinding } from '../../security/acl.js';
import { afterWrite, type ApiHandler } from '../handler.js';

export const createAclsHandler: ApiHandler<CreateAclsRequest, CreateAclsResponseInput> = {
  apiKey: ApiKey.CreateAcls,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const security = ctx.broker.security;
    if (!security?.authorizer) {
      return {
        throttleTimeMs: 0,
        results: req.creations.map(() => ({
          errorCode: ErrorCode.SECURITY_DISABLED,
          errorMessage: 'No authorizer is configured.',
        })),
      };
    }
    const valid: AclBinding[] = [];
    const results = req.creations.map((c) => {
      const binding: AclBinding = {
        resourceType: c.resourceType,
        resourceName: c.resourceName,
        // v0 has no pattern type: literal
        patternType: ctx.header.apiVersion === 0 ? PatternType.LITERAL : c.resourcePatternType,
        principal: c.principal,
        host: c.host,
        operation: c.operation,
        permissionType: c.permissionType,
      };
      const problem = bindingProblem(binding);
      if (problem) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem };
      valid.push(binding);
      return { errorCode: ErrorCode.NONE, errorMessage: null };
    });
    if (valid.length === 0) return { throttleTimeMs: 0, results };
    return afterWrite<void, CreateAclsResponseInput>(
      () => security.store.addAcls(valid),
      () => {
        ctx.logger.info({ principal: ctx.session?.principal, created: valid.length }, 'ACLs created');
        return { throttleTimeMs: 0, results };
      },
      (err) => ({
        throttleTimeMs: 0,
        results: results.map((r) =>
          r.errorCode === ErrorCode.NONE ? { errorCode: err.code, errorMessage: err.message } : r,
        ),
      }),
    );
  },
  errorResponse(req, errorCode) {
    return { throttleTimeMs: 0, results: req.creations.map(() => ({ errorCode, errorMessage: null })) };
  },
};
