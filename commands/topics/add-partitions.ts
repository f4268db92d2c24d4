import { Args, Flags } from '@oclif/core';
import { ClusterCommand } from '../../src/cli/base.js';
import { table } from '../../src/cli/table.js';

export interface TopicsAddPartitionsResult {
  topic: string;
  previousPartitions: number;
  partitions: number;
  validateOnly: boolean;
}

export default class TopicsAddPartitions extends ClusterCommand {
  static override summary = 'Raise the partition count of a topic.';
  static override description = `--partitions is the new total, which must be higher than the current count (Kafka
cannot remove partitions). Keys may map to other partitions afterwards.`;
  static override examples = [
    '<%= config.bin %> topics add-partitions orders --partitions 12',
    '<%= config.bin %> topics add-partitions orders --partitions 12 --validate-only --json',
  ];

  static override args = {
    topic: Args.string({ description: 'Topic to extend.', required: true }),
  };

  static override flags = {
    partitions: Flags.integer({
      char: 'p',
      summary: 'The new total number of partitions.',
      required: true,
      min: 1,
    }),
    'validate-only': Flags.boolean({
      summary: 'Ask the broker to check the change without applying it.',
      default: false,
    }),
  };

  async run(): Promise<TopicsAddPartitionsResult> {
    const { args, flags } = await this.parse(TopicsAddPartitions);
    const result = await this.withAdmin(flags, async (admin) => {
      const [before] = await admin.describeTopics([args.topic]);
      await admin.addPartitions(args.topic, flags.partitions, flags['validate-only']);
      return {
        topic: args.topic,
        previousPartitions: before!.partitions.length,
        partitions: flags.partitions,
        validateOnly: flags['validate-only'],
      };
    });
    this.print(
      table(
        ['TOPIC', 'PARTITIONS BEFORE', 'PARTITIONS AFTER'],
        [[result.topic, result.previousPartitions, result.partitions]],
      ),
    );
    if (result.validateOnly) this.note('Validate only: nothing was changed.');
    return result;
  }
}
