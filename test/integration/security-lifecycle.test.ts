// Security over time: expired certificates (client certificates on a listener that requires them, and
// the broker's own certificate as a client sees it), certificate rotation on SIGHUP without a
// restart, and SASL sessions that end after connections.max.reauth.ms (KIP-368): KafkaJS
// re-authenticates and keeps producing, a client that does not is disconnected.

import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaConnection, type ClientSecurity } from '../../src/client/connection.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { fetchPartition } from '../helpers/kafkajs.js';
import { listenerPorts, makePki, type TestPki } from '../helpers/security.js';

/**
 * A certificate signed by the PKI's CA that was valid only in January 2020. `openssl x509 -req` has
 * no way to set a start date in the past, so this goes through `openssl ca` with a minimal config.
 */
function expiredCert(pki: TestPki, name: string, subj: string, ext: string): { cert: string; key: string } {
  const dir = join(pki.dir, `ca-${name}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = test_ca',
      '[test_ca]',
      'database = index.txt',
      'new_certs_dir = .',
      'serial = serial',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      'organizationName = optional',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'ext.cnf'), ext);
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'req.csr', '-subj', subj]);
  run([
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-cert',
    join(pki.dir, 'ca.crt'),
    '-keyfile',
    join(pki.dir, 'ca.key'),
    '-in',
    'req.csr',
    '-out',
    'cert.pem',
    '-notext',
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
    '-extfile',
    'ext.cnf',
  ]);
  return { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
}

/** Connects and sends ApiVersions; resolves with null on success or the error message. */
async function attempt(port: number, tls: NonNullable<ClientSecurity['tls']>): Promise<string | null> {
  let conn: KafkaConnection | undefined;
  try {
    conn = await KafkaConnection.connect('127.0.0.1', port, {
      security: { tls },
      requestTimeoutMs: 5000,
      connectTimeoutMs: 5000,
    });
    const res = await conn.request(ApiKey.ApiVersions, 3, {
      clientSoftwareName: 'test',
      clientSoftwareVersion: '1',
    });
    expect(res.errorCode).toBe(0);
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    conn?.close();
  }
}

/** The fingerprint of the certificate a TLS listener presents to a new connection. */
function presentedFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.end();
      if (cert) resolve(cert.fingerprint256);
      else reject(new Error('no peer certificate'));
    });
    socket.once('error', reject);
  });
}

const fingerprint = (path: string) => new X509Certificate(readFileSync(path)).fingerprint256;
const pem = (path: string) => readFileSync(path, 'utf8');

describe('expired certificates', () => {
  let pki: TestPki;
  let broker: RunningBroker;
  let port: number;

  beforeAll(async () => {
    pki = makePki();
    broker = await startBroker({
      overrides: {
        listeners: 'SSL://127.0.0.1:0',
        'ssl.keystore.location': pki.serverPem,
        'ssl.truststore.location': pki.caCert,
        'ssl.client.auth': 'required',
      },
    });
    ({ SSL: port } = (await listenerPorts(broker, ['SSL'])) as { SSL: number });
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('refuses an expired client certificate on a listener with ssl.client.auth=required', async () => {
    const valid = pki.clientCert('alice');
    expect(
      await attempt(port, { ca: pem(pki.caCert), cert: pem(valid.cert), key: pem(valid.key) }),
    ).toBeNull();

    const expired = expiredCert(pki, 'client', '/O=FluxMQ/CN=alice', 'extendedKeyUsage=clientAuth\n');
    expect(new Date(new X509Certificate(pem(expired.cert)).validTo).getTime()).toBeLessThan(Date.now());
    const err = await attempt(port, { ca: pem(pki.caCert), cert: pem(expired.cert), key: pem(expired.key) });
    // With TLS 1.3 the client may finish its side of the handshake before the broker checks its
    // certificate, so the refusal shows as an alert or a closed connection on the first request.
    expect(err).toMatch(/expired|closed|hang up|ECONNRESET|alert/i);
    await broker.waitForLog((l) => l.msg === 'TLS handshake failed');

    // The broker keeps serving valid clients.
    expect(
      await attempt(port, { ca: pem(pki.caCert), cert: pem(valid.cert), key: pem(valid.key) }),
    ).toBeNull();
  });

  it('a client refuses a broker whose certificate has expired', async () => {
    const expired = expiredCert(
      pki,
      'server',
      '/CN=localhost',
      'subjectAltName=DNS:localhost,IP:127.0.0.1\n',
    );
    const keystore = join(pki.dir, 'expired-server.pem');
    writeFileSync(keystore, pem(expired.key) + pem(expired.cert));
    const stale = await startBroker({
      overrides: { listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.location': keystore },
    });
    try {
      const { SSL: stalePort } = (await listenerPorts(stale, ['SSL'])) as { SSL: number };
      expect(await attempt(stalePort, { ca: pem(pki.caCert) })).toMatch(/certificate has expired/);
    } finally {
      await stale.stop();
    }
  });
});

describe('certificate reload on SIGHUP', () => {
  let a: TestPki;
  let b: TestPki;
  let broker: RunningBroker;
  let port: number;
  let keystore: string;

  beforeAll(async () => {
    a = makePki();
    b = makePki();
    keystore = join(a.dir, 'live.pem');
    copyFileSync(a.serverPem, keystore);
    broker = await startBroker({
      overrides: { listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.location': keystore },
    });
    ({ SSL: port } = (await listenerPorts(broker, ['SSL'])) as { SSL: number });
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('serves the new certificate to new connections and keeps existing ones', async () => {
    expect(await presentedFingerprint(port, pem(a.caCert))).toBe(fingerprint(join(a.dir, 'server.crt')));
    const old = await KafkaConnection.connect('127.0.0.1', port, {
      security: { tls: { ca: pem(a.caCert) } },
    });
    try {
      copyFileSync(b.serverPem, keystore);
      // Until the signal, the broker still presents certificate A.
      expect(await presentedFingerprint(port, pem(a.caCert))).toBe(fingerprint(join(a.dir, 'server.crt')));
      const reloaded = broker.logs.filter((l) => l.msg === 'TLS certificates reloaded').length;
      broker.proc.kill('SIGHUP');
      await expect
        .poll(() => broker.logs.filter((l) => l.msg === 'TLS certificates reloaded').length, {
          timeout: 5000,
        })
        .toBe(reloaded + 1);

      expect(await presentedFingerprint(port, pem(b.caCert))).toBe(fingerprint(join(b.dir, 'server.crt')));
      // A client that trusts only CA A now refuses the broker; one that trusts CA B works end to end.
      expect(await attempt(port, { ca: pem(a.caCert) })).toMatch(/certificate|signature|issuer/i);
      expect(await attempt(port, { ca: pem(b.caCert) })).toBeNull();

      // The connection made before the reload keeps working, and the process is still up.
      const md = await old.request(ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false });
      expect(md.brokers).toHaveLength(1);
      expect(broker.proc.exitCode).toBeNull();
    } finally {
      old.close();
    }
  });

  it('keeps the old certificate when the new PEM file is unreadable garbage', async () => {
    const before = await presentedFingerprint(port, pem(b.caCert));
    writeFileSync(keystore, 'not a pem file\n');
    broker.proc.kill('SIGHUP');
    await broker.waitForLog((l) => l.msg === 'TLS reload failed; keeping the old certificates');
    expect(await presentedFingerprint(port, pem(b.caCert))).toBe(before);
    expect(await attempt(port, { ca: pem(b.caCert) })).toBeNull();
  });
});

describe('SASL re-authentication (connections.max.reauth.ms, KIP-368)', () => {
  const LIFETIME_MS = 1500;
  let broker: RunningBroker;
  let port: number;

  beforeAll(async () => {
    broker = await startBroker({
      overrides: {
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.plain.users': 'alice:alice-secret',
        'connections.max.reauth.ms': LIFETIME_MS,
      },
    });
    ({ SASL_PLAINTEXT: port } = (await listenerPorts(broker, ['SASL_PLAINTEXT'])) as {
      SASL_PLAINTEXT: number;
    });
  });

  afterAll(async () => {
    await broker?.stop();
  });

  const sasl = { mechanism: 'PLAIN' as const, username: 'alice', password: 'alice-secret' };

  it('reports the session lifetime in SaslAuthenticate v1', async () => {
    const conn = await KafkaConnection.connect('127.0.0.1', port);
    try {
      expect((await conn.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode).toBe(0);
      const res = await conn.request(ApiKey.SaslAuthenticate, 1, {
        authBytes: Buffer.from('\0alice\0alice-secret'),
      });
      expect(res).toMatchObject({ errorCode: 0 });
      expect(Number(res.sessionLifetimeMs)).toBe(LIFETIME_MS);
    } finally {
      conn.close();
    }
  });

  it('closes a connection that did not re-authenticate once the session lifetime is over', async () => {
    const conn = await KafkaConnection.connect('127.0.0.1', port, { security: { sasl } });
    const md = () => conn.request(ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false });
    expect((await md()).brokers).toHaveLength(1);
    await new Promise((r) => setTimeout(r, LIFETIME_MS + 300));
    await expect(md()).rejects.toThrow(/closed/);
    await broker.waitForLog((l) => l.msg === 'closing connection: SASL session expired');
  });

  it('lets a client re-authenticate on the same connection and keep going', async () => {
    const conn = await KafkaConnection.connect('127.0.0.1', port, { security: { sasl } });
    try {
      await new Promise((r) => setTimeout(r, LIFETIME_MS + 300));
      expect((await conn.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode).toBe(0);
      const res = await conn.request(ApiKey.SaslAuthenticate, 1, {
        authBytes: Buffer.from('\0alice\0alice-secret'),
      });
      expect(res.errorCode).toBe(0);
      const md = await conn.request(ApiKey.Metadata, 9, { topics: [], allowAutoTopicCreation: false });
      expect(md.brokers).toHaveLength(1);
    } finally {
      conn.close();
    }
  });

  it('KafkaJS re-authenticates and keeps producing past the session lifetime', async () => {
    const kafka = new Kafka({
      clientId: 'fluxmq-reauth-test',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' },
      // Re-authenticate when less than half the lifetime is left.
      reauthenticationThreshold: LIFETIME_MS / 2,
    });
    const topic = 'reauth-kafkajs';
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const sent: string[] = [];
    try {
      const deadline = Date.now() + LIFETIME_MS * 3;
      for (let i = 0; Date.now() < deadline; i++) {
        await producer.send({ topic, messages: [{ value: `m${i}` }] });
        sent.push(`m${i}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await producer.disconnect();
    }
    expect(sent.length).toBeGreaterThan(5);
    expect((await fetchPartition(kafka, topic, 0)).map((m) => m.value!.toString())).toEqual(sent);
  });
});
