// Flags of `fluxmq acl add|list|remove`: the resources (--topic, --group, --cluster,
// --transactional-id), the pattern type, principals, hosts and operations, turned into ACL entries
// and filters. Operations are checked against what Kafka allows for each resource type.

import { Flags } from '@oclif/core';
import type {
  AclEntry,
  AclEntryFilter,
  AclPatternTypeName,
  AclPermissionName,
  AclResourceTypeName,
} from '../client/admin/index.js';
import { CLUSTER_NAME } from '../security/acl.js';
import { UsageError } from './parse.js';

export const OPERATIONS = [
  'all',
  'read',
  'write',
  'create',
  'delete',
  'alter',
  'describe',
  'cluster-action',
  'describe-configs',
  'alter-configs',
  'idempotent-write',
];

const VALID: Record<AclResourceTypeName, string[]> = {
  TOPIC: [
    'ALL',
    'READ',
    'WRITE',
    'CREATE',
    'DELETE',
    'ALTER',
    'DESCRIBE',
    'DESCRIBE_CONFIGS',
    'ALTER_CONFIGS',
  ],
  GROUP: ['ALL', 'READ', 'DELETE', 'DESCRIBE'],
  CLUSTER: [
    'ALL',
    'CREATE',
    'ALTER',
    'DESCRIBE',
    'CLUSTER_ACTION',
    'DESCRIBE_CONFIGS',
    'ALTER_CONFIGS',
    'IDEMPOTENT_WRITE',
  ],
  TRANSACTIONAL_ID: ['ALL', 'WRITE', 'DESCRIBE'],
};

export const resourceSelectionFlags = {
  topic: Flags.string({ char: 't', summary: 'A topic (or prefix); repeatable.', multiple: true }),
  group: Flags.string({ char: 'g', summary: 'A consumer group (or prefix); repeatable.', multiple: true }),
  cluster: Flags.boolean({ summary: 'The cluster resource.' }),
  'transactional-id': Flags.string({
    summary: 'A transactional id (or prefix); repeatable.',
    multiple: true,
  }),
};

export interface ResourceSelection {
  topic?: string[];
  group?: string[];
  cluster?: boolean;
  'transactional-id'?: string[];
}

export function selectedResources(f: ResourceSelection): { type: AclResourceTypeName; name: string }[] {
  return [
    ...(f.topic ?? []).map((name) => ({ type: 'TOPIC' as const, name })),
    ...(f.group ?? []).map((name) => ({ type: 'GROUP' as const, name })),
    ...(f.cluster ? [{ type: 'CLUSTER' as const, name: CLUSTER_NAME }] : []),
    ...(f['transactional-id'] ?? []).map((name) => ({ type: 'TRANSACTIONAL_ID' as const, name })),
  ];
}

export const opName = (op: string): string => op.toUpperCase().replace(/-/g, '_');

function checkPrincipal(p: string): string {
  if (!/^[^:]+:.+$/.test(p) && p !== '*') {
    throw new UsageError(`a principal is TYPE:NAME, e.g. User:alice; got '${p}'`);
  }
  return p;
}

/** Every (principal x host x operation x resource) binding that `acl add` creates. */
export function aclEntries(
  f: {
    'allow-principal'?: string[];
    'deny-principal'?: string[];
    host?: string[];
    operation?: string[];
    'resource-pattern-type': string;
  } & ResourceSelection,
): AclEntry[] {
  const resources = selectedResources(f);
  if (resources.length === 0)
    throw new UsageError('name at least one resource: --topic, --group, --cluster or --transactional-id');
  const principals: [string, AclPermissionName][] = [
    ...(f['allow-principal'] ?? []).map((p) => [checkPrincipal(p), 'ALLOW'] as [string, AclPermissionName]),
    ...(f['deny-principal'] ?? []).map((p) => [checkPrincipal(p), 'DENY'] as [string, AclPermissionName]),
  ];
  if (principals.length === 0)
    throw new UsageError('name a principal: --allow-principal or --deny-principal');
  const operations = (f.operation ?? []).map(opName);
  if (operations.length === 0) throw new UsageError('name at least one --operation');
  const patternType = opName(f['resource-pattern-type']) as AclPatternTypeName;
  const out: AclEntry[] = [];
  for (const r of resources) {
    if (r.type === 'CLUSTER' && patternType !== 'LITERAL')
      throw new UsageError('the cluster resource takes only --resource-pattern-type literal');
    for (const op of operations) {
      if (!VALID[r.type].includes(op)) {
        throw new UsageError(
          `operation ${op} does not apply to ${r.type} resources; use one of ${VALID[r.type].join(', ')}`,
        );
      }
      for (const [principal, permission] of principals)
        for (const host of f.host?.length ? f.host : ['*'])
          out.push({
            principal,
            host,
            operation: op,
            permission,
            resourceType: r.type,
            resourceName: r.name,
            patternType,
          });
    }
  }
  return out;
}

/** The filters of `acl list` / `acl remove`: one per named resource (or one for all resources). */
export function aclFilters(
  f: {
    principal?: string;
    host?: string;
    operation?: string;
    permission?: string;
    'resource-pattern-type'?: string;
  } & ResourceSelection,
): AclEntryFilter[] {
  const base: AclEntryFilter = {
    ...(f.principal ? { principal: checkPrincipal(f.principal) } : {}),
    ...(f.host ? { host: f.host } : {}),
    ...(f.operation ? { operation: opName(f.operation) } : {}),
    ...(f.permission ? { permission: f.permission.toUpperCase() as AclPermissionName } : {}),
  };
  const pattern = f['resource-pattern-type']
    ? (opName(f['resource-pattern-type']) as AclEntryFilter['patternType'])
    : undefined;
  const resources = selectedResources(f);
  if (resources.length === 0) return [{ ...base, ...(pattern ? { patternType: pattern } : {}) }];
  return resources.map((r) => ({
    ...base,
    resourceType: r.type,
    resourceName: r.name,
    patternType: pattern ?? 'LITERAL',
  }));
}

export const aclFilterFlags = {
  ...resourceSelectionFlags,
  principal: Flags.string({ summary: 'Only ACLs of this principal (e.g. User:alice).' }),
  host: Flags.string({ summary: 'Only ACLs for this host.' }),
  operation: Flags.string({ summary: 'Only ACLs for this operation.', options: OPERATIONS }),
  permission: Flags.string({ summary: 'Only ALLOW or DENY ACLs.', options: ['allow', 'deny'] }),
  'resource-pattern-type': Flags.string({
    summary:
      'Pattern type to match: literal or prefixed exactly, any, or match (every ACL that applies to the named resource). Default: literal with a resource flag, any without.',
    options: ['any', 'match', 'literal', 'prefixed'],
  }),
};
