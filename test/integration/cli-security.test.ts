// `fluxmq users` and `fluxmq acl` against a broker with SASL_PLAINTEXT, an authorizer and a super
// user: the CLI logs in with --command-config and with flags, adds a SCRAM user and ACLs, lists and
// removes them; the new user then produces with KafkaJS where an ACL allows and is refused where
// none does. One admin command runs over TLS with --tls --ca-file, and ACLs and SCRAM users
// survive a broker restart.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, tempDataDir, type RunningBroker } from '../helpers/broker.js';
import { runCli } from '../helpers/cli.js';
import { listenerPorts, makePki, type TestPki } from '../helpers/security.js';

let pki: TestPki;
let broker: RunningBroker;
let dataDir: string;
let saslPort: number;
let sslPort: number;
let adminConfig: string;

const overrides = () => ({
  listeners: 'SASL_PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
  'ssl.keystore.location': pki.serverPem,
  'ssl.truststore.location': pki.caCert,
  'ssl.client.auth': 'none',
  'sasl.plain.users': 'admin:admin-secret',
  'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'super.users': 'User:admin;User:ANONYMOUS',
  'auto.create.topics.enable': false,
});

async function start(): Promise<void> {
  broker = await startBroker({ dataDir, overrides: overrides() });
  ({ SASL_PLAINTEXT: saslPort, SSL: sslPort } = (await listenerPorts(broker, ['SASL_PLAINTEXT', 'SSL'])) as {
    SASL_PLAINTEXT: number;
    SSL: number;
  });
}

const sasl = () => `127.0.0.1:${saslPort}`;
const asAdmin = (args: string[]) =>
  runCli([...args, '--bootstrap-server', sasl(), '--command-config', adminConfig]);
const asAdminFlags = (args: string[]) =>
  runCli([
    ...args,
    '--bootstrap-server',
    sasl(),
    '--sasl-mechanism',
    'PLAIN',
    '--sasl-username',
    'admin',
    '--sasl-password',
    'admin-secret',
  ]);

function json<T>(r: { code: number | null; stdout: string; stderr: string }): T {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stdout} ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function carol(): Kafka {
  return new Kafka({
    clientId: 'cli-security-carol',
    brokers: [sasl()],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    sasl: { mechanism: 'scram-sha-512', username: 'carol', password: 'carol-secret' },
  });
}

async function produce(topic: string): Promise<void> {
  const producer = carol().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ value: `to ${topic}` }] });
  } finally {
    await producer.disconnect();
  }
}

