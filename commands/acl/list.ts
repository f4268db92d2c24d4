import type { AclEntry } from '../../src/client/admin/index.js';
import { aclFilterFlags, aclFilters } from '../../src/cli/acl-flags.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderAcls } from '../../src/cli/render/security.js';

export interface AclListResult {
  acls: AclEntry[];
}

export default class AclList extends ClusterCommand {
  static override summary =
    'List ACLs, optionally filtered by resource, principal, host, operation or permission.';
  static override examples = [
    '<%= config.bin %> acl list',
    '<%= config.bin %> acl list --topic orders',
    '<%= config.bin %> acl list --topic orders-eu --resource-pattern-type match',
    '<%= config.bin %> acl list --principal User:alice --json',
  ];

  static override flags = aclFilterFlags;

  async run(): Promise<AclListResult> {
    const { flags } = await this.parse(AclList);
    const filters = aclFilters(flags);
    const acls = await this.withAdmin(flags, async (admin) => {
      const seen = new Map<string, AclEntry>();
      for (const f of filters) for (const a of await admin.describeAcls(f)) seen.set(JSON.stringify(a), a);
      return [...seen.values()];
    });
    this.print(renderAcls(acls));
    return { acls };
  }
}
