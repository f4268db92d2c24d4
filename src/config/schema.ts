// The broker's configuration keys. Kafka's own names wherever Kafka has one, so a server.properties
// user recognises them; each key has a type, a default, a short doc line and a validator that names
// the allowed values when it rejects one.

import { homedir } from 'node:os';
import { join } from 'node:path';

export type ConfigValue = string | number | boolean;
export type ConfigType = 'string' | 'int' | 'long' | 'double' | 'boolean' | 'list';

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

function cleanupPolicy(v: ConfigValue): string | null {
  const parts = String(v)
    .split(',')
    .map((p) => p.trim());
  return parts.length > 0 && parts.every((p) => p === 'delete' || p === 'compact')
    ? null
    : 'must be delete, compact or compact,delete';
}

const LONG_MAX_AS_NUMBER = Number.MAX_SAFE_INTEGER;

/** The one replica.selector.class Kafka ships besides the leader-only default (KIP-392). */
export const RACK_AWARE_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

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
    name: 'listener.security.protocol.map',
    type: 'list',
    default: 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    doc: 'Listener name to security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), e.g. INTERNAL:SASL_SSL.',
  },
  {
    name: 'ssl.keystore.location',
    type: 'string',
    default: '',
    doc: 'PEM file with the private key and certificate chain of the SSL and SASL_SSL listeners.',
  },
  {
    name: 'ssl.keystore.type',
    type: 'string',
    default: 'PEM',
    doc: 'Format of the keystore file; only PEM.',
    validate: oneOf('PEM'),
  },
  {
    name: 'ssl.key.password',
    type: 'string',
    default: '',
    doc: 'Passphrase of an encrypted private key in the keystore file.',
  },
  {
    name: 'ssl.truststore.location',
    type: 'string',
    default: '',
    doc: 'PEM bundle of the CAs whose client certificates are trusted (mutual TLS).',
  },
  {
    name: 'ssl.client.auth',
    type: 'string',
    default: 'none',
    doc: 'Mutual TLS: required (a trusted client certificate is needed), requested (used when given) or none.',
    validate: oneOf('required', 'requested', 'none'),
  },
  {
    name: 'ssl.enabled.protocols',
    type: 'list',
    default: 'TLSv1.2,TLSv1.3',
    doc: 'TLS versions the TLS listeners accept (TLSv1.2, TLSv1.3).',
    validate: (v) =>
      String(v)
        .split(',')
        .every((p) => ['TLSv1.2', 'TLSv1.3'].includes(p.trim()))
        ? null
        : 'must be TLSv1.2, TLSv1.3 or both',
  },
  {
    name: 'sasl.enabled.mechanisms',
    type: 'list',
    default: 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    doc: 'SASL mechanisms offered on SASL listeners (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512).',
    validate: (v) =>
      String(v)
        .split(',')
        .every((p) => ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(p.trim()))
        ? null
        : 'must be a list of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512',
  },
  {
    name: 'sasl.plain.users',
    type: 'list',
    default: '',
    doc: 'PLAIN users as user:password pairs, comma-separated (SCRAM users are managed with AlterUserScramCredentials).',
  },
  {
    name: 'connections.max.reauth.ms',
    type: 'long',
    default: 0,
    doc: 'SASL session lifetime; clients re-authenticate before it ends (KIP-368); 0: sessions never expire.',
    validate: atLeast(0),
  },
  {
    name: 'connection.failed.authentication.delay.ms',
    type: 'int',
    default: 100,
    doc: 'Delay before a failed authentication is answered and the connection closed.',
    validate: atLeast(0),
  },
  {
    name: 'connection.failed.authentication.max.per.minute',
    type: 'int',
    default: 30,
    doc: 'Failed authentications one address may make per minute; more are refused without checking and logged.',
    validate: atLeast(1),
  },
  {
    name: 'authorizer.class.name',
    type: 'string',
    default: '',
    doc: 'Turns ACL authorization on when set (any value; Kafka names such as org.apache.kafka.metadata.authorizer.StandardAuthorizer are accepted).',
  },
  {
    name: 'super.users',
    type: 'string',
    default: '',
    doc: 'Principals allowed everything, semicolon-separated (User:admin;User:CN=ops).',
  },
  {
    name: 'allow.everyone.if.no.acl.found',
    type: 'boolean',
    default: false,
    doc: 'With the authorizer on: allow an operation on a resource that has no ACL at all.',
  },

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
    name: 'log.retention.ms',
    type: 'long',
    default: 7 * 24 * 3600 * 1000,
    doc: 'Delete a closed segment once its newest record is older than this; -1 keeps data forever (topic: retention.ms).',
    validate: atLeast(-1),
  },
  {
    name: 'log.retention.bytes',
    type: 'long',
    default: -1,
    doc: 'Delete the oldest closed segments while a partition is larger than this; -1: no size limit (topic: retention.bytes).',
    validate: atLeast(-1),
  },
  {
    name: 'log.retention.check.interval.ms',
    type: 'long',
    default: 300000,
    doc: 'How often retention looks for segments to delete.',
    validate: atLeast(1),
  },
  {
    name: 'log.cleanup.policy',
    type: 'list',
    default: 'delete',
    doc: 'delete, compact or compact,delete (topic: cleanup.policy). compact: the log cleaner keeps the latest record per key.',
    validate: cleanupPolicy,
  },
  {
    name: 'log.cleaner.enable',
    type: 'boolean',
    default: true,
    doc: 'Run the log cleaner, which compacts topics whose cleanup.policy includes compact.',
  },
  {
    name: 'log.cleaner.backoff.ms',
    type: 'long',
    default: 15000,
    doc: 'How long the cleaner sleeps when no compacted partition needs cleaning.',
    validate: atLeast(0),
  },
  {
    name: 'log.cleaner.dedupe.buffer.size',
    type: 'long',
    default: 134217728,
    doc: 'Memory for the keys of one cleaning pass (key bytes plus ~64 bytes each); a larger dirty section is cleaned over several passes.',
    validate: atLeast(1024 * 1024),
  },
  {
    name: 'log.cleaner.io.buffer.size',
    type: 'int',
    default: 524288,
    doc: 'Bytes the cleaner reads from a segment between two yields to the event loop.',
    validate: atLeast(4096),
  },
  {
    name: 'log.cleaner.min.cleanable.ratio',
    type: 'double',
    default: 0.5,
    doc: 'Clean a compacted partition once its dirty bytes exceed this share of its closed segments (topic: min.cleanable.dirty.ratio).',
    validate: (v) => {
      const n = Number(v);
      return Number.isFinite(n) && n >= 0 && n <= 1 ? null : 'must be a number in [0, 1]';
    },
  },
  {
    name: 'log.cleaner.delete.retention.ms',
    type: 'long',
    default: 86400000,
    doc: 'How long a tombstone stays after the cleaner first saw it (topic: delete.retention.ms).',
    validate: atLeast(0),
  },
  {
    name: 'log.cleaner.min.compaction.lag.ms',
    type: 'long',
    default: 0,
    doc: 'Records stay uncompacted for at least this long (topic: min.compaction.lag.ms).',
    validate: atLeast(0),
  },
  {
    name: 'log.cleaner.max.compaction.lag.ms',
    type: 'long',
    default: LONG_MAX_AS_NUMBER,
    doc: 'Compact dirty records older than this whatever the dirty ratio (topic: max.compaction.lag.ms).',
    validate: atLeast(1),
  },
  {
    name: 'log.message.timestamp.type',
    type: 'string',
    default: 'CreateTime',
    doc: 'CreateTime keeps the producer timestamps; LogAppendTime stamps batches with the broker clock (topic: message.timestamp.type).',
    validate: oneOf('CreateTime', 'LogAppendTime'),
  },
  {
    name: 'compression.type',
    type: 'string',
    default: 'producer',
    doc: "Codec batches are stored with: producer keeps the producer's; otherwise batches are recompressed (topic: compression.type).",
    validate: oneOf('producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'),
  },
  {
    name: 'min.insync.replicas',
    type: 'int',
    default: 1,
    doc: 'Replicas that must have a write for acks=-1 to succeed (topic: min.insync.replicas).',
    validate: atLeast(1),
  },
  {
    name: 'cluster.metadata',
    type: 'string',
    default: '',
    doc: 'Where a multi-broker cluster keeps its metadata: etcd://HOST:PORT[,HOST:PORT]. Empty: a single broker with a local metadata file.',
    validate: (v) =>
      v === '' || /^etcd:\/\/[^,\s/]+:\d+(,[^,\s/]+:\d+)*\/?$/.test(String(v))
        ? null
        : 'must be empty or etcd://HOST:PORT[,HOST:PORT...]',
  },
  {
    name: 'broker.rack',
    type: 'string',
    default: '',
    doc: 'Rack (or zone) of this broker: replicas of a partition are spread over racks.',
  },
  {
    name: 'replica.selector.class',
    type: 'string',
    default: '',
    doc: `Which replica a consumer that names its rack (client.rack) is told to fetch from (KIP-392). ${RACK_AWARE_SELECTOR}: a replica in the consumer's rack, the leader when it is there or none is; empty: always the leader. Followers serve consumer fetches either way.`,
    validate: (v) =>
      v === '' || v === RACK_AWARE_SELECTOR ? null : `must be empty or ${RACK_AWARE_SELECTOR}`,
  },
  {
    name: 'inter.broker.listener.name',
    type: 'string',
    default: 'BROKER',
    doc: 'Listener that brokers of a cluster replicate over; added on 127.0.0.1 with a free port when `listeners` does not name it. Only brokers of the cluster can authenticate on it.',
  },
  {
    name: 'broker.session.timeout.ms',
    type: 'int',
    default: 9000,
    doc: 'A broker whose etcd lease is not renewed for this long is out of the cluster: its leaderships move.',
    validate: atLeast(1000),
  },
  {
    name: 'replica.lag.time.max.ms',
    type: 'long',
    default: 30000,
    doc: 'A follower that has not caught up with the leader for this long leaves the ISR.',
    validate: atLeast(1),
  },
  {
    name: 'replica.fetch.wait.max.ms',
    type: 'int',
    default: 500,
    doc: 'Longest time a follower fetch waits at the leader for new data.',
    validate: atLeast(0),
  },
  {
    name: 'replica.fetch.max.bytes',
    type: 'int',
    default: 1048576,
    doc: 'Bytes a follower fetches per partition per request (at least one whole batch).',
    validate: atLeast(1),
  },
  {
    name: 'replica.high.watermark.checkpoint.interval.ms',
    type: 'long',
    default: 5000,
    doc: 'How often the high watermark of every local replica is written to replication-offset-checkpoint in the data directory (also on shutdown); a restarted broker starts its replicas from it.',
    validate: atLeast(1),
  },
  {
    name: 'replica.fetch.backoff.ms',
    type: 'int',
    default: 1000,
    doc: 'How long a follower waits before fetching a partition again after an error.',
    validate: atLeast(0),
  },
  {
    name: 'unclean.leader.election.enable',
    type: 'boolean',
    default: false,
    doc: 'Let a replica outside the ISR become leader when no in-sync one is alive (may lose acknowledged data; topic: unclean.leader.election.enable).',
  },
  {
    name: 'controlled.shutdown.enable',
    type: 'boolean',
    default: true,
    doc: 'On SIGTERM, move this broker’s leaderships to other in-sync replicas before leaving the cluster.',
  },
  {
    name: 'controlled.shutdown.timeout.ms',
    type: 'int',
    default: 30000,
    doc: 'Longest wait for leaderships to move away during a controlled shutdown.',
    validate: atLeast(0),
  },
  {
    name: 'delete.topic.enable',
    type: 'boolean',
    default: true,
    doc: 'Allow DeleteTopics; when false it answers TOPIC_DELETION_DISABLED.',
  },
  {
    name: 'group.initial.rebalance.delay.ms',
    type: 'int',
    default: 3000,
    doc: 'How long the first rebalance of an empty group waits for more members to join.',
    validate: atLeast(0),
  },
  {
    name: 'group.min.session.timeout.ms',
    type: 'int',
    default: 6000,
    doc: 'Smallest session timeout a group member may ask for (else INVALID_SESSION_TIMEOUT).',
    validate: atLeast(0),
  },
  {
    name: 'group.max.session.timeout.ms',
    type: 'int',
    default: 1800000,
    doc: 'Largest session timeout a group member may ask for (else INVALID_SESSION_TIMEOUT).',
    validate: atLeast(0),
  },
  {
    name: 'group.max.size',
    type: 'int',
    default: 2147483647,
    doc: 'Most members a consumer group may have (else GROUP_MAX_SIZE_REACHED).',
    validate: atLeast(1),
  },
  {
    name: 'offsets.topic.num.partitions',
    type: 'int',
    default: 50,
    doc: 'Partitions of __consumer_offsets when it is created (a group lives on abs(hash(group id)) % this).',
    validate: atLeast(1),
  },
  {
    name: 'offsets.retention.minutes',
    type: 'int',
    default: 10080,
    doc: 'Committed offsets of a group that has been empty this long are deleted.',
    validate: atLeast(1),
  },
  {
    name: 'offsets.retention.check.interval.ms',
    type: 'long',
    default: 600000,
    doc: 'How often expired committed offsets are looked for.',
    validate: atLeast(1),
  },
  {
    name: 'offsets.commit.timeout.ms',
    type: 'long',
    default: 5000,
    doc: 'In a cluster, how long an offset commit (or another group write) waits for the in-sync replicas of its __consumer_offsets partition before it is answered REQUEST_TIMED_OUT.',
    validate: atLeast(1),
  },
  {
    name: 'offset.metadata.max.bytes',
    type: 'int',
    default: 4096,
    doc: 'Largest metadata string of a committed offset (else OFFSET_METADATA_TOO_LARGE).',
    validate: atLeast(0),
  },
  {
    name: 'transaction.state.log.num.partitions',
    type: 'int',
    default: 50,
    doc: 'Partitions of __transaction_state when it is created.',
    validate: atLeast(1),
  },
  {
    name: 'transaction.max.timeout.ms',
    type: 'int',
    default: 900000,
    doc: 'Largest transaction timeout a producer may ask for (else INVALID_TRANSACTION_TIMEOUT).',
    validate: atLeast(1),
  },
  {
    name: 'transactional.id.expiration.ms',
    type: 'int',
    default: 604800000,
    doc: 'A transactional id idle this long (no transaction open) is forgotten.',
    validate: atLeast(1),
  },
  {
    name: 'transaction.abort.timed.out.transaction.cleanup.interval.ms',
    type: 'int',
    default: 10000,
    doc: 'How often transactions open past their timeout are looked for (and aborted).',
    validate: atLeast(1),
  },
  {
    name: 'producer.id.expiration.ms',
    type: 'int',
    default: 86400000,
    doc: 'The sequence state of a producer id idle this long is forgotten (idempotence).',
    validate: atLeast(1),
  },
  {
    name: 'producer.id.expiration.check.interval.ms',
    type: 'int',
    default: 600000,
    doc: 'How often expired producer ids and transactional ids are looked for.',
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
  {
    name: 'http.port',
    type: 'int',
    default: 9644,
    doc: 'Port of the HTTP listener serving /metrics, /health, /ready and /v1/status; 0 turns it off.',
    validate: (v) => (typeof v === 'number' && v >= 0 && v <= 65535 ? null : 'must be a port, 0 to 65535'),
  },
  {
    name: 'http.host',
    type: 'string',
    default: '127.0.0.1',
    doc: 'Interface of the HTTP listener (0.0.0.0 for every interface).',
  },
  {
    name: 'metrics.partition.level',
    type: 'boolean',
    default: true,
    doc: 'Publish per-partition series (log offsets and sizes, per-partition consumer lag); false keeps only topic and group totals.',
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
  ['log.retention.hours', 'log.retention.ms'],
  ['log.retention.minutes', 'log.retention.ms'],
]);

/** Aliases whose values are in another unit than the key they stand for: the factor to it. */
export const CONFIG_ALIAS_SCALES: ReadonlyMap<string, number> = new Map([
  ['log.roll.hours', 3600 * 1000],
  ['log.retention.hours', 3600 * 1000],
  ['log.retention.minutes', 60 * 1000],
]);
