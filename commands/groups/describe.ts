import { Args } from '@oclif/core';
import type { GroupDescription } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderGroupDescription } from '../../src/cli/render/groups.js';

export default class GroupsDescribe extends ClusterCommand {
  static override summary = 'Describe a consumer group: members, assignments, committed offsets and lag.';
  static override description = `Lag per partition is the log end offset minus the committed offset. Partitions that
are assigned but have no committed offset show no lag.`;
  static override examples = [
    '<%= config.bin %> groups describe billing',
    '<%= config.bin %> groups describe billing --json',
  ];

  static override args = {
    group: Args.string({ description: 'Group id.', required: true }),
  };

  async run(): Promise<GroupDescription> {
    const { args, flags } = await this.parse(GroupsDescribe);
    const group = await this.withAdmin(flags, (admin) => admin.describeGroup(args.group));
    this.print(renderGroupDescription(group));
    return group;
  }
}
