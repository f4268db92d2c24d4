// The management HTTP listener (Redpanda's admin port, Kafka's JMX exporter): Prometheus metrics,
// liveness, readiness and a JSON status. It starts before the broker loads its logs, so an
// orchestrator sees the process alive (/health 200) but not ready (/ready 503) while a large data
// directory is recovered.
//
//   GET /metrics    Prometheus text exposition (prom-client registry)
//   GET /health     200 while the process runs
//   GET /ready      200 when the broker serves clients, 503 with the failing checks otherwise
//   GET /v1/status  broker id, version, uptime, listeners, topic and partition counts

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.js';
import type { Readiness } from '../observability/sources.js';

/** What the endpoints read from the broker (the Broker implements it). */
export interface HttpStatusSource {
  readiness(): Readiness;
  status(): object;
}

export interface MetricsExposer {
  readonly contentType: string;
  expose(): Promise<string>;
}

export interface ManagementHttpOptions {
  host: string;
  port: number;
  logger: Logger;
  broker: HttpStatusSource;
  metrics?: MetricsExposer;
}

export class ManagementHttpServer {
  private readonly server: Server;
  private address: { host: string; port: number } | null = null;

  constructor(private readonly opts: ManagementHttpOptions) {
    this.server = createServer((req, res) => this.handle(req, res));
    // A scraper keeps its connection; an idle one is closed after this.
    this.server.keepAliveTimeout = 65_000;
  }

  /** The bound address (port 0 resolved), once listening. */
  get bound(): { host: string; port: number } | null {
    return this.address;
  }

  async listen(): Promise<{ host: string; port: number }> {
    const { host, port, logger } = this.opts;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        resolve();
      });
    }).catch((err: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      throw new Error(
        err.code === 'EADDRINUSE'
          ? `cannot listen for HTTP on ${where}: the port is already in use (choose another with --http-port, or 0 to turn HTTP off)`
          : `cannot listen for HTTP on ${where}: ${err.message}`,
      );
    });
    this.server.on('error', (err) => logger.error({ err, listener: 'http' }, 'http listener error'));
    const addr = this.server.address();
    this.address = { host, port: typeof addr === 'object' && addr ? addr.port : port };
    logger.info({ listener: 'http', ...this.address }, 'http listener bound');
    return this.address;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      this.json(res, 405, { error: `method ${req.method} not allowed` });
      return;
    }
    switch (path) {
      case '/metrics':
        this.metrics(res);
        return;
      case '/health':
        this.json(res, 200, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
        return;
      case '/ready': {
        const r = this.safe(() => this.opts.broker.readiness(), {
          ready: false,
          checks: { broker: { ok: false, detail: 'readiness check failed' } },
        });
        this.json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', checks: r.checks });
        return;
      }
      case '/v1/status':
        this.json(res, 200, {
          ...this.safe(() => this.opts.broker.status(), { error: 'status unavailable' }),
          http: this.address,
        });
        return;
      default:
        this.json(res, 404, {
          error: `no such endpoint: ${path}`,
          endpoints: ['/metrics', '/health', '/ready', '/v1/status'],
        });
    }
  }

  private metrics(res: ServerResponse): void {
    const metrics = this.opts.metrics;
    if (!metrics) {
      this.json(res, 404, { error: 'metrics are off' });
      return;
    }
    metrics.expose().then(
      (text) => {
        res.writeHead(200, {
          'Content-Type': metrics.contentType,
          'Content-Length': Buffer.byteLength(text),
        });
        res.end(text);
      },
      (err: unknown) => {
        this.opts.logger.error({ err }, 'cannot collect metrics');
        this.json(res, 500, { error: 'cannot collect metrics' });
      },
    );
  }

  private safe<T>(read: () => T, fallback: T): T {
    try {
      return read();
    } catch (err) {
      this.opts.logger.error({ err }, 'http endpoint failed');
      return fallback;
    }
  }

  private json(res: ServerResponse, status: number, body: object): void {
    const text = JSON.stringify(body) + '\n';
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
    });
    res.end(text);
  }
}

/**
 * Starts the HTTP listener unless the port is 0. When it cannot bind, a port the operator chose is
 * fatal (the error is thrown), while the default port only logs a warning and the broker runs
 * without HTTP: a second local broker should not fail because the first one holds 9644.
 */
export async function startManagementHttp(
  opts: ManagementHttpOptions & { required: boolean },
): Promise<ManagementHttpServer | null> {
  if (opts.port === 0) {
    opts.logger.info('http listener off (http.port=0)');
    return null;
  }
  const server = new ManagementHttpServer(opts);
  try {
    await server.listen();
    return server;
  } catch (err) {
    if (opts.required) throw err;
    opts.logger.warn(
      { err: (err as Error).message },
      'http listener not started: /metrics, /health and /ready are unavailable',
    );
    return null;
  }
}
