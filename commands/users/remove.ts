import { Flags } from '@oclif/core';
import type { ScramUserCredential } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderScramUsers } from '../../src/cli/render/security.js';
import type { ScramMechanism } from '../../src/security/scram.js';

export interface UsersRemoveResult {
  removed: ScramUserCredential[];
}

export default class UsersRemove extends ClusterCommand {
  static override summary = "Remove a SCRAM user's credentials (every mechanism, or the one given).";
  static override examples = [
    '<%= config.bin %> users remove --user alice',
    '<%= config.bin %> users remove --user bob --mechanism SCRAM-SHA-512 --json',
  ];

  static override flags = {
    user: Flags.string({ char: 'u', summary: 'User name.', required: true }),
    mechanism: Flags.string({
      char: 'm',
      summary: 'Only this mechanism; repeatable.',
      options: ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
      multiple: true,
    }),
  };

  async run(): Promise<UsersRemoveResult> {
    const { flags } = await this.parse(UsersRemove);
    const removed = await this.withAdmin(flags, (admin) =>
      admin.deleteScramUser(flags.user, flags.mechanism as ScramMechanism[] | undefined),
    );
    this.note(
      `Removed ${removed.length} credential${removed.length === 1 ? '' : 's'} of user '${flags.user}'.`,
    );
    this.print(renderScramUsers(removed));
    return { removed };
  }
}
