// The ACL authorizer, Kafka's model: super users may do anything; otherwise a matching DENY wins over
// any ALLOW; an ALLOW of the operation (or of ALL, or of an operation that implies it: READ, WRITE,
// DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS) lets the request through;
// a resource with no ACL at all is allowed only with allow.everyone.if.no.acl.found.

import {
  Operation,
  PatternType,
  Permission,
  ResourceType,
  patternMatches,
  WILDCARD,
  type AclBinding,
} from './acl.js';
import type { SecurityStore } from './store.js';

export interface AuthorizeRequest {
  principal: string;
  host: string;
  operation: number;
  resourceType: number;
  resourceName: string;
}

const IMPLIED: ReadonlyMap<number, readonly number[]> = new Map([
  [
    Operation.DESCRIBE,
    [Operation.DESCRIBE, Operation.READ, Operation.WRITE, Operation.DELETE, Operation.ALTER],
  ],
  [Operation.DESCRIBE_CONFIGS, [Operation.DESCRIBE_CONFIGS, Operation.ALTER_CONFIGS]],
]);

export class Authorizer {
  private cache = new Map<string, AclBinding[]>();
  private cacheVersion = -1;

  constructor(
    private readonly store: SecurityStore,
    private readonly superUsers: ReadonlySet<string>,
    private readonly allowEveryoneIfNoAcl: boolean,
  ) {}

  isSuperUser(principal: string): boolean {
    return this.superUsers.has(principal);
  }

  authorize(r: AuthorizeRequest): boolean {
    if (this.superUsers.has(r.principal)) return true;
    const acls = this.aclsFor(r.resourceType, r.resourceName);
    if (acls.length === 0) return this.allowEveryoneIfNoAcl;
    const entryMatches = (a: AclBinding): boolean =>
      (a.principal === r.principal || a.principal === 'User:*') && (a.host === WILDCARD || a.host === r.host);
    const allowing = IMPLIED.get(r.operation) ?? [r.operation];
    let allowed = false;
    for (const a of acls) {
      if (!entryMatches(a)) continue;
      if (
        a.permissionType === Permission.DENY &&
        (a.operation === r.operation || a.operation === Operation.ALL)
      ) {
        return false;
      }
      if (
        a.permissionType === Permission.ALLOW &&
        (a.operation === Operation.ALL || allowing.includes(a.operation))
      ) {
        allowed = true;
      }
    }
    return allowed;
  }

  /**
   * Kafka's authorizeByResourceType (KIP-679): whether the principal may do the operation on at least
   * one resource of the type, through an ALLOW binding of any pattern not cancelled by a DENY on the
   * wildcard. An idempotent producer needs IDEMPOTENT_WRITE on the cluster or this for WRITE on topics.
   */
  authorizeAny(r: Omit<AuthorizeRequest, 'resourceName'>): boolean {
    if (this.superUsers.has(r.principal)) return true;
    const acls = this.store.allAcls().filter((a) => a.resourceType === r.resourceType);
    if (acls.length === 0) return this.allowEveryoneIfNoAcl;
    const entryMatches = (a: AclBinding): boolean =>
      (a.principal === r.principal || a.principal === 'User:*') && (a.host === WILDCARD || a.host === r.host);
    const ops = (a: AclBinding): boolean => a.operation === r.operation || a.operation === Operation.ALL;
    const deniedEverywhere = acls.some(
      (a) =>
        entryMatches(a) &&
        a.permissionType === Permission.DENY &&
        ops(a) &&
        a.resourceName === WILDCARD &&
        a.patternType !== PatternType.PREFIXED,
    );
    if (deniedEverywhere) return false;
    return acls.some((a) => entryMatches(a) && a.permissionType === Permission.ALLOW && ops(a));
  }

  /** Every stored binding that applies to the resource (literal, wildcard and prefixed). */
  private aclsFor(resourceType: number, name: string): AclBinding[] {
    if (this.cacheVersion !== this.store.aclVersion) {
      this.cache = new Map();
      this.cacheVersion = this.store.aclVersion;
    }
    const key = `${resourceType}\u0000${name}`;
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.store
        .allAcls()
        .filter(
          (a) => a.resourceType === resourceType && patternMatches(a.patternType, a.resourceName, name),
        );
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(key, hit);
    }
    return hit;
  }
}

export { ResourceType };
