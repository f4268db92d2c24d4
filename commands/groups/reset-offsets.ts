import { Args, Flags } from '@oclif/core';
import type { OffsetResetResult, OffsetResetTarget } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { parseDateTime, parseTopicPartitions } from '../../src/cli/parse.js';
import { renderOffsetReset } from '../../src/cli/render/groups.js';

const TARGETS = ['to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'shift-by'];

export default class GroupsResetOffsets extends ClusterCommand {
  static override summary = "Reset a consumer group's committed offsets.";
  static override description = `Shows the plan by default (--dry-run); --execute commits it. The group must have no
active members: stop its consumers first. --to-offset and --shift-by are kept within each partition's
earliest and latest offsets; --to-datetime picks the first offset at or after the time (the latest
offset when there is none).`;
  static override examples = [
    '<%= config.bin %> groups reset-offsets billing --topic orders --to-earliest',
    '<%= config.bin %> groups reset-offsets billing --topic orders --to-earliest --execute',
    '<%= config.bin %> groups reset-offsets billing --topic orders:0,1 --shift-by -100 --execute',
    '<%= config.bin %> groups reset-offsets billing --all-topics --to-datetime 2024-05-01T00:00:00Z --execute',
  ];

  static override args = {
    group: Args.string({ description: 'Group id.', required: true }),
  };

  static override flags = {
    topic: Flags.string({
      char: 't',
      summary: 'Topic to reset, optionally with partitions: orders or orders:0,2 (repeatable).',
      multiple: true,
      exactlyOne: ['topic', 'all-topics'],
    }),
    'all-topics': Flags.boolean({
      summary: 'Every topic the group has committed offsets for.',
      exactlyOne: ['topic', 'all-topics'],
    }),
    'to-earliest': Flags.boolean({ summary: 'Reset to the earliest offset.', exactlyOne: TARGETS }),
    'to-latest': Flags.boolean({
      summary: 'Reset to the latest offset (skip everything).',
      exactlyOne: TARGETS,
    }),
    'to-offset': Flags.integer({ summary: 'Reset to this offset.', exactlyOne: TARGETS }),
    'to-datetime': Flags.string({
      summary: 'Reset to the first offset at or after this time (ISO-8601 or epoch ms).',
      exactlyOne: TARGETS,
    }),
    'shift-by': Flags.integer({
      summary: 'Move the committed offset by this many (negative: back).',
      exactlyOne: TARGETS,
    }),
    'dry-run': Flags.boolean({
      summary: 'Show the new offsets without committing them (the default).',
      exclusive: ['execute'],
    }),
    execute: Flags.boolean({ summary: 'Commit the new offsets.', default: false }),
  };

  async run(): Promise<OffsetResetResult> {
    const { args, flags } = await this.parse(GroupsResetOffsets);
    let target: OffsetResetTarget;
    if (flags['to-earliest']) target = { to: 'earliest' };
    else if (flags['to-latest']) target = { to: 'latest' };
    else if (flags['to-offset'] !== undefined) target = { to: 'offset', offset: flags['to-offset'] };
    else if (flags['to-datetime'] !== undefined)
      target = { to: 'datetime', timestamp: parseDateTime(flags['to-datetime'], '--to-datetime') };
    else if (flags['shift-by'] !== undefined) target = { to: 'shift', by: flags['shift-by'] };
    else this.usage(`give one of ${TARGETS.map((t) => '--' + t).join(', ')}`);
    const scope = flags['all-topics']
      ? { allTopics: true }
      : { topics: (flags.topic ?? []).map((t) => parseTopicPartitions(t)) };
    const result = await this.withAdmin(flags, (admin) =>
      admin.resetOffsets(args.group, scope, target, flags.execute),
    );
    this.print(renderOffsetReset(result));
    this.note(
      result.executed
        ? `Committed the new offsets of group '${args.group}'.`
        : 'Dry run: nothing was committed. Add --execute to apply these offsets.',
    );
    return result;
  }
}
