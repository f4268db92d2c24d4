// Small HTTP helpers for tests of the management listener.
import { createServer } from 'node:net';

/**
 * A port that was free a moment ago, chosen at random below Linux's ephemeral range (32768 and up):
 * the kernel hands ports from that range to outgoing connections and to listen(0), so a port from
 * it can be taken by someone else between this check and the test's own bind (a broker restarted
 * on its old port, say).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canBind(port)) return port;
  }
  throw new Error('no free port found between 20000 and 32000');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(true)));
  });
}

export interface HttpResult {
  status: number;
  contentType: string;
  text: string;
}

export async function httpGet(url: string, timeoutMs = 5000): Promise<HttpResult> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

export async function httpJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await httpGet(url);
  return { status: r.status, body: JSON.parse(r.text) as Record<string, unknown> };
}
