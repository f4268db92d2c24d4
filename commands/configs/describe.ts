import { Flags } from '@oclif/core';
import type { ConfigEntry, ConfigResource } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { configResource, resourceFlags } from '../../src/cli/resource-flags.js';
import { renderConfigs, resourceLabel } from '../../src/cli/render/configs.js';

export interface ConfigsDescribeResult {
  resource: ConfigResource;
  configs: ConfigEntry[];
}

/** Sources that mean "set on this resource itself". */
const OWN_SOURCES = new Set([
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
]);

export default class ConfigsDescribe extends ClusterCommand {
  static override summary = 'Describe the configs of a topic or a broker.';
  static override description = `Shows the configs set on the resource itself (dynamic configs), like kafka-configs
--describe; --all shows every config with its effective value and where it comes from (DEFAULT_CONFIG,
STATIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG, DYNAMIC_BROKER_CONFIG, DYNAMIC_TOPIC_CONFIG).`;
  static override examples = [
    '<%= config.bin %> configs describe --topic orders',
    '<%= config.bin %> configs describe --topic orders --all',
    '<%= config.bin %> configs describe --broker 1 --all --key log.retention.ms --synonyms',
    '<%= config.bin %> configs describe --broker-defaults --json',
  ];

  static override flags = {
    ...resourceFlags,
    all: Flags.boolean({ char: 'a', summary: 'Show every config, not only those set on the resource.' }),
    key: Flags.string({ char: 'k', summary: 'Only this config key (repeatable).', multiple: true }),
    synonyms: Flags.boolean({ summary: 'Show where each value could come from, in precedence order.' }),
    docs: Flags.boolean({ summary: 'Show the documentation of each config.' }),
  };

  async run(): Promise<ConfigsDescribeResult> {
    const { flags } = await this.parse(ConfigsDescribe);
    const resource = configResource(flags);
    const [described] = await this.withAdmin(flags, (admin) =>
      admin.describeConfigs([resource], {
        keys: flags.key,
        synonyms: flags.synonyms,
        documentation: flags.docs,
      }),
    );
    const configs = described!.configs.filter(
      (c) => flags.all || (flags.key?.length ?? 0) > 0 || OWN_SOURCES.has(c.source),
    );
    if (configs.length === 0) {
      this.print(`No configs are set on ${resourceLabel(resource)}; --all shows the effective values.`);
    } else {
      this.print(
        renderConfigs(configs, {
          readOnly: resource.type === 'broker',
          synonyms: flags.synonyms,
          documentation: flags.docs,
        }),
      );
    }
    return { resource, configs };
  }
}
