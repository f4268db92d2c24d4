// Human renderings of ACLs and SCRAM users.

import type { AclEntry, ScramUserCredential } from '../../client/admin/index.js';
import { table } from '../table.js';

export function renderAcls(acls: AclEntry[], empty = 'No ACLs.'): string {
  if (acls.length === 0) return empty;
  return table(
    ['PRINCIPAL', 'PERMISSION', 'OPERATION', 'HOST', 'RESOURCE TYPE', 'RESOURCE NAME', 'PATTERN TYPE'],
    acls.map((a) => [
      a.principal,
      a.permission,
      a.operation,
      a.host,
      a.resourceType,
      a.resourceName,
      a.patternType,
    ]),
  );
}

export function renderScramUsers(users: ScramUserCredential[], empty = 'No SCRAM users.'): string {
  if (users.length === 0) return empty;
  return table(
    ['USER', 'MECHANISM', 'ITERATIONS'],
    users.map((u) => [u.user, u.mechanism, u.iterations]),
  );
}
