// Test helpers for TLS and SASL: a throwaway CA with server and client certificates made by openssl
// in a temp directory (no private key is ever committed), and the bound port of each listener.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningBroker } from './broker.js';

export interface TestPki {
  dir: string;
  caCert: string;
  /** key + certificate of the broker (ssl.keystore.location). */
  serverPem: string;
  clientCert: (cn: string) => { cert: string; key: string };
  /** A self-signed client certificate no CA vouches for. */
  rogue: { cert: string; key: string };
  /** A CA that did not sign the broker certificate. */
  otherCaCert: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'fluxmq-pki-'));
  const selfSigned = (name: string, cn: string) =>
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-subj',
        `/CN=${cn}`,
      ],
      dir,
    );
  selfSigned('ca', 'FluxMQ Test CA');
  selfSigned('other-ca', 'Other CA');
  selfSigned('rogue', 'alice');
  const signed = (name: string, subj: string, ext: string) => {
    openssl(
      [
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        subj,
      ],
      dir,
    );
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      ],
      dir,
    );
  };
  signed('server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  writeFileSync(
    join(dir, 'server.pem'),
    readFileSync(join(dir, 'server.key'), 'utf8') + readFileSync(join(dir, 'server.crt'), 'utf8'),
  );
  const clients = new Map<string, { cert: string; key: string }>();
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverPem: join(dir, 'server.pem'),
    otherCaCert: join(dir, 'other-ca.crt'),
    rogue: { cert: join(dir, 'rogue.crt'), key: join(dir, 'rogue.key') },
    clientCert(cn: string) {
      let c = clients.get(cn);
      if (!c) {
        signed(`client-${cn}`, `/O=FluxMQ/CN=${cn}`, 'extendedKeyUsage=clientAuth\n');
        c = { cert: join(dir, `client-${cn}.crt`), key: join(dir, `client-${cn}.key`) };
        clients.set(cn, c);
      }
      return c;
    },
  };
}

/** The bound port of each listener, by name. */
export async function listenerPorts(broker: RunningBroker, names: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of names) {
    const line = await broker.waitForLog((l) => l.msg === 'listener bound' && l.listener === name);
    out[name] = line.port as number;
  }
  return out;
}

export const ALL_LISTENERS =
  'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0';

/**
 * Broker overrides for SASL PLAIN users (user -> password) and the ACL authorizer, with `User:admin`
 * as the only super user.
 */
export function authorizerOverrides(users: Record<string, string>): Record<string, string> {
  return {
    'sasl.plain.users': Object.entries(users)
      .map(([u, p]) => `${u}:${p}`)
      .join(','),
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:admin',
  };
}
