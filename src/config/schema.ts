// The broker's configuration keys. Kafka's own names wherever Kafka has one, so a server.properties
// user recognises them; each key has a type, a default, a short doc line and a validator that names
// the allowed values when it rejects one.

import { homedir } from 'node:os';
import { join } from 'node:path';

export type ConfigValue = string | number | boolean;
export type ConfigType = 'string' | 'int' | 'long' | 'boolean' | 'list';

export interface ConfigKey<T extends ConfigValue = ConfigValue> {
  name: string;
  type: ConfigType;
  default: T;
  doc: string;
  /** Returns an error text (naming the allowed values) or null when the value is fine. */
  validate?: (value: T) => string | null;
}

const atLeast =
  (min: number) =>
  (v: ConfigValue): string | null =>
    typeof v === 'number' && v >= min ? null : `must be an integer >= ${min}`;

const oneOf =
  (...allowed: string[]) =>
  (v: ConfigValue): string | null =>
    allowed.includes(String(v)) ? null : `must be one of: ${allowed.join(', ')}`;

const LONG_MAX_AS_NUMBER = Number.MAX_SAFE_INTEGER;

export const DEFAULT_DATA_DIR = join(homedir(), '.fluxmq', 'data');

export const CONFIG_KEYS: readonly ConfigKey[] = [
  {
    name: 'node.id',
    type: 'int',
    default: 1,
    doc: "This broker's id (Kafka: node.id / broker.id).",
    validate: atLeast(0),
  },
  {
    name: 'listeners',
    type: 'string',
    default: 'PLAINTEXT://127.0.0.1:9092',
    doc: 'Comma-separated listener URIs the broker binds, e.g. PLAINTEXT://0.0.0.0:9092.',
  },
  {
    name: 'advertised.listeners',
    type: 'string',
    default: '',
    doc: 'Listeners handed to clients in Metadata; defaults to `listeners` (with 0.0.0.0 replaced by 127.0.0.1).',
  },
  { name: 'log.dirs', type: 'string', default: DEFAULT_DATA_DIR, doc: 'The data directory holding the log.' },
  {
    name: 'cluster.id',
    type: 'string',
    default: '',
    doc: 'Cluster id; generated and stored in meta.properties on first start when empty.',
  },
  {
    name: 'num.partitions',
    type: 'int',
    default: 1,
    doc: 'Partitions of an auto-created topic.',
    validate: atLeast(1),
  },
  {
    name: 'default.replication.factor',
    type: 'int',
    default: 1,
    doc: 'Replication factor of an auto-created topic.',
    validate: atLeast(1),
  },
  {
    name: 'auto.create.topics.enable',
    type: 'boolean',
    default: true,
    doc: 'Create unknown topics on Metadata and Produce.',
  },
  {
    name: 'socket.request.max.bytes',
    type: 'int',
    default: 104857600,
    doc: 'Largest request frame accepted; a bigger one closes the connection.',
    validate: atLeast(1024),
  },
  {
    name: 'message.max.bytes',
    type: 'int',
    default: 1048588,
    doc: 'Largest record batch accepted (topic override: max.message.bytes).',
    validate: atLeast(0),
  },
  {
    name: 'fetch.max.bytes',
    type: 'int',
    default: 57671680,
    doc: 'Upper bound of a Fetch response, whatever the client asks.',
    validate: atLeast(1024),
  },
  {
    name: 'log.segment.bytes',
    type: 'int',
    default: 1073741824,
    doc: 'Roll a segment at this size.',
    validate: atLeast(14),
  },
  {
    name: 'log.roll.ms',
    type: 'long',
    default: 7 * 24 * 3600 * 1000,
    doc: 'Roll a segment this long after its first append.',
    validate: atLeast(1),
  },
  {
    name: 'log.index.size.max.bytes',
    type: 'int',
    default: 10485760,
    doc: 'Largest offset index of a segment; a full index rolls the segment.',
    validate: atLeast(4),
  },
  {
    name: 'log.index.interval.bytes',
    type: 'int',
    default: 4096,
    doc: 'Bytes of log between two sparse index entries.',
    validate: atLeast(0),
  },
  {
    name: 'log.flush.interval.messages',
    type: 'long',
    default: LONG_MAX_AS_NUMBER,
    doc: 'fsync a partition after this many appended messages (default: never by count).',
    validate: atLeast(1),
  },
  {
    name: 'log.flush.interval.ms',
    type: 'long',
    default: 1000,
    doc: 'fsync every dirty partition at least this often.',
    validate: atLeast(1),
  },
  {
    name: 'log.level',
    type: 'string',
    default: 'info',
    doc: 'Log level.',
    validate: oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'),
  },
  {
    name: 'log.format',
    type: 'string',
    default: 'auto',
    doc: 'json, pretty, or auto (pretty on a TTY).',
    validate: oneOf('auto', 'json', 'pretty'),
  },
];

export const CONFIG_KEY_BY_NAME: ReadonlyMap<string, ConfigKey> = new Map(
  CONFIG_KEYS.map((k) => [k.name, k]),
);

/** Kafka names that mean the same as one of ours. */
export const CONFIG_ALIASES: ReadonlyMap<string, string> = new Map([
  ['broker.id', 'node.id'],
  ['log.dir', 'log.dirs'],
  ['log.roll.hours', 'log.roll.ms'],
]);
