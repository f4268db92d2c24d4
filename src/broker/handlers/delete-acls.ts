// DeleteAcls (key 31), v0-v3: removes the stored bindings matching each filter and lists them.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type DeleteAclsRequest,
  type DeleteAclsResponseInput,
} from '../../protocol/messages/index.js';
import { filterMatches, PatternType } from '../../security/acl.js';
import type { ApiHandler } from '../handler.js';

export const deleteAclsHandler: ApiHandler<DeleteAclsRequest, DeleteAclsResponseInput> = {
  apiKey: ApiKey.DeleteAcls,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const security = ctx.broker.security;
    if (!security?.authorizer) {
      return {
        throttleTimeMs: 0,
        filterResults: req.filters.map(() => ({
          errorCode: ErrorCode.SECURITY_DISABLED,
          errorMessage: 'No authorizer is configured.',
          matchingAcls: [],
        })),
      };
    }
    const filterResults = req.filters.map((f) => {
      const filter = {
        resourceType: f.resourceTypeFilter,
        resourceName: f.resourceNameFilter,
        patternType: ctx.header.apiVersion === 0 ? PatternType.LITERAL : f.patternTypeFilter,
        principal: f.principalFilter,
        host: f.hostFilter,
        operation: f.operation,
        permissionType: f.permissionType,
      };
      const removed = security.store.removeAcls((b) => filterMatches(filter, b));
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        matchingAcls: removed.map((b) => ({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          ...b,
          patternType: b.patternType,
        })),
      };
    });
    ctx.logger.info(
      {
        principal: ctx.session?.principal,
        deleted: filterResults.reduce((n, r) => n + r.matchingAcls.length, 0),
      },
      'ACLs deleted',
    );
    return { throttleTimeMs: 0, filterResults };
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      filterResults: req.filters.map(() => ({ errorCode, errorMessage: null, matchingAcls: [] })),
    };
  },
};
