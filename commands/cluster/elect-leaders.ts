import { Flags } from '@oclif/core';
import type { ElectionType, PartitionOutcome } from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderOutcomes } from '../../src/cli/render/cluster.js';
import { outcomeFailure } from '../../src/cli/replicas.js';
import { ErrorCode } from '../../src/protocol/errors.js';

export interface ElectLeadersResult {
  type: ElectionType;
  /** One entry per partition asked for; with no --topic, only the partitions that had an election. */
  partitions: PartitionOutcome[];
}

export default class ClusterElectLeaders extends ClusterCommand {
  static override summary =
    'Move partition leadership back to the preferred replica, or elect a leader unclean.';
  static override description = `A preferred election makes the first replica of each partition its leader again
when it is live and in sync (after a broker restarted, leaderships stay where they moved). An unclean election
gives a partition without a leader any live replica as leader, even one outside the ISR: acknowledged
records the old leader had may be lost. Without --topic every partition of the cluster is considered and only
those that had an election are listed. ELECTION_NOT_NEEDED is not a failure; other errors exit with code 1.`;
  static override examples = [
    '<%= config.bin %> cluster elect-leaders',
    '<%= config.bin %> cluster elect-leaders --topic orders',
    '<%= config.bin %> cluster elect-leaders --topic orders --partition 0 --partition 2',
    '<%= config.bin %> cluster elect-leaders --type unclean --topic orders --partition 1 --json',
  ];

  static override flags = {
    type: Flags.string({
      summary: 'Election type.',
      options: ['preferred', 'unclean'],
      default: 'preferred',
    }),
    topic: Flags.string({
      char: 't',
      summary: 'Topic whose partitions to elect leaders for (default: all).',
    }),
    partition: Flags.integer({
      char: 'p',
      summary: 'Partition of --topic (repeatable; default: all its partitions).',
      multiple: true,
      min: 0,
      dependsOn: ['topic'],
    }),
  };

  async run(): Promise<ElectLeadersResult> {
    const { flags } = await this.parse(ClusterElectLeaders);
    const type = flags.type as ElectionType;
    const targets = flags.topic === undefined ? null : [{ topic: flags.topic, partitions: flags.partition }];
    const partitions = await this.withAdmin(flags, (admin) => admin.electLeaders(type, targets));
    if (partitions.length === 0) {
      this.print(
        targets === null
          ? `No partition needed a ${type} leader election.`
          : `Topic '${flags.topic}' has no partitions.`,
      );
    } else {
      this.print(renderOutcomes(partitions, 'ELECTED'));
    }
    const failure = outcomeFailure(partitions, `elect a leader (${type}) for`, [
      ErrorCode.ELECTION_NOT_NEEDED,
    ]);
    if (failure) throw failure;
    if (partitions.length === 0) return { type, partitions };
    const elected = partitions.filter((p) => p.errorCode === 0).length;
    const notNeeded = partitions.length - elected;
    this.note(
      `Elected ${type} leaders for ${elected} partition(s)` +
        (notNeeded > 0 ? `; ${notNeeded} did not need an election.` : '.'),
    );
    return { type, partitions };
  }
}
