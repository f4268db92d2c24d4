import { Flags } from '@oclif/core';
import type { TopicSummary } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderTopicList } from '../../src/cli/render/topics.js';

export interface TopicsListResult {
  topics: TopicSummary[];
}

export default class TopicsList extends ClusterCommand {
  static override summary = 'List the topics of a cluster.';
  static override examples = [
    '<%= config.bin %> topics list',
    '<%= config.bin %> topics list --bootstrap-server kafka1:9092 --internal',
    '<%= config.bin %> topics list --json',
  ];

  static override flags = {
    internal: Flags.boolean({ summary: 'Include internal topics such as __consumer_offsets.' }),
  };

  async run(): Promise<TopicsListResult> {
    const { flags } = await this.parse(TopicsList);
    const topics = await this.withAdmin(flags, (admin) => admin.listTopics(flags.internal));
    this.print(renderTopicList(topics));
    return { topics };
  }
}
