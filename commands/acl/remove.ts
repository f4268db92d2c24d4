import { Flags } from '@oclif/core';
import type { AclEntry } from '../../src/client/admin/index.js';
import { aclFilterFlags, aclFilters } from '../../src/cli/acl-flags.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderAcls } from '../../src/cli/render/security.js';

export interface AclRemoveResult {
  removed: AclEntry[];
}

export default class AclRemove extends ClusterCommand {
  static override summary = 'Remove the ACLs that match the filters.';
  static override description =
    'With a resource flag the pattern type defaults to literal. Removing every ACL of the cluster needs --all.';
  static override examples = [
    '<%= config.bin %> acl remove --topic orders --principal User:alice',
    '<%= config.bin %> acl remove --group billing --operation read',
    '<%= config.bin %> acl remove --principal User:bob --resource-pattern-type any',
    '<%= config.bin %> acl remove --all --json',
  ];

  static override flags = {
    ...aclFilterFlags,
    all: Flags.boolean({ summary: 'Allow removing with no filter at all (every ACL).' }),
  };

  async run(): Promise<AclRemoveResult> {
    const { flags } = await this.parse(AclRemove);
    const filters = aclFilters(flags);
    const unfiltered =
      filters.length === 1 && Object.keys(filters[0]!).filter((k) => k !== 'patternType').length === 0;
    if (unfiltered && !flags.all) {
      this.usage(
        'give a filter (--topic, --group, --cluster, --transactional-id, --principal, ...) or --all',
      );
    }
    const removed = await this.withAdmin(flags, (admin) => admin.deleteAcls(filters));
    this.note(`Removed ${removed.length} ACL${removed.length === 1 ? '' : 's'}.`);
    this.print(renderAcls(removed, 'No ACLs matched.'));
    return { removed };
  }
}
