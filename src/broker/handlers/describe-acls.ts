// DescribeAcls (key 29), v0-v3: the stored bindings matching a filter, grouped by resource pattern.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type DescribeAclsRequest,
  type DescribeAclsResponseInput,
} from '../../protocol/messages/index.js';
import { filterMatches, PatternType, type AclBinding } from '../../security/acl.js';
import type { ApiHandler } from '../handler.js';

export const describeAclsHandler: ApiHandler<DescribeAclsRequest, DescribeAclsResponseInput> = {
  apiKey: ApiKey.DescribeAcls,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const security = ctx.broker.security;
    if (!security?.authorizer) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.SECURITY_DISABLED,
        errorMessage: 'No authorizer is configured.',
        resources: [],
      };
    }
    const filter = {
      resourceType: req.resourceTypeFilter,
      resourceName: req.resourceNameFilter,
      patternType: ctx.header.apiVersion === 0 ? PatternType.LITERAL : req.patternTypeFilter,
      principal: req.principalFilter,
      host: req.hostFilter,
      operation: req.operation,
      permissionType: req.permissionType,
    };
    const groups = new Map<string, AclBinding[]>();
    for (const b of security.store.allAcls()) {
      if (!filterMatches(filter, b)) continue;
      const key = `${b.resourceType}\u0000${b.patternType}\u0000${b.resourceName}`;
      const list = groups.get(key) ?? [];
      list.push(b);
      groups.set(key, list);
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      resources: [...groups.values()].map((list) => ({
        resourceType: list[0]!.resourceType,
        resourceName: list[0]!.resourceName,
        patternType: list[0]!.patternType,
        acls: list.map((b) => ({
          principal: b.principal,
          host: b.host,
          operation: b.operation,
          permissionType: b.permissionType,
        })),
      })),
    };
  },
  errorResponse(_req, errorCode) {
    return { throttleTimeMs: 0, errorCode, errorMessage: null, resources: [] };
  },
};
