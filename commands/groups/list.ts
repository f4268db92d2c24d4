import type { GroupSummary } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderGroupList } from '../../src/cli/render/groups.js';

export interface GroupsListResult {
  groups: GroupSummary[];
}

export default class GroupsList extends ClusterCommand {
  static override summary = 'List the consumer groups of a cluster.';
  static override examples = ['<%= config.bin %> groups list', '<%= config.bin %> groups list --json'];

  async run(): Promise<GroupsListResult> {
    const { flags } = await this.parse(GroupsList);
    const groups = await this.withAdmin(flags, (admin) => admin.listGroups());
    this.print(renderGroupList(groups));
    return { groups };
  }
}
