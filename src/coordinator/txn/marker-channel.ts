// The transaction coordinator's way to other brokers (Kafka's TransactionMarkerChannelManager): one
// connection per destination broker, to its inter-broker listener with SASL PLAIN as
// `broker-<this id>` and the cluster's inter-broker secret (as the replica fetchers connect), over
// which WriteTxnMarkers requests go. A failed connection is dropped and the next send reconnects;
// retrying is the caller's (the coordinator resends what is not written yet).

import { KafkaConnection, type ClientSecurity, type ConnectionOptions } from '../../client/connection.js';
import type { ClusterMetadataClient } from '../../cluster/types.js';
import {
  ApiKey,
  type WriteTxnMarkersRequestWritableTxnMarkerInput,
  type WriteTxnMarkersResponse,
} from '../../protocol/messages/index.js';

const WRITE_TXN_MARKERS_VERSION = 1;
/** The destination waits for its markers to replicate before answering (Kafka's request.timeout.ms). */
const REQUEST_TIMEOUT_MS = 30_000;

export interface MarkerChannelOptions {
  nodeId: number;
  cluster: ClusterMetadataClient;
  tls?: ClientSecurity['tls'];
  /** Opens a connection (tests may wrap it). */
  connect?: (host: string, port: number, options: ConnectionOptions) => Promise<KafkaConnection>;
}

export class TxnMarkerChannel {
  private readonly connections = new Map<number, Promise<KafkaConnection>>();
  private closed = false;

  constructor(private readonly opts: MarkerChannelOptions) {}

  async send(
    brokerId: number,
    markers: WriteTxnMarkersRequestWritableTxnMarkerInput[],
  ): Promise<WriteTxnMarkersResponse> {
    const conn = await this.connection(brokerId);
    try {
      return await conn.request<WriteTxnMarkersResponse>(ApiKey.WriteTxnMarkers, WRITE_TXN_MARKERS_VERSION, {
        markers,
      });
    } catch (err) {
      this.drop(brokerId, conn);
      throw err;
    }
  }

  close(): void {
    this.closed = true;
    for (const c of this.connections.values())
      void c.then(
        (conn) => conn.close(),
        () => {},
      );
    this.connections.clear();
  }

  private connection(brokerId: number): Promise<KafkaConnection> {
    if (this.closed) return Promise.reject(new Error('the marker channel is closed'));
    const existing = this.connections.get(brokerId);
    if (existing) {
      return existing.then((c) => {
        if (!c.closed) return c;
        this.drop(brokerId, c);
        return this.connection(brokerId);
      });
    }
    const reg = this.opts.cluster.image().brokers.get(brokerId);
    if (!reg) return Promise.reject(new Error(`broker ${brokerId} is not registered`));
    const { host, port } = reg.replicationEndpoint;
    const { nodeId, cluster } = this.opts;
    const connect = this.opts.connect ?? ((h, p, o) => KafkaConnection.connect(h, p, o));
    const opening = connect(host, port, {
      clientId: `broker-${nodeId}-txn-markers-${brokerId}`,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      security: {
        tls: this.opts.tls,
        sasl: { mechanism: 'PLAIN', username: `broker-${nodeId}`, password: cluster.interBrokerSecret() },
      },
    });
    this.connections.set(brokerId, opening);
    opening.catch(() => {
      if (this.connections.get(brokerId) === opening) this.connections.delete(brokerId);
    });
    return opening;
  }

  private drop(brokerId: number, conn: KafkaConnection): void {
    conn.close();
    const current = this.connections.get(brokerId);
    if (current) {
      void current.then(
        (c) => {
          if (c === conn && this.connections.get(brokerId) === current) this.connections.delete(brokerId);
        },
        () => {},
      );
    }
  }
}
