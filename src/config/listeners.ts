// Kafka listener URIs: `NAME://host:port`, comma-separated. The name maps to a security protocol
// (PLAINTEXT only for now; TLS and SASL listeners come with the security work).

import { ConfigError } from './load.js';

export interface ListenerSpec {
  name: string;
  securityProtocol: 'PLAINTEXT';
  host: string;
  port: number;
}

export function parseListeners(value: string, key = 'listeners'): ListenerSpec[] {
  const specs: ListenerSpec[] = [];
  for (const part of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(part);
    if (!m) throw new ConfigError(`${key}: '${part}' is not a listener URI like PLAINTEXT://127.0.0.1:9092`);
    const name = m[1]!.toUpperCase();
    if (name !== 'PLAINTEXT') {
      throw new ConfigError(`${key}: listener '${name}' is not available in this version; use PLAINTEXT`);
    }
    const port = Number(m[3]);
    if (port > 65535) throw new ConfigError(`${key}: port ${port} is out of range 0-65535`);
    if (specs.some((s) => s.name === name)) throw new ConfigError(`${key}: listener ${name} is given twice`);
    specs.push({ name, securityProtocol: 'PLAINTEXT', host: m[2]!.replace(/^\[|\]$/g, ''), port });
  }
  if (specs.length === 0) throw new ConfigError(`${key}: at least one listener is required`);
  return specs;
}

export function formatListener(spec: { name: string; host: string; port: number }): string {
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return `${spec.name}://${host}:${spec.port}`;
}
