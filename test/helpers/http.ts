// Small HTTP helpers for tests of the management listener.
import { createServer } from 'node:net';

/** A port that was free a moment ago (bind to 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => resolve(port));
    });
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
