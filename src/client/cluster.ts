// A client's view of a Kafka cluster: it connects to the first bootstrap server that answers, learns
// the brokers and the controller from Metadata, opens one connection per broker on demand, and asks
// each broker for its API versions (ApiVersions) so every request goes out in the highest version
// both sides speak. Works against FluxMQ and any Kafka broker.

import { FLUXMQ_VERSION } from '../version.js';
import {
  AuthenticationError,
  ConnectionClosedError,
  KafkaConnection,
  RequestTimeoutError,
  type ClientSecurity,
} from './connection.js';
import { API_SPECS, ApiKey, type MetadataResponse } from '../protocol/messages/index.js';
import { UnreachableError, UnsupportedApiError } from './errors.js';

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';

export interface BrokerAddress {
  host: string;
  port: number;
}

export interface BrokerInfo extends BrokerAddress {
  nodeId: number;
  rack: string | null;
}

export interface ClusterClientOptions {
  /** `host:port[,host:port...]`. */
  bootstrap: string;
  clientId?: string;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** TLS and SASL for every broker connection. */
  security?: ClientSecurity;
}

/** Which broker a request goes to. */
export type Target = 'any' | 'controller' | number;

interface NodeConnection {
  address: string;
  conn: KafkaConnection;
  versions: Map<number, { min: number; max: number }>;
}

export interface VersionRange {
  /** Lowest version this caller can build (default: the lowest the codec knows). */
  min?: number;
  /** Highest version this caller can build (default: the highest the codec knows). */
  max?: number;
}

