import { Args, Flags } from '@oclif/core';
import type { CreatedTopic } from '../../src/client/admin/index.js';
import { KafkaRequestError } from '../../src/client/errors.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { parsePairs } from '../../src/cli/parse.js';
import { parseReplicaAssignment } from '../../src/cli/replicas.js';
import { renderCreatedTopic } from '../../src/cli/render/topics.js';
import { ErrorCode } from '../../src/protocol/errors.js';

export interface TopicsCreateResult extends CreatedTopic {
  created: boolean;
  configs: Record<string, string>;
}

export default class TopicsCreate extends ClusterCommand {
  static override summary = 'Create a topic.';
  static override description = `Partitions and replication factor default to the broker's num.partitions and
default.replication.factor. Topic configs use Kafka's names (retention.ms, cleanup.policy, ...).
--replica-assignment places the replicas by hand, as kafka-topics does: 1:2:3,2:3:1 gives partition 0
the brokers 1,2,3 (1 preferred leader) and partition 1 the brokers 2,3,1.`;
  static override examples = [
    '<%= config.bin %> topics create orders --partitions 6',
    '<%= config.bin %> topics create audit --partitions 3 --config retention.ms=86400000 --config cleanup.policy=delete',
    '<%= config.bin %> topics create orders --partitions 6 --if-not-exists --json',
    '<%= config.bin %> topics create payments --partitions 6 --replication-factor 3',
    '<%= config.bin %> topics create placed --replica-assignment 1:2:3,2:3:1,3:1:2',
  ];

  static override args = {
    topic: Args.string({ description: 'Name of the topic to create.', required: true }),
  };

  static override flags = {
    partitions: Flags.integer({ char: 'p', summary: 'Number of partitions (at least 1).', min: 1 }),
    'replication-factor': Flags.integer({
      char: 'r',
      summary: 'Replicas per partition (at least 1).',
      min: 1,
    }),
    'replica-assignment': Flags.string({
      summary: 'Replicas of each partition, e.g. 1:2:3,2:3:1 (partition 0 on 1,2,3; partition 1 on 2,3,1).',
      exclusive: ['partitions', 'replication-factor'],
    }),
    config: Flags.string({ char: 'c', summary: 'Topic config as key=value (repeatable).', multiple: true }),
    'if-not-exists': Flags.boolean({ summary: 'Succeed without changes when the topic already exists.' }),
    'validate-only': Flags.boolean({
      summary: 'Ask the broker to check the request without creating anything.',
      default: false,
    }),
  };

  async run(): Promise<TopicsCreateResult> {
    const { args, flags } = await this.parse(TopicsCreate);
    const configs = parsePairs(flags.config, '--config');
    const assignment =
      flags['replica-assignment'] === undefined
        ? undefined
        : parseReplicaAssignment(flags['replica-assignment']);
    const result = await this.withAdmin(flags, async (admin) => {
      try {
        const created = await admin.createTopic(
          {
            name: args.topic,
            partitions: flags.partitions ?? -1,
            replicationFactor: flags['replication-factor'] ?? -1,
            configs,
            assignment,
          },
          flags['validate-only'],
        );
        return { ...created, created: !flags['validate-only'], configs };
      } catch (err) {
        if (
          flags['if-not-exists'] &&
          err instanceof KafkaRequestError &&
          err.code === ErrorCode.TOPIC_ALREADY_EXISTS
        ) {
          const [t] = await admin.describeTopics([args.topic]);
          return {
            name: args.topic,
            topicId: t!.topicId,
            partitions: t!.partitions.length,
            replicationFactor: t!.replicationFactor,
            validateOnly: flags['validate-only'],
            created: false,
            configs: Object.fromEntries(t!.configs.map((c) => [c.name, c.value ?? ''])),
          };
        }
        throw err;
      }
    });
    this.print(renderCreatedTopic(result));
    if (flags['validate-only'])
      this.note(`Topic '${args.topic}' can be created (validate only: nothing was created).`);
    else if (result.created) this.note(`Created topic '${args.topic}'.`);
    else this.note(`Topic '${args.topic}' already exists.`);
    return result;
  }
}
