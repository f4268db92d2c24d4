// ACLs over the Kafka protocol: CreateAcls, DescribeAcls and DeleteAcls, with bindings and filters
// spelled as people read them (READ, TOPIC, LITERAL, ...) and converted to Kafka's wire codes.

import { Operation, PatternType, Permission, ResourceType } from '../../security/acl.js';
import { ApiKey } from '../../protocol/messages/index.js';
import type { ClusterClient } from '../cluster.js';
import { check, KafkaRequestError } from '../errors.js';

export type AclResourceTypeName = 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID';
export type AclPatternTypeName = 'LITERAL' | 'PREFIXED';
export type AclPermissionName = 'ALLOW' | 'DENY';

/** One ACL binding: a resource pattern and an entry. */
export interface AclEntry {
  principal: string;
  host: string;
  /** READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ... or ALL. */
  operation: string;
  permission: AclPermissionName;
  resourceType: AclResourceTypeName;
  resourceName: string;
  patternType: AclPatternTypeName;
}

/** A filter; absent fields match everything. patternType MATCH: every pattern that applies to the name. */
export interface AclEntryFilter {
  principal?: string;
  host?: string;
  operation?: string;
  permission?: AclPermissionName;
  resourceType?: AclResourceTypeName;
  resourceName?: string;
  patternType?: AclPatternTypeName | 'ANY' | 'MATCH';
}

const byName = <T extends Record<string, number>>(m: T) => new Map(Object.entries(m));
const byCode = <T extends Record<string, number>>(m: T) => new Map(Object.entries(m).map(([k, v]) => [v, k]));

const OP = byName(Operation);
const OP_NAME = byCode(Operation);
const RT = byName(ResourceType);
const RT_NAME = byCode(ResourceType);
const PT = byName(PatternType);
const PT_NAME = byCode(PatternType);
const PERM = byName(Permission);
const PERM_NAME = byCode(Permission);

function code(map: Map<string, number>, name: string, what: string): number {
  const c = map.get(name.toUpperCase().replace(/-/g, '_'));
  if (c === undefined) throw new Error(`unknown ACL ${what} '${name}'`);
  return c;
}

export function aclOperationCode(name: string): number {
  return code(OP, name, 'operation');
}

interface WireBinding {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

function fromWire(b: WireBinding): AclEntry {
  return {
    principal: b.principal,
    host: b.host,
    operation: OP_NAME.get(b.operation) ?? String(b.operation),
    permission: (PERM_NAME.get(b.permissionType) ?? String(b.permissionType)) as AclPermissionName,
    resourceType: (RT_NAME.get(b.resourceType) ?? String(b.resourceType)) as AclResourceTypeName,
    resourceName: b.resourceName,
    patternType: (PT_NAME.get(b.patternType) ?? String(b.patternType)) as AclPatternTypeName,
  };
}

function filterToWire(f: AclEntryFilter) {
  return {
    resourceTypeFilter: f.resourceType ? code(RT, f.resourceType, 'resource type') : ResourceType.ANY,
    resourceNameFilter: f.resourceName ?? null,
    patternTypeFilter: f.patternType ? code(PT, f.patternType, 'pattern type') : PatternType.ANY,
    principalFilter: f.principal ?? null,
    hostFilter: f.host ?? null,
    operation: f.operation ? code(OP, f.operation, 'operation') : Operation.ANY,
    permissionType: f.permission ? code(PERM, f.permission, 'permission') : Permission.ANY,
  };
}

function describeEntry(e: AclEntry): string {
  return `add ACL ${e.permission} ${e.principal} ${e.operation} on ${e.resourceType} '${e.resourceName}' (${e.patternType})`;
}

const sortKey = (e: AclEntry) =>
  [e.resourceType, e.resourceName, e.patternType, e.principal, e.permission, e.operation, e.host].join('\0');

export function sortAcls(entries: AclEntry[]): AclEntry[] {
  return entries.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

export async function createAcls(client: ClusterClient, entries: AclEntry[]): Promise<AclEntry[]> {
  if (entries.length === 0) return [];
  const creations = entries.map((e) => ({
    resourceType: code(RT, e.resourceType, 'resource type'),
    resourceName: e.resourceName,
    resourcePatternType: code(PT, e.patternType, 'pattern type'),
    principal: e.principal,
    host: e.host,
    operation: code(OP, e.operation, 'operation'),
    permissionType: code(PERM, e.permission, 'permission'),
  }));
  const { response } = await client.request<{
    results: { errorCode: number; errorMessage: string | null }[];
  }>('controller', ApiKey.CreateAcls, () => ({ creations }), { min: 1 });
  response.results.forEach((r, i) => check(r.errorCode, describeEntry(entries[i]!), r.errorMessage));
  return entries;
}

export async function describeAcls(client: ClusterClient, filter: AclEntryFilter = {}): Promise<AclEntry[]> {
  const { response } = await client.request<{
    errorCode: number;
    errorMessage: string | null;
    resources: {
      resourceType: number;
      resourceName: string;
      patternType: number;
      acls: { principal: string; host: string; operation: number; permissionType: number }[];
    }[];
  }>('any', ApiKey.DescribeAcls, () => filterToWire(filter), { min: 1 });
  check(response.errorCode, 'describe ACLs', response.errorMessage);
  return sortAcls(
    response.resources.flatMap((r) =>
      r.acls.map((a) =>
        fromWire({
          ...a,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          patternType: r.patternType,
        }),
      ),
    ),
  );
}

export async function deleteAcls(client: ClusterClient, filters: AclEntryFilter[]): Promise<AclEntry[]> {
  if (filters.length === 0) return [];
  const { response } = await client.request<{
    filterResults: {
      errorCode: number;
      errorMessage: string | null;
      matchingAcls: (WireBinding & { errorCode: number; errorMessage: string | null })[];
    }[];
  }>('controller', ApiKey.DeleteAcls, () => ({ filters: filters.map(filterToWire) }), { min: 1 });
  const removed = new Map<string, AclEntry>();
  for (const r of response.filterResults) {
    check(r.errorCode, 'delete ACLs', r.errorMessage);
    for (const m of r.matchingAcls) {
      const e = fromWire(m);
      if (m.errorCode !== 0)
        throw new KafkaRequestError(m.errorCode, `delete ACL ${sortKey(e)}`, m.errorMessage);
      removed.set(sortKey(e), e);
    }
  }
  return sortAcls([...removed.values()]);
}
