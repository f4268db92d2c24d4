// TLS and SASL end to end with real clients (kcat/librdkafka and KafkaJS): SSL, SASL_PLAINTEXT and
// SASL_SSL listeners on one broker, PLAIN and both SCRAM mechanisms, refusals of bad credentials and
// untrusted certificates, and bad input before authentication.

import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaConnection } from '../../src/client/connection.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { saltedPassword, ScramClient } from '../../src/security/scram.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { fetchPartition } from '../helpers/kafkajs.js';
import { kcat } from '../helpers/kcat.js';
import { ALL_LISTENERS, listenerPorts, makePki, type TestPki } from '../helpers/security.js';

let pki: TestPki;
let broker: RunningBroker;
let ports: Record<string, number>;

const USERS = { alice: 'alice-secret', bob: 'bob-secret' };

async function addScramUser(port: number, user: string, password: string): Promise<void> {
  const conn = await KafkaConnection.connect('127.0.0.1', port);
  try {
    const upsertions = ([1, 2] as const).map((mechanism) => {
      const salt = randomBytes(16);
      const name = mechanism === 1 ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512';
      return {
        name: user,
        mechanism,
        iterations: 4096,
        salt,
        saltedPassword: saltedPassword(name, password, salt, 4096),
      };
    });
    const res = await conn.request(ApiKey.AlterUserScramCredentials, 0, { deletions: [], upsertions });
    expect(res.results).toEqual([expect.objectContaining({ user, errorCode: 0 })]);
  } finally {
    conn.close();
  }
}

