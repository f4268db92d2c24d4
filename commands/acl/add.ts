import { Flags } from '@oclif/core';
import type { AclEntry } from '../../src/client/admin/index.js';
import { aclEntries, OPERATIONS, resourceSelectionFlags } from '../../src/cli/acl-flags.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderAcls } from '../../src/cli/render/security.js';

export interface AclAddResult {
  created: AclEntry[];
}

export default class AclAdd extends ClusterCommand {
  static override summary =
    'Add ACLs: allow or deny principals operations on topics, groups, the cluster or transactional ids.';
  static override description =
    'Creates one ACL for every combination of principal, host, operation and resource given. Needs ALTER on the cluster (or a super user).';
  static override examples = [
    '<%= config.bin %> acl add --allow-principal User:alice --operation read --topic orders --group billing',
    '<%= config.bin %> acl add --allow-principal User:alice --operation write --topic orders- --resource-pattern-type prefixed',
    '<%= config.bin %> acl add --deny-principal User:mallory --host 10.0.0.7 --operation all --topic payments',
    '<%= config.bin %> acl add --allow-principal User:app --operation idempotent-write --cluster --command-config admin.properties',
  ];

  static override flags = {
    ...resourceSelectionFlags,
    'allow-principal': Flags.string({
      summary: 'Principal to allow (e.g. User:alice); repeatable.',
      multiple: true,
    }),
    'deny-principal': Flags.string({ summary: 'Principal to deny; repeatable.', multiple: true }),
    host: Flags.string({
      summary: 'Host the ACL applies to (default: every host, *); repeatable.',
      multiple: true,
    }),
    operation: Flags.string({
      char: 'o',
      summary: 'Operation to allow or deny; repeatable.',
      multiple: true,
      options: OPERATIONS,
      required: true,
    }),
    'resource-pattern-type': Flags.string({
      summary: 'Whether resource names are literal names (or *) or prefixes.',
      options: ['literal', 'prefixed'],
      default: 'literal',
    }),
  };

  async run(): Promise<AclAddResult> {
    const { flags } = await this.parse(AclAdd);
    const entries = aclEntries(flags);
    const created = await this.withAdmin(flags, (admin) => admin.createAcls(entries));
    this.note(`Added ${created.length} ACL${created.length === 1 ? '' : 's'}.`);
    this.print(renderAcls(created));
    return { created };
  }
}
