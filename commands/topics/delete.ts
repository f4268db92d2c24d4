import { Args, Flags } from '@oclif/core';
import type { DeletedTopic } from '../../src/client/admin/index.js';
import { KafkaRequestError } from '../../src/client/errors.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderDeletedTopics } from '../../src/cli/render/topics.js';
import { ErrorCode } from '../../src/protocol/errors.js';

export interface TopicsDeleteResult {
  deleted: DeletedTopic[];
  /** With --if-exists: topics that did not exist. */
  missing: string[];
}

export default class TopicsDelete extends ClusterCommand {
  static override summary = 'Delete topics and all their data.';
  static override examples = [
    '<%= config.bin %> topics delete orders',
    '<%= config.bin %> topics delete old-1 old-2 --if-exists',
  ];

  static override strict = false;
  static override args = {
    topic: Args.string({ description: 'Topic(s) to delete.', required: true }),
  };

  static override flags = {
    'if-exists': Flags.boolean({ summary: 'Succeed when a topic does not exist.' }),
  };

  async run(): Promise<TopicsDeleteResult> {
    const { argv, flags } = await this.parse(TopicsDelete);
    const names = [...new Set(argv as string[])];
    const result = await this.withAdmin(flags, async (admin) => {
      const deleted: DeletedTopic[] = [];
      const missing: string[] = [];
      for (const name of names) {
        try {
          deleted.push(...(await admin.deleteTopics([name])));
        } catch (err) {
          if (
            flags['if-exists'] &&
            err instanceof KafkaRequestError &&
            err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          ) {
            missing.push(name);
            continue;
          }
          throw err;
        }
      }
      return { deleted, missing };
    });
    if (result.deleted.length > 0) this.print(renderDeletedTopics(result.deleted));
    for (const m of result.missing) this.note(`Topic '${m}' does not exist; nothing to delete.`);
    return result;
  }
}
