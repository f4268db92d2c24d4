// ACLs of the transaction APIs with KafkaJS over SASL_PLAINTEXT: WRITE on the transactional id and
// on the topics lets a transactional producer commit; without the transactional id ACL, InitProducerId
// is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED; an idempotent producer only needs WRITE on
// some topic (KIP-679).

import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { authorizerOverrides, listenerPorts } from '../helpers/security.js';

let broker: RunningBroker;
let port: number;
const USERS = { admin: 'admin-secret', carol: 'carol-secret', dave: 'dave-secret' };

function client(user: keyof typeof USERS): Kafka {
  return new Kafka({
    clientId: `txn-acl-${user}`,
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    sasl: { mechanism: 'plain', username: user, password: USERS[user] },
  });
}

const acl = (
  principal: string,
  resourceType: AclResourceTypes,
  resourceName: string,
  operation: AclOperationTypes,
) => ({
  principal,
  resourceType,
  resourceName,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  host: '*',
  operation,
  permissionType: AclPermissionTypes.ALLOW,
});

function errorTypes(err: unknown, seen = new Set<unknown>()): string[] {
  if (!err || typeof err !== 'object' || seen.has(err)) return [];
  seen.add(err);
  const e = err as Record<string, unknown>;
  return [
    ...(typeof e.type === 'string' ? [e.type] : []),
    ...[e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : [])].flatMap((c) =>
      errorTypes(c, seen),
    ),
  ];
}

beforeAll(async () => {
  broker = await startBroker({
    overrides: {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      ...authorizerOverrides(USERS),
      'auto.create.topics.enable': false,
    },
  });
  ({ SASL_PLAINTEXT: port } = (await listenerPorts(broker, ['SASL_PLAINTEXT'])) as {
    SASL_PLAINTEXT: number;
  });
  const admin = client('admin').admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'txn-out', numPartitions: 1 }] });
  await admin.createAcls({
    acl: [
      acl('User:carol', AclResourceTypes.TOPIC, 'txn-out', AclOperationTypes.WRITE),
      acl('User:carol', AclResourceTypes.TRANSACTIONAL_ID, 'carol-txn', AclOperationTypes.WRITE),
      acl('User:dave', AclResourceTypes.TOPIC, 'txn-out', AclOperationTypes.WRITE),
      // DESCRIBE lets FindCoordinator through; InitProducerId needs WRITE
      acl('User:dave', AclResourceTypes.TRANSACTIONAL_ID, 'dave-txn', AclOperationTypes.DESCRIBE),
    ],
  });
  await admin.disconnect();
});

afterAll(async () => {
  await broker?.stop();
});

describe('transaction ACLs', () => {
  it('lets a producer with WRITE on its transactional id and topic commit a transaction', async () => {
    const producer = client('carol').producer({
      transactionalId: 'carol-txn',
      maxInFlightRequests: 1,
      idempotent: true,
      retry: { retries: 2 },
    });
    await producer.connect();
    try {
      const txn = await producer.transaction();
      await txn.send({ topic: 'txn-out', messages: [{ value: 'allowed' }] });
      await txn.commit();
    } finally {
      await producer.disconnect();
    }
    const admin = client('admin').admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('txn-out');
    await admin.disconnect();
    expect(Number(offsets[0]!.high)).toBeGreaterThanOrEqual(2); // the record and the commit marker
  });

  it('refuses a transactional id without WRITE (TRANSACTIONAL_ID_AUTHORIZATION_FAILED)', async () => {
    const producer = client('dave').producer({
      transactionalId: 'dave-txn',
      maxInFlightRequests: 1,
      idempotent: true,
      retry: { retries: 2 },
    });
    await producer.connect();
    // InitProducerId goes out with the first transaction
    const err = await producer.transaction().then(
      () => null,
      (e: unknown) => e,
    );
    await producer.disconnect().catch(() => undefined);
    expect(err).not.toBeNull();
    expect(errorTypes(err)).toContain('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
  });

  it('lets an idempotent producer with WRITE on a topic in (KIP-679)', async () => {
    const producer = client('dave').producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 2 },
    });
    await producer.connect();
    try {
      await producer.send({ topic: 'txn-out', messages: [{ value: 'idempotent' }] });
    } finally {
      await producer.disconnect();
    }
  });
});
