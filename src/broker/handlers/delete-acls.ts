// DeleteAcls (key 31), v0-v3: removes the stored bindings matching each filter and lists them, all
// filters in one write (cluster-wide in cluster mode); a binding matching several filters is listed
// under the first.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type DeleteAclsRequest,
  type DeleteAclsResponseInput,
} from '../../protocol/messages/index.js';
import { filterMatches, PatternType, type AclBinding } from '../../security/acl.js';
import { afterWrite, type ApiHandler } from '../handler.js';

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
    const selectors = req.filters.map((f) => {
      const filter = {
        resourceType: f.resourceTypeFilter,
        resourceName: f.resourceNameFilter,
        patternType: ctx.header.apiVersion === 0 ? PatternType.LITERAL : f.patternTypeFilter,
        principal: f.principalFilter,
        host: f.hostFilter,
        operation: f.operation,
        permissionType: f.permissionType,
      };
      return (b: AclBinding) => filterMatches(filter, b);
    });
    return afterWrite<AclBinding[][], DeleteAclsResponseInput>(
      () => security.store.removeAcls(selectors),
      (removed) => {
        ctx.logger.info(
          { principal: ctx.session?.principal, deleted: removed.reduce((n, r) => n + r.length, 0) },
          'ACLs deleted',
        );
        const filterResults = removed.map((bindings) => ({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          matchingAcls: bindings.map((b) => ({ errorCode: ErrorCode.NONE, errorMessage: null, ...b })),
        }));
        return { throttleTimeMs: 0, filterResults };
      },
      (err) => ({
        throttleTimeMs: 0,
        filterResults: req.filters.map(() => ({
          errorCode: err.code,
          errorMessage: err.message,
          matchingAcls: [],
        })),
      }),
    );
  },
  errorResponse(req, errorCode) {
    return {
      throttleTimeMs: 0,
      filterResults: req.filters.map(() => ({ errorCode, errorMessage: null, matchingAcls: [] })),
    };
  },
};
