import { Args } from '@oclif/core';
import { ClusterCommand } from '../../src/cli/base.js';
import { table } from '../../src/cli/table.js';

export interface GroupsDeleteResult {
  deleted: string[];
}

export default class GroupsDelete extends ClusterCommand {
  static override summary = 'Delete consumer groups and their committed offsets.';
  static override description = 'Only groups without active members can be deleted.';
  static override examples = [
    '<%= config.bin %> groups delete billing',
    '<%= config.bin %> groups delete old-1 old-2 --json',
  ];

  static override strict = false;
  static override args = {
    group: Args.string({ description: 'Group id(s).', required: true }),
  };

  async run(): Promise<GroupsDeleteResult> {
    const { argv, flags } = await this.parse(GroupsDelete);
    const ids = [...new Set(argv as string[])];
    const deleted = await this.withAdmin(flags, (admin) => admin.deleteGroups(ids));
    this.print(
      table(
        ['DELETED GROUP'],
        deleted.map((d) => [d.groupId]),
      ),
    );
    return { deleted: deleted.map((d) => d.groupId) };
  }
}
