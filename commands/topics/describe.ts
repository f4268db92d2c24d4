import { Args } from '@oclif/core';
import type { TopicDetail } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderTopicDetail } from '../../src/cli/render/topics.js';

export interface TopicsDescribeResult {
  topics: TopicDetail[];
}

export default class TopicsDescribe extends ClusterCommand {
  static override summary =
    'Describe topics: partitions, leaders, replicas, offsets and configs set on the topic.';
  static override examples = [
    '<%= config.bin %> topics describe orders',
    '<%= config.bin %> topics describe orders payments --json',
  ];

  static override strict = false;
  static override args = {
    topic: Args.string({ description: 'Topic(s) to describe.', required: true }),
  };

  async run(): Promise<TopicsDescribeResult> {
    const { argv, flags } = await this.parse(TopicsDescribe);
    const names = [...new Set(argv as string[])];
    const topics = await this.withAdmin(flags, (admin) => admin.describeTopics(names));
    this.print(topics.map(renderTopicDetail).join('\n\n'));
    return { topics };
  }
}
