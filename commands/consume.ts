import { Args, Flags } from '@oclif/core';
import { ClusterCommand } from '../src/cli/base.js';
import { parseDateTime } from '../src/cli/parse.js';
import {
  encodeBytes,
  recordJson,
  renderRecordsTable,
  type BytesEncoding,
  type RecordJson,
} from '../src/cli/render/records.js';
import { PartitionReader, type StartPosition } from '../src/client/reader.js';

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

Output: text (the value, or key<separator>value with --print-key), jsonl (one JSON object per line
with topic, partition, offset, timestamp, key, value and headers), or table (printed at the end).
--json prints a single object with every message when the command ends.`;
  static override examples = [
    '<%= config.bin %> consume orders --from beginning --exit',
    '<%= config.bin %> consume orders --from beginning --max-messages 10 --format jsonl',
    '<%= config.bin %> consume orders --partition 0 --from 1200 --print-key',
    '<%= config.bin %> consume orders --from-timestamp 2024-05-01T12:00:00Z --exit --format table',
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
    partition: Flags.integer({ char: 'p', summary: 'Read only this partition (repeatable).', multiple: true, min: 0 }),
    'max-messages': Flags.integer({ char: 'n', summary: 'Stop after this many messages.', min: 1 }),
    exit: Flags.boolean({ char: 'e', summary: 'Stop at the end of the partitions instead of waiting for more.' }),
    'idle-timeout': Flags.integer({ summary: 'Stop after this many milliseconds without a message.', min: 1 }),
    format: Flags.string({
      char: 'F',
      summary: 'Output format.',
      options: ['text', 'jsonl', 'table'],
      default: 'text',
    }),
    'print-key': Flags.boolean({ summary: 'Text format: print key<separator>value.' }),
    'key-separator': Flags.string({ summary: 'Text format: separator between key and value.', default: '\t' }),
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
    if (format === 'table' && !this.jsonEnabled() && !flags.exit && !flags['max-messages'] && !flags['idle-timeout']) {
      this.note('The table is printed when reading stops: add --exit, --max-messages or --idle-timeout, or press Ctrl-C.');
    }

    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    const messages: RecordJson[] = [];
    let count = 0;
    try {
      await this.withAdmin(flags, async (admin) => {
        const reader = await PartitionReader.open(admin.client, args.topic, start, flags.partition);
        for await (const r of reader.records({
          maxMessages: flags['max-messages'],
          exitAtEnd: flags.exit,
          idleTimeoutMs: flags['idle-timeout'],
          signal: abort.signal,
          onReset: (t, p, from, to) =>
            process.stderr.write(`Offset ${from} of ${t}-${p} is no longer available; continuing at ${to}.\n`),
        })) {
          count++;
          const json = recordJson(r, encoding);
          if (keep) messages.push(json);
          if (this.jsonEnabled()) continue;
          if (format === 'jsonl') process.stdout.write(JSON.stringify(json) + '\n');
          else if (format === 'text') {
            const value = encodeBytes(r.value, encoding) ?? '';
            const line = flags['print-key'] ? `${encodeBytes(r.key, encoding) ?? ''}${flags['key-separator']}${value}` : value;
            process.stdout.write(line + '\n');
          }
        }
      });
    } finally {
      process.off('SIGINT', onSigint);
    }
    if (format === 'table') this.print(renderRecordsTable(messages));
    this.note(`Read ${count} message(s) from topic '${args.topic}'.`);
    return { topic: args.topic, count, messages: this.jsonEnabled() ? messages : [] };
  }
}
