import { Args, Flags } from '@oclif/core';
import { ClusterCommand } from '../src/cli/base.js';
import { clientSecurity, type SecurityFlagValues } from '../src/cli/security-flags.js';
import { parseDateTime } from '../src/cli/parse.js';
import {
  encodeBytes,
  recordJson,
  renderRecordsTable,
  type BytesEncoding,
  type RecordJson,
} from '../src/cli/render/records.js';
import { ConsumerHandlerError, GroupConsumer } from '../src/client/consumer/group-consumer.js';
import { PartitionReader, type ConsumedRecord, type StartPosition } from '../src/client/reader.js';

/** Thrown from the group batch handler to stop within a batch (that batch is then not committed). */
class StopReading extends Error {}

export interface ConsumeResult {
  topic: string;
  count: number;
  messages: RecordJson[];
}

export default class Consume extends ClusterCommand {
  static override summary = 'Read messages from a topic.';
  static override description = `Reads the topic's partitions directly (no consumer group, nothing committed) from the
beginning, the end (the default: only new messages), an offset, or a point in time, and keeps waiting
for new messages until --max-messages, --exit (stop at the end), --idle-timeout or Ctrl-C.

With --group, reads as a member of that consumer group instead: partitions are shared with the
group's other members, reading continues from the group's committed offsets (--from beginning or end
only says where to start partitions that have none), and exactly what was printed is committed.

Output: text (the value, or key<separator>value with --print-key), jsonl (one JSON object per line
with topic, partition, offset, timestamp, key, value and headers), or table (printed at the end).
--json prints a single object with every message when the command ends.`;
  static override examples = [
    '<%= config.bin %> consume orders --from beginning --exit',
    '<%= config.bin %> consume orders --from beginning --max-messages 10 --format jsonl',
    '<%= config.bin %> consume orders --partition 0 --from 1200 --print-key',
    '<%= config.bin %> consume orders --from-timestamp 2024-05-01T12:00:00Z --exit --format table',
    '<%= config.bin %> consume orders --group audit --from beginning --idle-timeout 5000',
  ];

  static override args = {
    topic: Args.string({ description: 'Topic to read.', required: true }),
  };

  static override flags = {
    from: Flags.string({
      char: 'o',
      summary: 'Where to start: beginning, end, or an offset (applies to every partition read).',
      default: 'end',
      exclusive: ['from-timestamp'],
    }),
    'from-timestamp': Flags.string({
      summary: 'Start at the first message at or after this time (ISO-8601 or epoch ms).',
    }),
    partition: Flags.integer({
      char: 'p',
      summary: 'Read only this partition (repeatable).',
      multiple: true,
      min: 0,
      exclusive: ['group'],
    }),
    group: Flags.string({
      char: 'g',
      summary: 'Read as a member of this consumer group, committing what was printed.',
      exclusive: ['from-timestamp', 'exit'],
    }),
    'max-messages': Flags.integer({ char: 'n', summary: 'Stop after this many messages.', min: 1 }),
    exit: Flags.boolean({
      char: 'e',
      summary: 'Stop at the end of the partitions instead of waiting for more.',
    }),
    'idle-timeout': Flags.integer({
      summary: 'Stop after this many milliseconds without a message.',
      min: 1,
    }),
    format: Flags.string({
      char: 'F',
      summary: 'Output format.',
      options: ['text', 'jsonl', 'table'],
      default: 'text',
    }),
    'print-key': Flags.boolean({ summary: 'Text format: print key<separator>value.' }),
    'key-separator': Flags.string({
      summary: 'Text format: separator between key and value.',
      default: '\t',
    }),
    encoding: Flags.string({
      summary: 'How keys, values and header values are shown.',
      options: ['utf8', 'base64', 'hex'],
      default: 'utf8',
    }),
  };