beforeAll(async () => {
  pki = makePki();
  broker = await startBroker({
    overrides: {
      listeners: ALL_LISTENERS,
      'ssl.keystore.location': pki.serverPem,
      'sasl.plain.users': Object.entries(USERS)
        .map(([u, p]) => `${u}:${p}`)
        .join(','),
      'connection.failed.authentication.delay.ms': 10,
    },
  });
  ports = await listenerPorts(broker, ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']);
  await addScramUser(ports.PLAINTEXT!, 'carol', 'carol-secret');
});

afterAll(async () => {
  await broker?.stop();
});

const tlsArgs = () => ['-X', `ssl.ca.location=${pki.caCert}`];
const saslArgs = (mechanism: string, user: string, password: string) => [
  '-X',
  `sasl.mechanisms=${mechanism}`,
  '-X',
  `sasl.username=${user}`,
  '-X',
  `sasl.password=${password}`,
];

async function kcatRoundTrip(port: number, args: string[], topic: string): Promise<string> {
  const b = `127.0.0.1:${port}`;
  await kcat(['-b', b, ...args, '-P', '-t', topic], { input: `one ${topic}\ntwo ${topic}\n` });
  return kcat(['-b', b, ...args, '-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
}

function kafkajsClient(
  port: number,
  opts: { ssl?: boolean; sasl?: SASLOptions; cert?: { cert: string; key: string } } = {},
): Kafka {
  return new Kafka({
    clientId: 'fluxmq-security-test',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 5000,
    ...(opts.ssl
      ? {
          ssl: {
            ca: [readFileSync(pki.caCert, 'utf8')],
            ...(opts.cert
              ? { cert: readFileSync(opts.cert.cert, 'utf8'), key: readFileSync(opts.cert.key, 'utf8') }
              : {}),
          },
        }
      : {}),
    ...(opts.sasl ? { sasl: opts.sasl } : {}),
  });
}

async function kafkajsRoundTrip(kafka: Kafka, topic: string): Promise<string[]> {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
  } finally {
    await producer.disconnect();
  }
  return (await fetchPartition(kafka, topic, 0)).map((m) => m.value!.toString());
}

describe('kcat over TLS and SASL', () => {
  it('produces and consumes over SSL', async () => {
    expect(await kcatRoundTrip(ports.SSL!, ['-X', 'security.protocol=ssl', ...tlsArgs()], 'kcat-ssl')).toBe(
      'one kcat-ssl\ntwo kcat-ssl\n',
    );
  });

  it.each([
    ['PLAIN', 'alice', 'alice-secret'],
    ['SCRAM-SHA-256', 'carol', 'carol-secret'],
    ['SCRAM-SHA-512', 'carol', 'carol-secret'],
  ])('produces and consumes over SASL_PLAINTEXT and SASL_SSL with %s', async (mechanism, user, password) => {
    const tag = mechanism.toLowerCase();
    const plain = ['-X', 'security.protocol=sasl_plaintext', ...saslArgs(mechanism, user, password)];
    expect(await kcatRoundTrip(ports.SASL_PLAINTEXT!, plain, `kcat-sp-${tag}`)).toContain(
      `two kcat-sp-${tag}`,
    );
    const ssl = ['-X', 'security.protocol=sasl_ssl', ...tlsArgs(), ...saslArgs(mechanism, user, password)];
    expect(await kcatRoundTrip(ports.SASL_SSL!, ssl, `kcat-ss-${tag}`)).toContain(`two kcat-ss-${tag}`);
  });

  it('refuses a wrong password, an unknown user and a broker certificate from another CA', async () => {
    for (const [mechanism, user, password] of [
      ['PLAIN', 'alice', 'nope'],
      ['PLAIN', 'mallory', 'x'],
      ['SCRAM-SHA-256', 'carol', 'nope'],
      ['SCRAM-SHA-512', 'nobody', 'x'],
    ] as const) {
      const args = ['-X', 'security.protocol=sasl_plaintext', ...saslArgs(mechanism, user, password)];
      await expect(
        kcat(['-b', `127.0.0.1:${ports.SASL_PLAINTEXT}`, ...args, '-L', '-m', '1'], { timeoutMs: 10_000 }),
      ).rejects.toThrow(/Authentication failed|SASL authentication error/);
    }
    await expect(
      kcat([
        '-b',
        `127.0.0.1:${ports.SSL}`,
        '-X',
        'security.protocol=ssl',
        '-X',
        `ssl.ca.location=${pki.otherCaCert}`,
        '-L',
        '-m',
        '1',
      ]),
    ).rejects.toThrow(/certificate verify failed|SSL handshake failed/);
  });
});

describe('KafkaJS over TLS and SASL', () => {
  it('produces and consumes over SSL', async () => {
    expect(await kafkajsRoundTrip(kafkajsClient(ports.SSL!, { ssl: true }), 'kjs-ssl')).toEqual(['a', 'b']);
  });

  it.each([
    ['plain', 'alice', 'alice-secret'],
    ['scram-sha-256', 'carol', 'carol-secret'],
    ['scram-sha-512', 'carol', 'carol-secret'],
  ] as const)(
    'produces and consumes over SASL_SSL and SASL_PLAINTEXT with %s',
    async (mechanism, username, password) => {
      const sasl = { mechanism, username, password } as SASLOptions;
      expect(
        await kafkajsRoundTrip(kafkajsClient(ports.SASL_SSL!, { ssl: true, sasl }), `kjs-ss-${mechanism}`),
      ).toEqual(['a', 'b']);
      expect(
        await kafkajsRoundTrip(kafkajsClient(ports.SASL_PLAINTEXT!, { sasl }), `kjs-sp-${mechanism}`),
      ).toEqual(['a', 'b']);
    },
  );

  it('is refused with SASL_AUTHENTICATION_FAILED for a wrong password or an unknown user', async () => {
    for (const sasl of [
      { mechanism: 'plain', username: 'bob', password: 'wrong' },
      { mechanism: 'scram-sha-256', username: 'carol', password: 'wrong' },
      { mechanism: 'scram-sha-512', username: 'ghost', password: 'x' },
    ] as SASLOptions[]) {
      const admin = kafkajsClient(ports.SASL_PLAINTEXT!, { sasl }).admin();
      await expect(admin.connect()).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
      await admin.disconnect();
    }
  });
});

describe('SASL at the protocol level', () => {
  const connect = () =>
    KafkaConnection.connect('127.0.0.1', ports.SASL_PLAINTEXT!, { requestTimeoutMs: 5000 });
  const closed = (conn: KafkaConnection) => expect.poll(() => conn.closed, { timeout: 3000 }).toBe(true);

  it('answers ApiVersions and SaslHandshake before authentication, with the enabled mechanisms', async () => {
    const conn = await connect();
    const versions = await conn.request(ApiKey.ApiVersions, 3, {
      clientSoftwareName: 'test',
      clientSoftwareVersion: '1',
    });
    expect(versions.errorCode).toBe(0);
    const hs = await conn.request(ApiKey.SaslHandshake, 1, { mechanism: 'GSSAPI' });
    expect(hs).toMatchObject({
      errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
      mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'],
    });
    await closed(conn);
  });

  it('closes a connection that sends Metadata before authenticating', async () => {
    const conn = await connect();
    await expect(conn.request(ApiKey.Metadata, 9, { topics: null })).rejects.toThrow(/closed/);
  });

  it('refuses a SASL token before the handshake with ILLEGAL_SASL_STATE and closes', async () => {
    const conn = await connect();
    const res = await conn.request(ApiKey.SaslAuthenticate, 1, {
      authBytes: Buffer.from('\0alice\0alice-secret'),
    });
    expect(res.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    await closed(conn);
  });

  it('refuses a malformed SCRAM client-first message and a 1 MiB token with SASL_AUTHENTICATION_FAILED', async () => {
    for (const token of [Buffer.from('this is not scram'), Buffer.alloc(1024 * 1024, 0x61)]) {
      const conn = await connect();
      expect((await conn.request(ApiKey.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' })).errorCode).toBe(0);
      const res = await conn.request(ApiKey.SaslAuthenticate, 2, { authBytes: token });
      expect(res.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
      await closed(conn);
    }
  });

  it('runs SCRAM-SHA-512 by hand: verifies the server signature and reports the session lifetime', async () => {
    const conn = await connect();
    expect((await conn.request(ApiKey.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-512' })).errorCode).toBe(0);
    const client = new ScramClient('SCRAM-SHA-512', 'carol', 'carol-secret');
    const first = await conn.request(ApiKey.SaslAuthenticate, 2, { authBytes: client.first() });
    expect(first.errorCode).toBe(0);
    const final = await conn.request(ApiKey.SaslAuthenticate, 2, {
      authBytes: client.final(first.authBytes),
    });
    expect(final.errorCode).toBe(0);
    client.verify(final.authBytes);
    const md = await conn.request(ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false });
    expect(md.brokers).toHaveLength(1);
    conn.close();
  });

  it('survives a TLS client hello on the plaintext port and keeps serving', async () => {
    const hello = Buffer.from(
      '160301020001000200030300000000000000000000000000000000000000000000000000000000000000',
      'hex',
    );
    await new Promise<void>((resolve) => {
      const s = tcpConnect(ports.PLAINTEXT!, '127.0.0.1', () => s.write(hello));
      s.on('close', () => resolve());
      s.on('error', () => {});
    });
    expect(await kcat(['-b', `127.0.0.1:${ports.PLAINTEXT}`, '-L'])).toContain('1 brokers');
  });

  it('describes SCRAM users without secrets', async () => {
    const conn = await KafkaConnection.connect('127.0.0.1', ports.PLAINTEXT!);
    const res = await conn.request(ApiKey.DescribeUserScramCredentials, 0, {
      users: [{ name: 'carol' }, { name: 'zed' }],
    });
    conn.close();
    expect(res.results).toEqual([
      expect.objectContaining({
        user: 'carol',
        errorCode: 0,
        credentialInfos: [
          expect.objectContaining({ mechanism: 1, iterations: 4096 }),
          expect.objectContaining({ mechanism: 2, iterations: 4096 }),
        ],
      }),
      expect.objectContaining({ user: 'zed', errorCode: ErrorCode.RESOURCE_NOT_FOUND }),
    ]);
    const stored = readFileSync(`${broker.dataDir}/security.json`, 'utf8');
    expect(stored).not.toContain('carol-secret');
    expect(stored).toContain('storedKey');
  });
});
