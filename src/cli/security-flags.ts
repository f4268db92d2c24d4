// The client security flags every cluster command shares: TLS (--tls, --ca-file, --cert-file,
// --key-file), SASL (--sasl-mechanism, --sasl-username, --sasl-password), or --command-config FILE
// with Kafka client property names (security.protocol, ssl.truststore.location,
// ssl.keystore.location as PEM, ssl.key.location, sasl.mechanism, sasl.username/sasl.password or
// sasl.jaas.config). Flags (and their FLUXMQ_* environment twins) win over the file.

import { readFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import type { ClientSaslMechanism, ClientSecurity } from '../client/connection.js';
import { UsageError } from './parse.js';

const MECHANISMS: ClientSaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

export const securityFlags = {
  'command-config': Flags.string({
    summary: 'A properties file with Kafka client security settings (security.protocol, sasl.*, ssl.*).',
    env: 'FLUXMQ_COMMAND_CONFIG',
    helpGroup: 'SECURITY',
  }),
  tls: Flags.boolean({
    summary: 'Connect over TLS.',
    env: 'FLUXMQ_TLS',
    helpGroup: 'SECURITY',
  }),
  'ca-file': Flags.string({
    summary: 'PEM file of the CA certificates to trust (implies --tls).',
    env: 'FLUXMQ_CA_FILE',
    helpGroup: 'SECURITY',
  }),
  'cert-file': Flags.string({
    summary: 'PEM client certificate for mutual TLS (implies --tls; may also hold the key).',
    env: 'FLUXMQ_CERT_FILE',
    helpGroup: 'SECURITY',
  }),
  'key-file': Flags.string({
    summary: 'PEM private key of the client certificate.',
    env: 'FLUXMQ_KEY_FILE',
    helpGroup: 'SECURITY',
  }),
  'sasl-mechanism': Flags.string({
    summary: 'SASL mechanism to log in with.',
    options: MECHANISMS,
    env: 'FLUXMQ_SASL_MECHANISM',
    helpGroup: 'SECURITY',
  }),
  'sasl-username': Flags.string({
    summary: 'SASL user name.',
    env: 'FLUXMQ_SASL_USERNAME',
    helpGroup: 'SECURITY',
  }),
  'sasl-password': Flags.string({
    summary: 'SASL password.',
    env: 'FLUXMQ_SASL_PASSWORD',
    helpGroup: 'SECURITY',
  }),
};

export interface SecurityFlagValues {
  'command-config'?: string;
  tls?: boolean;
  'ca-file'?: string;
  'cert-file'?: string;
  'key-file'?: string;
  'sasl-mechanism'?: string;
  'sasl-username'?: string;
  'sasl-password'?: string;
}

/** Java properties: `key=value` or `key: value`, `#`/`!` comments, `\` line continuations. */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
    else out.set(line, '');
  }
  return out;
}

/** username="..." password="..." of a sasl.jaas.config value. */
function jaasCredentials(jaas: string): { username?: string; password?: string } {
  const get = (k: string) => new RegExp(`\\b${k}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(jaas)?.[1];
  return { username: get('username'), password: get('password') };
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} '${file}': ${(err as Error).message}`);
  }
}

/** The connection security the flags and the --command-config file ask for. */
export function clientSecurity(flags: SecurityFlagValues): ClientSecurity {
  let props = new Map<string, string>();
  if (flags['command-config']) {
    props = parseProperties(readPem(flags['command-config'], '--command-config file'));
  }
  const protocol = (props.get('security.protocol') ?? 'PLAINTEXT').toUpperCase();
  if (!PROTOCOLS.includes(protocol)) {
    throw new UsageError(`security.protocol must be one of ${PROTOCOLS.join(', ')}, got '${protocol}'`);
  }
  const jaas = jaasCredentials(props.get('sasl.jaas.config') ?? '');

  const caFile = flags['ca-file'] ?? props.get('ssl.truststore.location');
  const certFile = flags['cert-file'] ?? props.get('ssl.keystore.location');
  const keyFile = flags['key-file'] ?? props.get('ssl.key.location') ?? (certFile ? certFile : undefined);
  const tls = flags.tls || !!flags['ca-file'] || !!flags['cert-file'] || protocol.endsWith('SSL');

  const username = flags['sasl-username'] ?? props.get('sasl.username') ?? jaas.username;
  const password = flags['sasl-password'] ?? props.get('sasl.password') ?? jaas.password;
  let mechanism = flags['sasl-mechanism'] ?? props.get('sasl.mechanism');
  const sasl = !!mechanism || !!username || protocol.startsWith('SASL_');

  const out: ClientSecurity = {};
  if (tls) {
    out.tls = {
      ...(caFile ? { ca: readPem(caFile, 'CA file') } : {}),
      ...(certFile ? { cert: readPem(certFile, 'certificate file') } : {}),
      ...(certFile && keyFile ? { key: readPem(keyFile, 'key file') } : {}),
    };
  }
  if (sasl) {
    mechanism = (mechanism ?? 'PLAIN').toUpperCase();
    if (!MECHANISMS.includes(mechanism as ClientSaslMechanism)) {
      throw new UsageError(`the SASL mechanism must be one of ${MECHANISMS.join(', ')}, got '${mechanism}'`);
    }
    if (username === undefined || password === undefined) {
      throw new UsageError(
        'SASL needs a user name and a password: --sasl-username and --sasl-password, or sasl.jaas.config in --command-config',
      );
    }
    out.sasl = { mechanism: mechanism as ClientSaslMechanism, username, password };
  }
  return out;
}
