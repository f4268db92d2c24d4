// Kafka's ACL model: a binding is a resource pattern (type, name, pattern type) plus an entry
// (principal, host, operation, ALLOW/DENY). The numeric codes are Kafka's wire values (AclOperation,
// ResourceType, PatternType, AclPermissionType), and filters match as in Kafka's AclBindingFilter.

import type { ClusterAcl } from '../cluster/types.js';

export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;

export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;

export const Operation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;

export const Permission = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

export const WILDCARD = '*';
export const CLUSTER_NAME = 'kafka-cluster';

/** A stored binding; the cluster metadata keeps the same shape, so it is that type. */
export type AclBinding = ClusterAcl;

/** A filter: null strings and the ANY codes match everything; MATCH matches what would apply to a name. */
export interface AclFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permissionType: number;
}

const nameOf = (table: Record<string, number>, code: number): string =>
  Object.entries(table).find(([, v]) => v === code)?.[0] ?? 'UNKNOWN';

export const resourceTypeName = (c: number): string => nameOf(ResourceType, c);
export const patternTypeName = (c: number): string => nameOf(PatternType, c);
export const operationName = (c: number): string => nameOf(Operation, c);
export const permissionName = (c: number): string => nameOf(Permission, c);

export function codeOf(table: Record<string, number>, name: string): number | undefined {
  const key = name.trim().toUpperCase().replace(/[- ]/g, '_');
  return table[key];
}

/** Why a binding cannot be stored (Kafka's CreateAcls validation), or null. */
export function bindingProblem(b: AclBinding): string | null {
  if (![2, 3, 4, 5, 6, 7].includes(b.resourceType)) return 'invalid resource type';
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED) {
    return 'pattern type must be LITERAL or PREFIXED';
  }
  if (b.operation < Operation.ALL || b.operation > Operation.DESCRIBE_TOKENS) return 'invalid operation';
  if (b.permissionType !== Permission.ALLOW && b.permissionType !== Permission.DENY) {
    return 'permission type must be ALLOW or DENY';
  }
  if (!/^[^:]+:.+$/.test(b.principal))
    return `invalid principal '${b.principal}' (expected Type:name, e.g. User:alice)`;
  if (b.resourceName === '') return 'resource name must not be empty';
  if (b.resourceType === ResourceType.CLUSTER && b.resourceName !== CLUSTER_NAME) {
    return `the cluster resource is named ${CLUSTER_NAME}`;
  }
  if (b.host === '') return 'host must not be empty (use * for any host)';
  return null;
}

/** Does a stored pattern apply to a resource name? */
export function patternMatches(patternType: number, patternName: string, name: string): boolean {
  if (patternType === PatternType.LITERAL) return patternName === WILDCARD || patternName === name;
  if (patternType === PatternType.PREFIXED) return name.startsWith(patternName);
  return false;
}

export function filterMatches(f: AclFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== b.resourceType) return false;
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== Operation.ANY && f.operation !== b.operation) return false;
  if (f.permissionType !== Permission.ANY && f.permissionType !== b.permissionType) return false;
  switch (f.patternType) {
    case PatternType.ANY:
      return f.resourceName === null || f.resourceName === b.resourceName;
    case PatternType.MATCH:
      return f.resourceName === null || patternMatches(b.patternType, b.resourceName, f.resourceName);
    default:
      return (
        f.patternType === b.patternType && (f.resourceName === null || f.resourceName === b.resourceName)
      );
  }
}

export function sameBinding(a: AclBinding, b: AclBinding): boolean {
  return (
    a.resourceType === b.resourceType &&
    a.resourceName === b.resourceName &&
    a.patternType === b.patternType &&
    a.principal === b.principal &&
    a.host === b.host &&
    a.operation === b.operation &&
    a.permissionType === b.permissionType
  );
}
