import { createServer, type Server } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ManagementHttpServer, startManagementHttp } from '../../../src/http/server.js';
import { createLogger, type Logger } from '../../../src/observability/logger.js';
import { BrokerMetrics } from '../../../src/observability/metrics.js';
import type { Readiness } from '../../../src/observability/sources.js';
import { httpGet, httpJson } from '../../helpers/http.js';
import { parseExposition } from '../../helpers/prometheus.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

class FakeBroker {
  readiness: Readiness = { ready: false, checks: { logs: { ok: false, detail: 'loading: 3 of 10' } } };
  status(): object {
    return { brokerId: 1, topics: 2 };
  }
}

/** A JSON logger that keeps its lines. */
function logger(): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return Object.assign(createLogger({ format: 'json', destination }), { lines });
}

async function start(broker: FakeBroker, withMetrics = true) {
  const metrics = withMetrics ? new BrokerMetrics({ processMetrics: false }) : undefined;
  const server = new ManagementHttpServer({
    host: '127.0.0.1',
    port: 0,
    logger: logger(),
    broker: { readiness: () => broker.readiness, status: () => broker.status() },
    metrics,
  });
  const { port } = await server.listen();
  cleanups.push(
    () => server.close(),
    () => metrics?.close(),
  );
  return `http://127.0.0.1:${port}`;
}

describe('management HTTP server', () => {
  it('answers /health, /ready (503 then 200), /v1/status and /metrics', async () => {
    const broker = new FakeBroker();
    const base = await start(broker);

    const health = await httpJson(`${base}/health`);
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');

    let ready = await httpJson(`${base}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'not ready',
      checks: { logs: { ok: false, detail: 'loading: 3 of 10' } },
    });
    broker.readiness = { ready: true, checks: { logs: { ok: true, detail: '10 partition logs loaded' } } };
    ready = await httpJson(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');

    expect(await httpJson(`${base}/v1/status`)).toEqual({
      status: 200,
      body: { brokerId: 1, topics: 2, http: { host: '127.0.0.1', port: Number(new URL(base).port) } },
    });

    const metrics = await httpGet(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(parseExposition(metrics.text).has('fluxmq_requests_total')).toBe(true);
  });

  it('answers 404 for unknown paths, 405 for other methods, and 503 when readiness throws', async () => {
    const broker = new FakeBroker();
    const base = await start(broker, false);
    expect((await httpGet(`${base}/nope`)).status).toBe(404);
    expect((await httpGet(`${base}/metrics`)).status).toBe(404);
    const post = await fetch(`${base}/ready`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    Object.defineProperty(broker, 'readiness', {
      get() {
        throw new Error('boom');
      },
    });
    expect((await httpJson(`${base}/ready`)).status).toBe(503);
  });

  it('fails on a taken port only when the port was chosen, and is off at port 0', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen({ host: '127.0.0.1', port: 0 }, r));
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const port = (blocker.address() as { port: number }).port;
    const broker = { readiness: () => ({ ready: true, checks: {} }), status: () => ({}) };

    await expect(
      startManagementHttp({ host: '127.0.0.1', port, logger: logger(), broker, required: true }),
    ).rejects.toThrow(/already in use/);

    const log = logger();
    expect(
      await startManagementHttp({ host: '127.0.0.1', port, logger: log, broker, required: false }),
    ).toBeNull();
    expect(log.lines.some((l) => l.level === 40 && /http listener not started/.test(String(l.msg)))).toBe(
      true,
    );

    expect(
      await startManagementHttp({ host: '127.0.0.1', port: 0, logger: log, broker, required: true }),
    ).toBeNull();
  });
});
