import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Args, Flags } from '@oclif/core';
import { ClusterCommand } from '../src/cli/base.js';
import { parsePair } from '../src/cli/parse.js';
import { renderProduceResult } from '../src/cli/render/records.js';
import {
  produce,
  type ProducedPartition,
  type ProduceRecord,
  type ProduceResult,
} from '../src/client/producer.js';
import type { CompressionType } from '../src/protocol/records/compression/types.js';

export interface ProduceCommandResult {
  topic: string;
  count: number;
  acks: number;
  partitions: ProducedPartition[];
}

/** Lines are sent in chunks of this many (or sooner when input pauses). */
const CHUNK = 1000;
const PAUSE_MS = 100;

export default class Produce extends ClusterCommand {
  static override summary = 'Produce messages to a topic: one per line of stdin, or one per file.';
  static override description = `Each line of stdin is a message (empty lines are skipped); with --key-separator the
text before the first separator is the key. With --file, each file's whole content is one message.
Keyed messages go to the partition Kafka's default partitioner picks; others are spread round-robin,
unless --partition is given. Prints where the messages went.`;
  static override examples = [
    'echo hello | <%= config.bin %> produce greetings',
    "printf 'user1:login\\nuser2:logout\\n' | <%= config.bin %> produce events --key-separator :",
    'cat orders.txt | <%= config.bin %> produce orders --header source=import --compression zstd --acks 1',
    '<%= config.bin %> produce images --file a.png --file b.png --partition 0',
  ];

  static override args = {
    topic: Args.string({ description: 'Topic to produce to.', required: true }),
  };

  static override flags = {
    'key-separator': Flags.string({
      char: 'K',
      summary: 'Split each line into key and value at the first separator.',
    }),
    header: Flags.string({
      char: 'H',
      summary: 'Header for every message: key=value (repeatable).',
      multiple: true,
    }),
    partition: Flags.integer({ char: 'p', summary: 'Send every message to this partition.', min: 0 }),
    acks: Flags.string({
      summary: 'Acknowledgements to wait for: 0, 1, -1 or all.',
      options: ['0', '1', '-1', 'all'],
      default: 'all',
    }),
    compression: Flags.string({
      char: 'z',
      summary: 'Batch compression.',
      options: ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
      default: 'none',
    }),
    file: Flags.string({ char: 'f', summary: 'Send this file as one message (repeatable).', multiple: true }),
  };

  async run(): Promise<ProduceCommandResult> {
    const { args, flags } = await this.parse(Produce);
    const headers = (flags.header ?? []).map((h) => {
      const [key, value] = parsePair(h, '--header');
      return { key, value: Buffer.from(value) };
    });
    const acks = (flags.acks === 'all' ? -1 : Number(flags.acks)) as 0 | 1 | -1;
    const compression = flags.compression as CompressionType;
    const sep = flags['key-separator'];
    const toRecord = (value: Buffer, key: Buffer | null = null): ProduceRecord => ({
      key,
      value,
      headers,
      partition: flags.partition,
    });

    const result = await this.withAdmin(flags, async (admin) => {
      const total: ProduceCommandResult = { topic: args.topic, count: 0, acks, partitions: [] };
      const send = async (records: ProduceRecord[]) => {
        if (records.length === 0) return;
        merge(total, await produce(admin.client, args.topic, records, { acks, compression }));
      };
      if (flags.file && flags.file.length > 0) {
        const records: ProduceRecord[] = [];
        for (const f of flags.file) records.push(toRecord(await readFile(f)));
        await send(records);
        return total;
      }
      if (process.stdin.isTTY) this.note('Type one message per line; end with Ctrl-D.');
      let pending: ProduceRecord[] = [];
      let chain = Promise.resolve();
      let timer: NodeJS.Timeout | null = null;
      let failure: unknown = null;
      const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
      const flush = () => {
        if (timer) clearTimeout(timer);
        timer = null;
        const chunk = pending;
        pending = [];
        chain = chain
          .then(() => (failure ? undefined : send(chunk)))
          .catch((err: unknown) => {
            failure ??= err;
            rl.close();
          });
      };
      for await (const line of rl) {
        if (failure) break;
        if (line === '') continue;
        const at = sep ? line.indexOf(sep) : -1;
        pending.push(
          at < 0
            ? toRecord(Buffer.from(line))
            : toRecord(Buffer.from(line.slice(at + sep!.length)), Buffer.from(line.slice(0, at))),
        );
        if (pending.length >= CHUNK || process.stdin.isTTY) flush();
        else timer ??= setTimeout(flush, PAUSE_MS);
      }
      flush();
      await chain;
      if (failure) throw failure;
      return total;
    });
    if (result.count > 0) this.print(renderProduceResult(result));
    this.note(
      `Produced ${result.count} message(s) to topic '${args.topic}'${acks === 0 ? ' (acks=0: not confirmed)' : ''}.`,
    );
    return result;
  }
}

function merge(total: ProduceCommandResult, r: ProduceResult): void {
  total.count += r.count;
  for (const p of r.partitions) {
    const t = total.partitions.find((x) => x.partition === p.partition);
    if (t) t.count += p.count;
    else total.partitions.push({ ...p });
  }
  total.partitions.sort((a, b) => a.partition - b.partition);
}
