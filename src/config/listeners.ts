// Kafka listener URIs: `NAME://host:port`, comma-separated. The name maps to a security protocol
// through `listener.security.protocol.map` (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL).

import { ConfigError } from './load.js';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** Parses `listener.security.protocol.map` (`NAME:PROTOCOL,...`). */
export function parseProtocolMap(value: string): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  for (const part of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, protocol] = part.split(':').map((s) => s.trim().toUpperCase());
    if (!name || !SECURITY_PROTOCOLS.includes(protocol as SecurityProtocol)) {
      throw new ConfigError(
        `listener.security.protocol.map: '${part}' must be NAME:PROTOCOL with PROTOCOL one of ${SECURITY_PROTOCOLS.join(', ')}`,
      );
    }
    map.set(name, protocol as SecurityProtocol);
  }
  return map;
}

export interface ListenerSpec {
  name: string;
  securityProtocol: SecurityProtocol;
  host: string;
  port: number;
}

/**
 * Parses listener URIs. With `protocols` (the parsed protocol map) every name must be in it; without,
 * names are read as the protocol of the same name (other names: PLAINTEXT until the map is known).
 */
export function parseListeners(
  value: string,
  key = 'listeners',
  protocols?: Map<string, SecurityProtocol>,
): ListenerSpec[] {
  const specs: ListenerSpec[] = [];
  for (const part of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(part);
    if (!m) throw new ConfigError(`${key}: '${part}' is not a listener URI like PLAINTEXT://127.0.0.1:9092`);
    const name = m[1]!.toUpperCase();
    const securityProtocol =
      protocols?.get(name) ??
      (SECURITY_PROTOCOLS.includes(name as SecurityProtocol) ? (name as SecurityProtocol) : undefined);
    if (!securityProtocol && protocols) {
      throw new ConfigError(
        `${key}: listener '${name}' has no security protocol in listener.security.protocol.map`,
      );
    }
    const port = Number(m[3]);
    if (port > 65535) throw new ConfigError(`${key}: port ${port} is out of range 0-65535`);
    if (specs.some((s) => s.name === name)) throw new ConfigError(`${key}: listener ${name} is given twice`);
    specs.push({
      name,
      securityProtocol: securityProtocol ?? 'PLAINTEXT',
      host: m[2]!.replace(/^\[|\]$/g, ''),
      port,
    });
  }
  if (specs.length === 0) throw new ConfigError(`${key}: at least one listener is required`);
  return specs;
}

export function formatListener(spec: { name: string; host: string; port: number }): string {
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return `${spec.name}://${host}:${spec.port}`;
}
