import { Flags } from '@oclif/core';
import type { ConfigAlteration, ConfigEntry, ConfigResource } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { parsePair } from '../../src/cli/parse.js';
import { configResource, resourceFlags } from '../../src/cli/resource-flags.js';
import { renderConfigs, resourceLabel } from '../../src/cli/render/configs.js';

export interface ConfigsAlterResult {
  resource: ConfigResource;
  changes: ConfigAlteration[];
  validateOnly: boolean;
  /** Which API carried the change (IncrementalAlterConfigs, or AlterConfigs on old brokers). */
  api: string;
  /** The changed keys as the broker reports them afterwards. */
  configs: ConfigEntry[];
}

export default class ConfigsAlter extends ClusterCommand {
  static override summary = 'Change the configs of a topic or a broker.';
  static override description = `--set key=value sets a config, --delete key removes it (back to the inherited value),
--append/--subtract key=value add to or remove from a list config such as cleanup.policy. Broker configs
that can change at run time: the log.* defaults of topic configs, compression.type, message.max.bytes,
min.insync.replicas; --broker-defaults changes them for the whole cluster.`;
  static override examples = [
    '<%= config.bin %> configs alter --topic orders --set retention.ms=86400000 --set segment.bytes=104857600',
    '<%= config.bin %> configs alter --topic orders --delete retention.ms',
    '<%= config.bin %> configs alter --topic orders --append cleanup.policy=compact',
    '<%= config.bin %> configs alter --broker 1 --set log.retention.ms=3600000',
    '<%= config.bin %> configs alter --broker-defaults --set message.max.bytes=2097152',
  ];

  static override flags = {
    ...resourceFlags,
    set: Flags.string({ char: 's', summary: 'Set a config: key=value (repeatable).', multiple: true }),
    delete: Flags.string({ char: 'd', summary: 'Remove a config (repeatable).', multiple: true }),
    append: Flags.string({ summary: 'Add to a list config: key=value (repeatable).', multiple: true }),
    subtract: Flags.string({ summary: 'Remove from a list config: key=value (repeatable).', multiple: true }),
    'validate-only': Flags.boolean({
      summary: 'Ask the broker to check the change without applying it.',
      default: false,
    }),
  };

  async run(): Promise<ConfigsAlterResult> {
    const { flags } = await this.parse(ConfigsAlter);
    const resource = configResource(flags);
    const pairs = (list: string[] | undefined, flag: string, op: 'set' | 'append' | 'subtract') =>
      (list ?? []).map((t) => {
        const [name, value] = parsePair(t, flag);
        return { name, op, value };
      });
    const changes: ConfigAlteration[] = [
      ...pairs(flags.set, '--set', 'set'),
      ...(flags.delete ?? []).map((name) => ({ name, op: 'delete' as const })),
      ...pairs(flags.append, '--append', 'append'),
      ...pairs(flags.subtract, '--subtract', 'subtract'),
    ];
    if (changes.length === 0) this.usage('nothing to change: give --set, --delete, --append or --subtract');
    const result = await this.withAdmin(flags, async (admin) => {
      const altered = await admin.alterConfigs(resource, changes, flags['validate-only']);
      const [after] = await admin.describeConfigs([resource], {
        keys: [...new Set(changes.map((c) => c.name))],
      });
      return { ...altered, configs: after!.configs };
    });
    this.print(renderConfigs(result.configs, { readOnly: resource.type === 'broker' }));
    this.note(
      flags['validate-only']
        ? `The change to ${resourceLabel(resource)} is valid (validate only: nothing was changed).`
        : `Updated the configs of ${resourceLabel(resource)}.`,
    );
    return result;
  }
}