beforeAll(async () => {
  pki = makePki();
  dataDir = tempDataDir();
  adminConfig = join(pki.dir, 'admin.properties');
  writeFileSync(
    adminConfig,
    [
      '# admin client settings',
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=PLAIN',
      'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\',
      '  username="admin" password="admin-secret";',
      '',
    ].join('\n'),
  );
  await start();
  for (const t of ['orders', 'payments'])
    expect((await asAdmin(['topics', 'create', t, '-p', '1'])).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await broker?.stop();
});

describe('fluxmq users and acl over SASL', () => {
  it('refuses bad credentials with exit code 1', async () => {
    const r = await runCli([
      'topics',
      'list',
      '-b',
      sasl(),
      '--sasl-username',
      'admin',
      '--sasl-password',
      'wrong',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SASL authentication');
  });

  it('adds a SCRAM user, lists it, and the user authenticates', async () => {
    const added = await asAdmin([
      'users',
      'add',
      '--user',
      'carol',
      '--password',
      'carol-secret',
      '--mechanism',
      'SCRAM-SHA-512',
      '--iterations',
      '8192',
    ]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/│ carol\s+│ SCRAM-SHA-512 │\s+8192 │/);

    const temp = json<{ user: { user: string } }>(
      await asAdminFlags(['users', 'add', '-u', 'temp', '-p', 'temp-secret', '--json']),
    );
    expect(temp.user.user).toBe('temp');
    const list = json<{ users: { user: string; mechanism: string; iterations: number }[] }>(
      await asAdmin(['users', 'list', '--json']),
    );
    expect(list.users).toEqual(
      expect.arrayContaining([
        { user: 'carol', mechanism: 'SCRAM-SHA-512', iterations: 8192 },
        { user: 'temp', mechanism: 'SCRAM-SHA-256', iterations: 4096 },
      ]),
    );
    const removed = json<{ removed: { user: string }[] }>(
      await asAdmin(['users', 'remove', '--user', 'temp', '--json']),
    );
    expect(removed.removed.map((r) => r.user)).toEqual(['temp']);
    const again = await asAdmin(['users', 'list', '--user', 'temp']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('RESOURCE_NOT_FOUND');

    // the new user logs in with SCRAM through the CLI too (and may not describe anything yet)
    const asCarol = await runCli([
      'topics',
      'list',
      '-b',
      sasl(),
      '--sasl-mechanism',
      'SCRAM-SHA-512',
      '--sasl-username',
      'carol',
      '--sasl-password',
      'carol-secret',
      '--json',
    ]);
    expect(asCarol.code).toBe(0);
    expect(JSON.stringify(JSON.parse(asCarol.stdout))).not.toContain('orders');
  });

  it('adds, lists and removes ACLs; the user may write where an ACL allows it', async () => {
    await expect(produce('orders')).rejects.toThrow();

    const add = await asAdmin([
      'acl',
      'add',
      '--allow-principal',
      'User:carol',
      '--operation',
      'write',
      '--operation',
      'describe',
      '--topic',
      'orders',
    ]);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/│ User:carol │ ALLOW\s+│ WRITE\s+│ \*\s+│ TOPIC\s+│ orders\s+│ LITERAL\s+│/);
    const group = json<{ created: unknown[] }>(
      await asAdminFlags([
        'acl',
        'add',
        '--allow-principal',
        'User:carol',
        '--operation',
        'read',
        '--topic',
        'audit-',
        '--group',
        'billing',
        '--resource-pattern-type',
        'prefixed',
        '--json',
      ]),
    );
    expect(group.created).toHaveLength(2);

    const bad = await asAdmin([
      'acl',
      'add',
      '--allow-principal',
      'User:carol',
      '-o',
      'write',
      '--group',
      'g',
    ]);
    expect(bad.code).toBe(2);

    await produce('orders');
    await expect(produce('payments')).rejects.toThrow(/authoriz/i);

    const listed = json<{ acls: { principal: string; operation: string; resourceName: string }[] }>(
      await asAdmin(['acl', 'list', '--principal', 'User:carol', '--json']),
    );
    expect(listed.acls.map((a) => `${a.operation} ${a.resourceName}`).sort()).toEqual([
      'DESCRIBE orders',
      'READ audit-',
      'READ billing',
      'WRITE orders',
    ]);
    const forTopic = await asAdmin(['acl', 'list', '--topic', 'orders']);
    expect(forTopic.code).toBe(0);
    expect(forTopic.stdout).toContain('WRITE');
    expect(forTopic.stdout).not.toContain('billing');

    const noFilter = await asAdmin(['acl', 'remove']);
    expect(noFilter.code).toBe(2);
    const removed = json<{ removed: unknown[] }>(
      await asAdmin(['acl', 'remove', '--group', 'billing', '--resource-pattern-type', 'prefixed', '--json']),
    );
    expect(removed.removed).toHaveLength(1);
  });

  it('runs an admin command over TLS with --tls --ca-file', async () => {
    const r = await runCli([
      'topics',
      'list',
      '-b',
      `localhost:${sslPort}`,
      '--tls',
      '--ca-file',
      pki.caCert,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('orders');
    const untrusted = await runCli([
      'topics',
      'list',
      '-b',
      `localhost:${sslPort}`,
      '--ca-file',
      pki.otherCaCert,
    ]);
    expect(untrusted.code).toBe(3);
  });

  it('keeps SCRAM users and ACLs across a broker restart', async () => {
    expect(await broker.stop()).toBe(0);
    await start();
    const users = json<{ users: { user: string }[] }>(await asAdmin(['users', 'list', '--json']));
    expect(users.users.map((u) => u.user)).toContain('carol');
    const acls = json<{ acls: unknown[] }>(
      await asAdmin(['acl', 'list', '--principal', 'User:carol', '--json']),
    );
    expect(acls.acls).toHaveLength(3);
    await produce('orders');
    await expect(produce('payments')).rejects.toThrow(/authoriz/i);

    // a group consumer over SASL with the credentials of the command config file
    const consumed = await runCli(
      [
        'consume',
        'orders',
        '--group',
        'cli-security',
        '--from',
        'beginning',
        '-n',
        '2',
        '-b',
        sasl(),
        '--command-config',
        adminConfig,
      ],
      { timeoutMs: 30_000 },
    );
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout).toContain('to orders');
  }, 60_000);
});
