import { Flags } from '@oclif/core';
import type { ScramUserCredential } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderScramUsers } from '../../src/cli/render/security.js';

export interface UsersListResult {
  users: ScramUserCredential[];
}

export default class UsersList extends ClusterCommand {
  static override summary = 'List SCRAM users and their mechanisms (never passwords).';
  static override examples = [
    '<%= config.bin %> users list',
    '<%= config.bin %> users list --user alice --json',
  ];

  static override flags = {
    user: Flags.string({ char: 'u', summary: 'Only this user; repeatable.', multiple: true }),
  };

  async run(): Promise<UsersListResult> {
    const { flags } = await this.parse(UsersList);
    const users = await this.withAdmin(flags, (admin) => admin.describeScramUsers(flags.user ?? null));
    this.print(renderScramUsers(users));
    return { users };
  }
}
