// Small HTTP helpers for tests of the management listener.
import { createServer } from 'node:net';

/** Ports below Linux's ephemeral range (32768 and up), split between the test workers. */
const PORT_BASE = 20_000;
const PORT_SLICE = 3_000;
const PORT_SLICES = 4;
/** Ports this process has handed out: two picks made before either is bound never coincide. */
const handedOut = new Set<number>();

/** This test worker's slice of ports: [base, base + size). */
export function portSlice(): { base: number; size: number } {
  const pool = Math.max(1, Number(process.env.VITEST_POOL_ID ?? 1) || 1);
  return { base: PORT_BASE + ((pool - 1) % PORT_SLICES) * PORT_SLICE, size: PORT_SLICE };
}

/**
 * A port that was free a moment ago. Chosen below Linux's ephemeral range: the kernel hands ports
 * from that range to outgoing connections and to listen(0), so a port from it can be taken by
 * someone else between this check and the test's own bind (a broker restarted on its old port, say).
 * Each vitest worker picks from its own slice of the range (VITEST_POOL_ID), and a process never
 * hands out a port twice, so a cluster's brokers and another test file's running at the same time
 * never pick the same port before binding it.
 */
export async function freePort(): Promise<number> {
  const { base } = portSlice();
  if (handedOut.size > PORT_SLICE / 2) handedOut.clear();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = base + Math.floor(Math.random() * PORT_SLICE);
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found between ${base} and ${base + PORT_SLICE}`);
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
