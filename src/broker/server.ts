// TCP and TLS listeners and the set of open connections. Shutdown stops accepting, lets in-flight requests
// finish (bounded by a grace period), then closes what is left.

import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket, type Server as TlsServer } from 'node:tls';
import { certificatePrincipal, tlsContextOptions } from '../security/tls.js';
import type { ListenerSpec } from '../config/listeners.js';
import type { Logger } from '../observability/logger.js';
import type { BrokerEndpoint, BrokerState } from './broker-state.js';
import { Connection } from './connection.js';

export class BrokerServer {
  private readonly servers: { spec: ListenerSpec; server: Server }[] = [];
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 1;

  constructor(
    private readonly broker: BrokerState,
    private readonly logger: Logger,
  ) {}

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Binds every listener; returns the bound endpoints (port 0 resolved). */
  async listen(specs: ListenerSpec[]): Promise<BrokerEndpoint[]> {
    const bound: BrokerEndpoint[] = [];
    for (const spec of specs) {
      const tls = spec.securityProtocol === 'SSL' || spec.securityProtocol === 'SASL_SSL';
      const server = tls
        ? this.tlsServer(spec)
        : createServer({ noDelay: true }, (s) => this.accept(spec, s));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: spec.host || undefined, port: spec.port, backlog: 1024 }, () => {
          server.off('error', reject);
          resolve();
        });
      }).catch((err: NodeJS.ErrnoException) => {
        const where = `${spec.host || '*'}:${spec.port}`;
        throw new Error(
          err.code === 'EADDRINUSE'
            ? `cannot listen on ${where}: the port is already in use (is another broker running? choose another with --port)`
            : `cannot listen on ${where}: ${err.message}`,
        );
      });
      server.on('error', (err) => this.logger.error({ err, listener: spec.name }, 'listener error'));
      this.servers.push({ spec, server });
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : spec.port;
      bound.push({ listener: spec.name, host: spec.host, port });
      this.logger.info({ listener: spec.name, host: spec.host || '0.0.0.0', port }, 'listener bound');
    }
    return bound;
  }

  private tlsServer(spec: ListenerSpec): TlsServer {
    const s = this.broker.settings.security.tls;
    const server = createTlsServer(
      {
        ...tlsContextOptions(s),
        requestCert: s.clientAuth !== 'none',
        rejectUnauthorized: s.clientAuth === 'required',
        noDelay: true,
      },
      (socket) => this.accept(spec, socket),
    );
    server.on('tlsClientError', (err, socket) =>
      this.logger.info(
        { listener: spec.name, remoteAddress: socket.remoteAddress, err: err.message },
        'TLS handshake failed',
      ),
    );
    return server;
  }

  /** Re-reads key, certificates and CAs for every TLS listener (new connections use them). */
  reloadTls(): void {
    for (const { spec, server } of this.servers) {
      if (!('setSecureContext' in server)) continue;
      try {
        (server as TlsServer).setSecureContext(tlsContextOptions(this.broker.settings.security.tls));
        this.logger.info({ listener: spec.name }, 'TLS certificates reloaded');
      } catch (err) {
        this.logger.error(
          { listener: spec.name, err: (err as Error).message },
          'TLS reload failed; keeping the old certificates',
        );
      }
    }
  }

  private accept(spec: ListenerSpec, socket: Socket): void {
    const info = {
      id: this.nextConnectionId++,
      remoteAddress: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
      listener: spec.name,
    };
    const stats = this.broker.metrics?.listener(spec.name);
    if (stats) stats.opened++;
    const certPrincipal = socket instanceof TLSSocket ? certificatePrincipal(socket) : null;
    const interBrokerListener = spec.name === this.broker.settings.cluster?.interBrokerListener;
    const session = this.broker.security?.newSession(
      spec.securityProtocol,
      socket.remoteAddress?.replace(/^::ffff:/, '') ?? '',
      certPrincipal,
      interBrokerListener,
    );
    if (interBrokerListener && session) {
      // a broker once authenticated: only brokers' credentials are accepted on this listener
      Object.defineProperty(info, 'interBroker', { get: () => session.authenticated, enumerable: true });
    }
    const conn = new Connection(
      socket,
      info,
      this.broker,
      this.logger,
      (c) => {
        if (stats) stats.closed++;
        this.connections.delete(c);
      },
      session,
    );
    this.connections.add(conn);
  }

  async close(graceMs = 5000): Promise<void> {
    // server.close() completes only once every connection is gone, so end those first.
    const closed = Promise.all(
      this.servers.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
    for (const c of this.connections) c.endGracefully();
    const deadline = Date.now() + graceMs;
    while (this.connections.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const c of this.connections) c.close();
    await closed;
  }
}
