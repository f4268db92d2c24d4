// ACL authorization with real clients: KafkaJS (admin, producer, consumer) and kcat over
// SASL_PLAINTEXT, and mutual TLS principals (`User:CN=...`) on an SSL listener with client auth required.

import { readFileSync } from 'node:fs';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaConnection } from '../../src/client/connection.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { kcat } from '../helpers/kcat.js';
import { listenerPorts, makePki, type TestPki } from '../helpers/security.js';

let pki: TestPki;
let broker: RunningBroker;
let port: number;
let sslPort: number;

const USERS = { admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret' };
const ALICE_DN = 'User:CN=alice,O=FluxMQ';

function client(user: keyof typeof USERS): Kafka {
  return new Kafka({
    clientId: `acl-${user}`,
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    sasl: { mechanism: 'plain', username: user, password: USERS[user] },
  });
}

function tlsClient(cert?: { cert: string; key: string }): Kafka {
  return new Kafka({
    clientId: 'acl-mtls',
    brokers: [`127.0.0.1:${sslPort}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 3000,
    ssl: {
      ca: [readFileSync(pki.caCert, 'utf8')],
      ...(cert ? { cert: readFileSync(cert.cert, 'utf8'), key: readFileSync(cert.key, 'utf8') } : {}),
    },
  });
}

const acl = (
  principal: string,
  resourceType: AclResourceTypes,
  resourceName: string,
  operation: AclOperationTypes,
  permissionType = AclPermissionTypes.ALLOW,
  resourcePatternType = ResourcePatternTypes.LITERAL,
) => ({ principal, resourceType, resourceName, resourcePatternType, host: '*', operation, permissionType });

/** Kafka error names anywhere in a KafkaJS error (KafkaJS wraps them in retry and non-retriable errors). */
function kafkaErrorTypes(err: unknown, seen = new Set<unknown>()): string[] {
  if (!err || typeof err !== 'object' || seen.has(err)) return [];
  seen.add(err);
  const e = err as Record<string, unknown>;
  const own = typeof e.type === 'string' ? [e.type] : [];
  return [
    ...own,
    ...[e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : [])].flatMap((c) =>
      kafkaErrorTypes(c, seen),
    ),
  ];
}

async function refusedWith(work: Promise<unknown>, type: string): Promise<void> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected ${type}`).not.toBeNull();
  expect(kafkaErrorTypes(err)).toContain(type);
}

async function produce(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ value: `to ${topic}` }] });
  } finally {
    await producer.disconnect();
  }
}

beforeAll(async () => {
  pki = makePki();
  broker = await startBroker({
    overrides: {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
      'ssl.keystore.location': pki.serverPem,
      'ssl.truststore.location': pki.caCert,
      'ssl.client.auth': 'required',
      'sasl.plain.users': Object.entries(USERS)
        .map(([u, p]) => `${u}:${p}`)
        .join(','),
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin;User:CN=admin,O=FluxMQ',
      'group.initial.rebalance.delay.ms': 0,
      'auto.create.topics.enable': false,
    },
  });
  ({ SASL_PLAINTEXT: port, SSL: sslPort } = (await listenerPorts(broker, ['SASL_PLAINTEXT', 'SSL'])) as {
    SASL_PLAINTEXT: number;
    SSL: number;
  });
  const admin = client('admin').admin();
  await admin.connect();
  await admin.createTopics({
    topics: ['orders', 'payments', 'orders-eu', 'audit', 'mtls'].map((topic) => ({
      topic,
      numPartitions: 1,
    })),
  });
  await admin.createAcls({
    acl: [
      acl('User:alice', AclResourceTypes.TOPIC, 'orders', AclOperationTypes.WRITE),
      acl(
        'User:alice',
        AclResourceTypes.TOPIC,
        'orders-',
        AclOperationTypes.WRITE,
        AclPermissionTypes.ALLOW,
        ResourcePatternTypes.PREFIXED,
      ),
      acl('User:alice', AclResourceTypes.TOPIC, 'audit', AclOperationTypes.ALL),
      acl('User:alice', AclResourceTypes.TOPIC, 'audit', AclOperationTypes.WRITE, AclPermissionTypes.DENY),
      acl('User:bob', AclResourceTypes.TOPIC, 'orders', AclOperationTypes.READ),
      acl('User:bob', AclResourceTypes.GROUP, 'billing', AclOperationTypes.READ),
      acl(ALICE_DN, AclResourceTypes.TOPIC, 'mtls', AclOperationTypes.WRITE),
    ],
  });
  await admin.disconnect();
});

afterAll(async () => {
  await broker?.stop();
});

