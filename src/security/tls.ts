// TLS for the SSL and SASL_SSL listeners with PEM files: ssl.keystore.location holds the private key
// and certificate chain, ssl.truststore.location the CAs trusted for client certificates. The
// options are re-read on SIGHUP (certificate rotation without a restart). A client certificate maps
// to the principal `User:<subject DN>` in RFC 2253 order (`User:CN=alice,OU=eng,O=acme`), as Kafka's
// default principal builder does.

import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import { ConfigError } from '../config/load.js';
import type { TlsSettings } from './settings.js';

export function tlsContextOptions(s: TlsSettings): SecureContextOptions {
  if (!s.keystoreLocation) {
    throw new ConfigError(
      'an SSL or SASL_SSL listener needs ssl.keystore.location (a PEM file with key and certificate)',
    );
  }
  const read = (path: string, key: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`${key}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const pem = read(s.keystoreLocation, 'ssl.keystore.location');
  const keyMatch =
    /-----BEGIN (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----/.exec(
      pem,
    );
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!keyMatch || !certs) {
    throw new ConfigError(
      `ssl.keystore.location: ${s.keystoreLocation} must hold a PEM private key and certificate`,
    );
  }
  const sorted = [...s.protocols].sort();
  return {
    key: keyMatch[0],
    cert: certs.join('\n'),
    ...(s.keyPassword ? { passphrase: s.keyPassword } : {}),
    ...(s.truststoreLocation ? { ca: read(s.truststoreLocation, 'ssl.truststore.location') } : {}),
    minVersion: sorted[0]!,
    maxVersion: sorted[sorted.length - 1]!,
  };
}

/** `User:CN=...` from a verified client certificate, or null. */
export function certificatePrincipal(socket: TLSSocket): string | null {
  if (!socket.authorized) return null;
  const cert = socket.getPeerX509Certificate();
  if (!cert) return null;
  // X509Certificate.subject lists the RDNs in certificate order, one per line; RFC 2253 reverses it.
  const rdns = cert.subject
    .split('\n')
    .filter(Boolean)
    .map((rdn) => rdn.replace(/([,+"\\<>;])/g, '\\$1'));
  return `User:${rdns.reverse().join(',')}`;
}