  async run(): Promise<ConsumeResult> {
    const { args, flags } = await this.parse(Consume);
    let start: StartPosition;
    if (flags['from-timestamp'] !== undefined) {
      start = { from: 'timestamp', timestamp: parseDateTime(flags['from-timestamp'], '--from-timestamp') };
    } else if (flags.from === 'beginning' || flags.from === 'earliest') start = { from: 'beginning' };
    else if (flags.from === 'end' || flags.from === 'latest') start = { from: 'end' };
    else if (/^\d+$/.test(flags.from)) start = { from: 'offset', offset: Number(flags.from) };
    else this.usage(`--from expects beginning, end or an offset, got '${flags.from}'`);
    const encoding = flags.encoding as BytesEncoding;
    const format = flags.format;
    const keep = this.jsonEnabled() || format === 'table';
    if (
      format === 'table' &&
      !this.jsonEnabled() &&
      !flags.exit &&
      !flags['max-messages'] &&
      !flags['idle-timeout']
    ) {
      this.note(
        'The table is printed when reading stops: add --exit, --max-messages or --idle-timeout, or press Ctrl-C.',
      );
    }

    const messages: RecordJson[] = [];
    let count = 0;
    const emit = (r: ConsumedRecord) => {
      count++;
      const json = recordJson(r, encoding);
      if (keep) messages.push(json);
      if (this.jsonEnabled()) return;
      if (format === 'jsonl') process.stdout.write(JSON.stringify(json) + '\n');
      else if (format === 'text') {
        const value = encodeBytes(r.value, encoding) ?? '';
        const line = flags['print-key']
          ? `${encodeBytes(r.key, encoding) ?? ''}${flags['key-separator']}${value}`
          : value;
        process.stdout.write(line + '\n');
      }
    };

    if (flags.group !== undefined) {
      if (start.from !== 'beginning' && start.from !== 'end') {
        this.usage(
          'with --group, --from is beginning or end (where partitions without a committed offset start)',
        );
      }
      await this.consumeAsGroup(flags.group, args.topic, start.from, flags, emit);
    } else {
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once('SIGINT', onSigint);
      try {
        await this.withAdmin(flags, async (admin) => {
          const reader = await PartitionReader.open(admin.client, args.topic, start, flags.partition);
          for await (const r of reader.records({
            maxMessages: flags['max-messages'],
            exitAtEnd: flags.exit,
            idleTimeoutMs: flags['idle-timeout'],
            signal: abort.signal,
            onReset: (t, p, from, to) =>
              process.stderr.write(
                `Offset ${from} of ${t}-${p} is no longer available; continuing at ${to}.\n`,
              ),
          })) {
            emit(r);
          }
        });
      } finally {
        process.off('SIGINT', onSigint);
      }
    }
    if (format === 'table') this.print(renderRecordsTable(messages));
    this.note(`Read ${count} message(s) from topic '${args.topic}'.`);
    return { topic: args.topic, count, messages: this.jsonEnabled() ? messages : [] };
  }

  /** Reads as a group member until --max-messages, --idle-timeout or Ctrl-C; commits what was emitted. */
  private async consumeAsGroup(
    groupId: string,
    topic: string,
    from: 'beginning' | 'end',
    flags: SecurityFlagValues & {
      'bootstrap-server': string;
      'request-timeout': number;
      'max-messages'?: number;
      'idle-timeout'?: number;
    },
    emit: (r: ConsumedRecord) => void,
  ): Promise<void> {
    // fail fast with a clear message when the cluster or the topic is not there
    await this.withAdmin(flags, (admin) => admin.describeTopics([topic]));
    const consumer = new GroupConsumer({
      bootstrap: flags['bootstrap-server'],
      groupId,
      topics: [topic],
      clientId: 'fluxmq-consume',
      security: clientSecurity(flags),
      autoOffsetReset: from === 'beginning' ? 'earliest' : 'latest',
      requestTimeoutMs: flags['request-timeout'],
    });
    const max = flags['max-messages'];
    let count = 0;
    let stoppedMidBatch = false;
    /** Next offset after the last printed message of each partition. */
    const printed = new Map<string, { topic: string; partition: number; newOffset: number }>();
    let idle: NodeJS.Timeout | null = null;
    const stop = () => void consumer.close();
    const armIdle = () => {
      if (flags['idle-timeout'] === undefined) return;
      if (idle) clearTimeout(idle);
      idle = setTimeout(stop, flags['idle-timeout']);
    };
    process.once('SIGINT', stop);
    armIdle();
    try {
      await consumer.run(async (batch) => {
        for (const m of batch.messages) {
          if (max !== undefined && count >= max) throw new StopReading();
          emit({ ...m, timestampType: null });
          printed.set(`${m.topic}:${m.partition}`, {
            topic: m.topic,
            partition: m.partition,
            newOffset: m.offset + 1,
          });
          count++;
          armIdle();
        }
        if (max !== undefined && count >= max) stop();
      });
    } catch (err) {
      if (!(err instanceof ConsumerHandlerError && err.cause instanceof StopReading)) throw err;
      stoppedMidBatch = true;
    } finally {
      if (idle) clearTimeout(idle);
      process.off('SIGINT', stop);
      await consumer.close();
    }
    if (!stoppedMidBatch) return;
    // The consumer committed whole batches only; commit up to the last printed message of the
    // batch it stopped in (the member has left, so this is an admin commit to an empty group).
    try {
      await this.withAdmin(flags, async (admin) => {
        const committed = await admin.committedOffsets(groupId);
        const behind = [...printed].filter(([key, p]) => (committed.get(key)?.offset ?? -1) < p.newOffset);
        if (behind.length > 0)
          await admin.commitOffsets(
            groupId,
            behind.map(([, p]) => p),
          );
      });
    } catch (err) {
      process.stderr.write(
        `Warning: could not commit the last messages printed (${(err as Error).message}); the group will read them again.\n`,
      );
    }
  }
}
