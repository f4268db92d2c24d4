// A connection to one broker that knows which versions of each API the broker serves (asked once
// with ApiVersions v0, which every broker answers) and picks the highest both sides speak.

import { KafkaConnection, type ClientSecurity } from '../connection.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { API_SPECS, ApiKey } from '../../protocol/messages/index.js';

export interface BrokerAddress {
  host: string;
  port: number;
}

/** Parses 'host:port' (or '[v6]:port'); the port defaults to 9092. */
export function parseAddress(s: string): BrokerAddress {
  const t = s.trim();
  const m = /^\[(.+)\](?::(\d+))?$/.exec(t);
  if (m) return { host: m[1]!, port: m[2] ? Number(m[2]) : 9092 };
  const colon = t.lastIndexOf(':');
  if (colon < 0) return { host: t, port: 9092 };
  return { host: t.slice(0, colon), port: Number(t.slice(colon + 1)) };
}

export class BrokerLink {
  private constructor(
    readonly address: BrokerAddress,
    private readonly conn: KafkaConnection,
    private readonly versions: Map<number, { min: number; max: number }>,
  ) {}

  static async open(
    address: BrokerAddress,
    opts: { clientId: string; requestTimeoutMs: number; security?: ClientSecurity },
  ): Promise<BrokerLink> {
    const conn = await KafkaConnection.connect(address.host, address.port, {
      clientId: opts.clientId,
      requestTimeoutMs: opts.requestTimeoutMs,
      security: opts.security,
    });
    try {
      const res = await conn.request<{
        errorCode: number;
        apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[];
      }>(ApiKey.ApiVersions, 0, {});
      if (res.errorCode !== ErrorCode.NONE) throw new KafkaError(res.errorCode, 'ApiVersions failed');
      return new BrokerLink(
        address,
        conn,
        new Map(res.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }])),
      );
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  get closed(): boolean {
    return this.conn.closed;
  }

  /** The highest version of `apiKey` in [min, max] the broker serves; throws UNSUPPORTED_VERSION. */
  version(apiKey: number, min: number, max: number): number {
    const theirs = this.versions.get(apiKey);
    const v = Math.min(max, theirs?.max ?? -1);
    if (!theirs || v < min || v < theirs.min) {
      const name = API_SPECS.get(apiKey)?.name ?? `API ${apiKey}`;
      throw new KafkaError(
        ErrorCode.UNSUPPORTED_VERSION,
        `${this.address.host}:${this.address.port} serves no version of ${name} in ${min}-${max}`,
      );
    }
    return v;
  }

  /** Sends `body` as the highest version of `apiKey` in [min, max] both sides speak. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the response type follows apiKey at run time
  request<Res = any>(apiKey: number, min: number, max: number, body: unknown): Promise<Res> {
    return this.conn.request<Res>(apiKey, this.version(apiKey, min, max), body);
  }

  /** Sends `body` as exactly `version` (after version() chose it). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the response type follows apiKey at run time
  requestVersion<Res = any>(apiKey: number, version: number, body: unknown): Promise<Res> {
    return this.conn.request<Res>(apiKey, version, body);
  }

  close(): void {
    this.conn.close();
  }
}
