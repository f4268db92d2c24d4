import { readFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import type {
  OngoingReassignment,
  PartitionOutcome,
  ReassignmentTarget,
} from '../../src/client/admin/index.js';
import { ClusterCommand } from '../../src/cli/base.js';
import { renderOutcomes, renderReassignments } from '../../src/cli/render/cluster.js';
import { outcomeFailure, parseBrokerList, parseReassignmentJson } from '../../src/cli/replicas.js';

export interface ReassignedPartition extends PartitionOutcome {
  /** The target replicas; null for a cancellation. */
  targetReplicas: number[] | null;
}

export type ClusterReassignResult =
  | { action: 'list'; reassignments: OngoingReassignment[] }
  | { action: 'reassign' | 'cancel'; partitions: ReassignedPartition[] };

export default class ClusterReassign extends ClusterCommand {
  static override summary =
    'Move partition replicas to other brokers, cancel moves, or list moves in progress.';
  static override description = `Starts a reassignment (KIP-455): the new replicas catch up as followers, then the
partition's replica list becomes the target and replicas that are no longer in it are removed. The first
target replica is the preferred leader. Moves run in the background: follow them with --list.
--reassignment-json-file takes kafka-reassign-partitions' format:
  {"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[2,3,1]}]}
With --cancel, the partitions named (by --topic/--partition or the file) go back to their replicas from
before the move; --cancel --topic alone cancels every move of that topic.`;
  static override examples = [
    '<%= config.bin %> cluster reassign --topic orders --partition 0 --replicas 2,3,1',
    '<%= config.bin %> cluster reassign --reassignment-json-file plan.json',
    '<%= config.bin %> cluster reassign --list',
    '<%= config.bin %> cluster reassign --cancel --topic orders --partition 0',
    '<%= config.bin %> cluster reassign --cancel --reassignment-json-file plan.json',
  ];

  static override flags = {
    topic: Flags.string({ char: 't', summary: 'Topic of the partition(s).' }),
    partition: Flags.integer({
      char: 'p',
      summary: 'Partition of --topic (repeatable with --cancel and --list).',
      multiple: true,
      min: 0,
      dependsOn: ['topic'],
    }),
    replicas: Flags.string({
      char: 'r',
      summary: 'Target replicas in preference order, e.g. 2,3,1 (2 becomes the preferred leader).',
      dependsOn: ['topic', 'partition'],
      exclusive: ['cancel', 'list', 'reassignment-json-file'],
    }),
    'reassignment-json-file': Flags.string({
      char: 'f',
      summary: "A reassignment plan in kafka-reassign-partitions' JSON format.",
      exclusive: ['topic', 'list'],
    }),
    cancel: Flags.boolean({
      summary: 'Cancel the reassignments of the partitions named.',
      exclusive: ['list'],
    }),
    list: Flags.boolean({ summary: 'List reassignments in progress (of --topic, or of all topics).' }),
  };

  async run(): Promise<ClusterReassignResult> {
    const { flags } = await this.parse(ClusterReassign);
    if (flags.list) {
      const targets =
        flags.topic === undefined ? null : [{ topic: flags.topic, partitions: flags.partition }];
      const reassignments = await this.withAdmin(flags, (admin) => admin.listPartitionReassignments(targets));
      this.print(renderReassignments(reassignments));
      return { action: 'list', reassignments };
    }

    const file = flags['reassignment-json-file'];
    let targets: ReassignmentTarget[] | null = null;
    if (file !== undefined) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        this.usage(`cannot read --reassignment-json-file ${file}: ${(err as Error).message}`);
      }
      targets = parseReassignmentJson(text, file);
      if (flags.cancel) targets = targets.map((t) => ({ ...t, replicas: null }));
    } else if (flags.replicas !== undefined) {
      if (flags.partition!.length !== 1)
        this.usage('--replicas moves one partition: give exactly one --partition');
      const replicas = parseBrokerList(flags.replicas);
      targets = [{ topic: flags.topic!, partition: flags.partition![0]!, replicas }];
    } else if (flags.cancel && flags.topic !== undefined && flags.partition !== undefined) {
      targets = flags.partition.map((partition) => ({ topic: flags.topic!, partition, replicas: null }));
    } else if (!flags.cancel || flags.topic === undefined) {
      this.usage(
        flags.cancel
          ? 'name the reassignments to cancel: --topic [--partition N], or --reassignment-json-file'
          : 'nothing to do: give --topic, --partition and --replicas, or --reassignment-json-file, or use --list or --cancel',
      );
    }

    const action = flags.cancel ? 'cancel' : 'reassign';
    const outcomes = await this.withAdmin(flags, async (admin) => {
      // --cancel --topic T: every move of T in progress
      targets ??= (await admin.listPartitionReassignments([{ topic: flags.topic! }])).map((r) => ({
        topic: r.topic,
        partition: r.partition,
        replicas: null,
      }));
      return admin.alterPartitionReassignments(targets);
    });
    const byKey = new Map(targets!.map((t) => [`${t.topic}-${t.partition}`, t.replicas]));
    const partitions = outcomes.map((o) => ({
      ...o,
      targetReplicas: byKey.get(`${o.topic}-${o.partition}`) ?? null,
    }));
    if (partitions.length === 0) {
      this.print(`No reassignments of topic '${flags.topic}' are in progress.`);
      return { action, partitions };
    }
    this.print(
      action === 'cancel'
        ? renderOutcomes(partitions, 'CANCELLED')
        : renderOutcomes(
            partitions,
            'STARTED',
            new Map(partitions.map((p) => [`${p.topic}-${p.partition}`, (p.targetReplicas ?? []).join(',')])),
          ),
    );
    const failure = outcomeFailure(
      partitions,
      action === 'cancel' ? 'cancel the reassignment of' : 'reassign',
    );
    if (failure) throw failure;
    this.note(
      action === 'cancel'
        ? `Cancelled the reassignment of ${partitions.length} partition(s).`
        : `Started the reassignment of ${partitions.length} partition(s); follow it with: fluxmq cluster reassign --list`,
    );
    return { action, partitions };
  }
}
