import { Args, Flags } from '@oclif/core';
import type { ConfigAlteration, ConfigEntry } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { parsePair } from '../../src/cli/parse.js';
import { renderConfigs } from '../../src/cli/render/configs.js';

export interface TopicsAlterResult {
  topic: string;
  changes: ConfigAlteration[];
  validateOnly: boolean;
  /** The topic's configs set on the topic itself, after the change. */
  configs: ConfigEntry[];
}

export default class TopicsAlter extends ClusterCommand {
  static override summary = "Change a topic's configs.";
  static override description = `Sets (--config) or removes (--delete-config, back to the broker default) topic configs.
The same as \`configs alter --topic\`; to add partitions use \`topics add-partitions\`.`;
  static override examples = [
    '<%= config.bin %> topics alter orders --config retention.ms=3600000',
    '<%= config.bin %> topics alter orders --config max.message.bytes=2097152 --delete-config retention.bytes',
  ];

  static override args = {
    topic: Args.string({ description: 'Topic to change.', required: true }),
  };

  static override flags = {
    config: Flags.string({ char: 'c', summary: 'Set a config: key=value (repeatable).', multiple: true }),
    'delete-config': Flags.string({ summary: 'Remove a config override (repeatable).', multiple: true }),
    'validate-only': Flags.boolean({
      summary: 'Ask the broker to check the change without applying it.',
      default: false,
    }),
  };

  async run(): Promise<TopicsAlterResult> {
    const { args, flags } = await this.parse(TopicsAlter);
    const changes: ConfigAlteration[] = [
      ...(flags.config ?? []).map((c) => {
        const [name, value] = parsePair(c, '--config');
        return { name, op: 'set' as const, value };
      }),
      ...(flags['delete-config'] ?? []).map((name) => ({ name, op: 'delete' as const })),
    ];
    if (changes.length === 0) this.usage('nothing to change: give --config key=value or --delete-config key');
    const resource = { type: 'topic' as const, name: args.topic };
    const result = await this.withAdmin(flags, async (admin) => {
      await admin.alterConfigs(resource, changes, flags['validate-only']);
      const [after] = await admin.describeConfigs([resource]);
      return {
        topic: args.topic,
        changes,
        validateOnly: flags['validate-only'],
        configs: after!.configs.filter((c) => c.source === 'DYNAMIC_TOPIC_CONFIG'),
      };
    });
    if (result.configs.length > 0) this.print(renderConfigs(result.configs));
    this.note(
      flags['validate-only']
        ? `The change to topic '${args.topic}' is valid (validate only: nothing was changed).`
        : `Updated the configs of topic '${args.topic}'.`,
    );
    return result;
  }
}
