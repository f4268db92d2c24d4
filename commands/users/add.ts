import { Flags } from '@oclif/core';
import type { ScramUserCredential } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderScramUsers } from '../../src/cli/render/security.js';
import { MAX_ITERATIONS, MIN_ITERATIONS, type ScramMechanism } from '../../src/security/scram.js';

export interface UsersAddResult {
  user: ScramUserCredential;
}

export default class UsersAdd extends ClusterCommand {
  static override summary = 'Add a SCRAM user, or change its password.';
  static override description =
    'The password is salted and hashed by this command; the broker stores only the salted credential. Needs ALTER on the cluster (or a super user).';
  static override examples = [
    '<%= config.bin %> users add --user alice --password alice-secret',
    '<%= config.bin %> users add --user bob --password bob-secret --mechanism SCRAM-SHA-512 --iterations 8192',
  ];

  static override flags = {
    user: Flags.string({ char: 'u', summary: 'User name.', required: true }),
    password: Flags.string({ char: 'p', summary: 'Password.', required: true }),
    mechanism: Flags.string({
      char: 'm',
      summary: 'SCRAM mechanism.',
      options: ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
      default: 'SCRAM-SHA-256',
    }),
    iterations: Flags.integer({
      summary: 'PBKDF2 iterations.',
      default: MIN_ITERATIONS,
      min: MIN_ITERATIONS,
      max: MAX_ITERATIONS,
    }),
  };

  async run(): Promise<UsersAddResult> {
    const { flags } = await this.parse(UsersAdd);
    if (flags.password === '') this.usage('--password must not be empty');
    const user = await this.withAdmin(flags, (admin) =>
      admin.upsertScramUser({
        user: flags.user,
        password: flags.password,
        mechanism: flags.mechanism as ScramMechanism,
        iterations: flags.iterations,
      }),
    );
    this.note(`Set ${user.mechanism} credentials of user '${user.user}'.`);
    this.print(renderScramUsers([user]));
    return { user };
  }
}