describe('ACLs over SASL', () => {
  it('lets alice write orders but not payments (TOPIC_AUTHORIZATION_FAILED)', async () => {
    await produce(client('alice'), 'orders');
    await refusedWith(produce(client('alice'), 'payments'), 'TOPIC_AUTHORIZATION_FAILED');
  });

  it('covers orders-* with a prefixed ACL', async () => {
    await produce(client('alice'), 'orders-eu');
  });

  it('lets a DENY win over an ALLOW', async () => {
    await refusedWith(produce(client('alice'), 'audit'), 'TOPIC_AUTHORIZATION_FAILED');
  });

  it('lets bob read orders in group billing, and not in another group (GROUP_AUTHORIZATION_FAILED)', async () => {
    const consumer = client('bob').consumer({ groupId: 'billing', sessionTimeout: 6000 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    const got = new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) });
    });
    expect(await got).toBe('to orders');
    await consumer.disconnect();

    // FindCoordinator and JoinGroup for another group, over a connection authenticated as bob
    const conn = await KafkaConnection.connect('127.0.0.1', port);
    expect((await conn.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode).toBe(0);
    const auth = await conn.request(ApiKey.SaslAuthenticate, 2, {
      authBytes: Buffer.from('\0bob\0bob-secret'),
    });
    expect(auth.errorCode).toBe(0);
    const fc = await conn.request(ApiKey.FindCoordinator, 3, { key: 'other', keyType: 0 });
    expect(fc.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const fcBilling = await conn.request(ApiKey.FindCoordinator, 3, { key: 'billing', keyType: 0 });
    expect(fcBilling.errorCode).toBe(0);
    const join = await conn.request(ApiKey.JoinGroup, 5, {
      groupId: 'other',
      sessionTimeoutMs: 10000,
      rebalanceTimeoutMs: 10000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    });
    expect(join.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    conn.close();
    // and bob may not write
    await refusedWith(produce(client('bob'), 'orders'), 'TOPIC_AUTHORIZATION_FAILED');
  });

  it('hides from Metadata the topics a principal may not describe', async () => {
    const args = [
      '-b',
      `127.0.0.1:${port}`,
      '-X',
      'security.protocol=sasl_plaintext',
      '-X',
      'sasl.mechanisms=PLAIN',
    ];
    const list = async (user: keyof typeof USERS) => {
      const out = JSON.parse(
        await kcat([
          ...args,
          '-X',
          `sasl.username=${user}`,
          '-X',
          `sasl.password=${USERS[user]}`,
          '-L',
          '-J',
        ]),
      ) as { topics: { topic: string }[] };
      return out.topics.map((t) => t.topic).sort();
    };
    // ALL on audit implies DESCRIBE (the DENY is for WRITE only)
    expect(await list('alice')).toEqual(['audit', 'orders', 'orders-eu']);
    expect(await list('bob')).toEqual(['orders']);
    expect(await list('admin')).toEqual(
      expect.arrayContaining(['audit', 'mtls', 'orders', 'orders-eu', 'payments']),
    );
  });

  it('lets super users pass and refuses cluster operations to others (CLUSTER_AUTHORIZATION_FAILED)', async () => {
    await produce(client('admin'), 'payments');
    const aliceAdmin = client('alice').admin();
    await aliceAdmin.connect();
    await refusedWith(
      aliceAdmin.createAcls({
        acl: [acl('User:alice', AclResourceTypes.TOPIC, 'payments', AclOperationTypes.ALL)],
      }),
      'CLUSTER_AUTHORIZATION_FAILED',
    );
    await aliceAdmin.disconnect();
  });

  it('lists and deletes ACLs with filters, and keeps them across a restart', async () => {
    const admin = client('admin').admin();
    await admin.connect();
    const described = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      principal: 'User:bob',
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    expect(described.resources.map((r) => r.resourceName).sort()).toEqual(['billing', 'orders']);
    await admin.disconnect();
  });
});

describe('mutual TLS', () => {
  it('maps a client certificate to User:CN=...,O=... and authorizes it', async () => {
    await produce(tlsClient(pki.clientCert('alice')), 'mtls');
    await refusedWith(produce(tlsClient(pki.clientCert('carol')), 'mtls'), 'TOPIC_AUTHORIZATION_FAILED');
    await produce(tlsClient(pki.clientCert('admin')), 'payments');
  });

  it('refuses a client without a certificate or with an untrusted one', async () => {
    for (const k of [tlsClient(), tlsClient(pki.rogue)]) {
      const admin = k.admin();
      await expect(admin.connect()).rejects.toThrow();
      await admin.disconnect();
    }
    // the broker is unaffected
    await produce(tlsClient(pki.clientCert('alice')), 'mtls');
  });
});