/** Parses `host:port,host:port` (IPv6 as `[::1]:9092`; the port defaults to 9092). */
export function parseBootstrap(spec: string): BrokerAddress[] {
  const out: BrokerAddress[] = [];
  for (const raw of spec.split(',')) {
    const s = raw.trim();
    if (s === '') continue;
    const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(s);
    const port = m?.[3] === undefined ? 9092 : Number(m[3]);
    if (!m || port < 1 || port > 65535) {
      throw new UnreachableError(`invalid bootstrap server '${s}': expected host:port, e.g. 127.0.0.1:9092`);
    }
    out.push({ host: m[1] ?? m[2]!, port });
  }
  if (out.length === 0) throw new UnreachableError('no bootstrap server given');
  return out;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class ClusterClient {
  brokers = new Map<number, BrokerInfo>();
  controllerId = -1;
  clusterId: string | null = null;

  private readonly byAddress = new Map<string, Promise<NodeConnection>>();
  private closed = false;

  private constructor(
    private readonly opts: Required<ClusterClientOptions>,
    private readonly bootstrapNode: NodeConnection,
  ) {
    this.byAddress.set(bootstrapNode.address, Promise.resolve(bootstrapNode));
  }

  /** Connects to the first reachable bootstrap server and loads the broker list. */
  static async connect(options: ClusterClientOptions): Promise<ClusterClient> {
    const opts: Required<ClusterClientOptions> = {
      clientId: 'fluxmq-cli',
      requestTimeoutMs: 30_000,
      connectTimeoutMs: 10_000,
      security: {},
      ...options,
    };
    const failures: string[] = [];
    for (const addr of parseBootstrap(opts.bootstrap)) {
      try {
        const node = await ClusterClient.open(addr, opts);
        const client = new ClusterClient(opts, node);
        await client.refreshMetadata([]);
        return client;
      } catch (err) {
        if (err instanceof UnsupportedApiError || err instanceof AuthenticationError) throw err;
        failures.push(describe(err));
      }
    }
    throw new UnreachableError(
      `cannot reach the Kafka cluster at ${opts.bootstrap}: ${failures.join('; ')}. ` +
        'Is the broker running? Set --bootstrap-server (or FLUXMQ_BOOTSTRAP_SERVER) to its address.',
    );
  }

  private static async open(
    addr: BrokerAddress,
    opts: Required<ClusterClientOptions>,
  ): Promise<NodeConnection> {
    const address = `${addr.host}:${addr.port}`;
    const conn = await KafkaConnection.connect(addr.host, addr.port, {
      clientId: opts.clientId,
      requestTimeoutMs: opts.requestTimeoutMs,
      connectTimeoutMs: opts.connectTimeoutMs,
      security: opts.security,
    });
    try {
      return { address, conn, versions: await ClusterClient.apiVersions(conn) };
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  /** ApiVersions v3 (KIP-511), falling back to v0 for brokers older than Kafka 2.4. */
  private static async apiVersions(
    conn: KafkaConnection,
  ): Promise<Map<number, { min: number; max: number }>> {
    type Res = { errorCode: number; apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[] };
    let res: Res | null = null;
    try {
      res = await conn.request<Res>(ApiKey.ApiVersions, 3, {
        clientSoftwareName: 'fluxmq',
        clientSoftwareVersion: FLUXMQ_VERSION,
      });
    } catch (err) {
      if (err instanceof ConnectionClosedError || err instanceof RequestTimeoutError) throw err;
      res = null; // an old broker answered in v0 layout
    }
    if (!res || res.errorCode !== 0) res = await conn.request<Res>(ApiKey.ApiVersions, 0, {});
    if (res.errorCode !== 0)
      throw new UnsupportedApiError(`ApiVersions failed with error code ${res.errorCode}`);
    return new Map(res.apiKeys.map((a) => [a.apiKey, { min: a.minVersion, max: a.maxVersion }]));
  }

  /** Metadata for `topics` (null: every topic; []: none, only brokers). Updates the broker list. */
  async refreshMetadata(topics: string[] | null, allowAutoTopicCreation = false): Promise<MetadataResponse> {
    const { response } = await this.request<MetadataResponse>(
      'any',
      ApiKey.Metadata,
      () => ({
        topics: topics === null ? null : topics.map((name) => ({ name, topicId: undefined })),
        allowAutoTopicCreation,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      }),
      { min: 1 },
    );
    this.brokers = new Map(
      response.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }]),
    );
    this.controllerId = response.controllerId;
    this.clusterId = response.clusterId;
    return response;
  }

  /** The version to use for `apiKey` with this broker: the highest both sides speak. */
  private pickVersion(node: NodeConnection, apiKey: number, range: VersionRange = {}): number {
    const spec = API_SPECS.get(apiKey);
    if (!spec) throw new UnsupportedApiError(`unknown API key ${apiKey}`);
    const clientMin = Math.max(range.min ?? spec.minVersion, spec.minVersion);
    const clientMax = Math.min(range.max ?? spec.maxVersion, spec.maxVersion);
    const broker = node.versions.get(apiKey);
    if (!broker) {
      throw new UnsupportedApiError(
        `the broker at ${node.address} does not support ${spec.name} (API key ${apiKey}); it may be too old for this command`,
      );
    }
    const v = Math.min(clientMax, broker.max);
    if (v < Math.max(clientMin, broker.min)) {
      throw new UnsupportedApiError(
        `the broker at ${node.address} supports ${spec.name} v${broker.min}-v${broker.max}, but this client needs v${clientMin}-v${clientMax}`,
      );
    }
    return v;
  }

  /** Whether the broker behind `target` serves `apiKey` in a version this client can build. */
  async supports(target: Target, apiKey: number, range: VersionRange = {}): Promise<boolean> {
    const node = await this.node(target);
    try {
      this.pickVersion(node, apiKey, range);
      return true;
    } catch (err) {
      if (err instanceof UnsupportedApiError) return false;
      throw err;
    }
  }

  /** Sends a request built for the negotiated version; resolves with the response and that version. */
  async request<Res>(
    target: Target,
    apiKey: number,
    build: (version: number) => unknown,
    range: VersionRange = {},
  ): Promise<{ response: Res; version: number }> {
    const node = await this.node(target);
    const version = this.pickVersion(node, apiKey, range);
    try {
      const response = await node.conn.request<Res>(apiKey, version, build(version));
      return { response, version };
    } catch (err) {
      if (err instanceof ConnectionClosedError || err instanceof RequestTimeoutError) {
        this.byAddress.delete(node.address);
        throw new UnreachableError(
          `${API_SPECS.get(apiKey)!.name} request to ${node.address} failed: ${err.message}`,
        );
      }
      throw err;
    }
  }

  /** Sends a request that has no response (Produce with acks=0). */
  async send(
    target: Target,
    apiKey: number,
    build: (version: number) => unknown,
    range: VersionRange = {},
  ): Promise<number> {
    const node = await this.node(target);
    const version = this.pickVersion(node, apiKey, range);
    node.conn.send(apiKey, version, build(version));
    return version;
  }

  /** The connection to a broker (opened on first use). */
  private async node(target: Target): Promise<NodeConnection> {
    if (this.closed) throw new UnreachableError('the client is closed');
    if (target === 'any')
      return this.bootstrapNode.conn.closed ? this.node(this.anyBrokerId()) : this.bootstrapNode;
    const id = target === 'controller' ? this.controllerId : target;
    const info = this.brokers.get(id);
    if (!info) {
      if (target === 'controller') return this.node('any');
      throw new UnreachableError(`broker ${id} is not in the cluster metadata`);
    }
    const address = `${info.host}:${info.port}`;
    let pending = this.byAddress.get(address);
    if (pending) {
      const node = await pending.catch(() => null);
      if (node && !node.conn.closed) return node;
      this.byAddress.delete(address);
    }
    pending = ClusterClient.open(info, this.opts).catch((err: unknown) => {
      this.byAddress.delete(address);
      if (err instanceof UnsupportedApiError || err instanceof AuthenticationError) throw err;
      throw new UnreachableError(`cannot reach broker ${id} at ${address}: ${describe(err)}`);
    });
    this.byAddress.set(address, pending);
    return pending;
  }

  private anyBrokerId(): number {
    const first = this.brokers.keys().next();
    if (first.done) throw new UnreachableError('no broker is reachable');
    return first.value;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.byAddress.values())
      void p.then(
        (n) => n.conn.close(),
        () => undefined,
      );
    this.byAddress.clear();
  }
}
