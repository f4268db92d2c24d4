// A client connection to one Kafka broker: pipelined requests matched to responses by correlation
// id. Used by FluxMQ's own commands and tests; speaks to FluxMQ or any Kafka broker.

import { connect, type Socket } from 'node:net';
import { Reader } from '../protocol/codec/reader.js';
import { encodeRequestFrame, FrameDecoder } from '../protocol/framing.js';
import { API_SPECS, decodeResponseHeader, responseHeaderVersion } from '../protocol/messages/index.js';

export class ConnectionClosedError extends Error {
  override name = 'ConnectionClosedError';
}

export class RequestTimeoutError extends Error {
  override name = 'RequestTimeoutError';
}

interface Pending {
  apiKey: number;
  apiVersion: number;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export interface ConnectionOptions {
  clientId?: string;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  maxResponseBytes?: number;
}

export class KafkaConnection {
  private readonly pending = new Map<number, Pending>();
  private readonly decoder: FrameDecoder;
  private nextCorrelationId = 1;
  private closedError: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly opts: Required<ConnectionOptions>,
  ) {
    this.decoder = new FrameDecoder(opts.maxResponseBytes);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new ConnectionClosedError('connection closed by the broker')));
  }

  static connect(host: string, port: number, options: ConnectionOptions = {}): Promise<KafkaConnection> {
    const opts: Required<ConnectionOptions> = {
      clientId: options.clientId ?? 'fluxmq',
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      maxResponseBytes: options.maxResponseBytes ?? 1024 * 1024 * 1024,
    };
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connecting to ${host}:${port} timed out after ${opts.connectTimeoutMs} ms`));
      }, opts.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new KafkaConnection(socket, opts));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot connect to ${host}:${port}: ${err.message}`));
      });
    });
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  /** Sends a request and resolves with the decoded response body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the response type follows apiKey at run time
  request<Res = any>(apiKey: number, apiVersion: number, body: unknown): Promise<Res> {
    return this.awaitResponse<Res>(this.write(apiKey, apiVersion, body), apiKey, apiVersion);
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  send(apiKey: number, apiVersion: number, body: unknown): void {
    this.write(apiKey, apiVersion, body);
  }

  /**
   * Sends a request frame encoded ahead of time (size prefix included), patching only its
   * correlation id (bytes 8..11). The caller must not modify `frame` until the promise settles.
   */
  requestFrame<Res = unknown>(frame: Buffer, apiKey: number, apiVersion: number): Promise<Res> {
    if (this.closedError) return Promise.reject(this.closedError);
    const correlationId = this.nextCorrelationId++ & 0x7fffffff;
    frame.writeInt32BE(correlationId, 8);
    const done = this.awaitResponse<Res>(correlationId, apiKey, apiVersion);
    this.socket.write(frame);
    return done;
  }

  private awaitResponse<Res>(correlationId: number, apiKey: number, apiVersion: number): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(
          new RequestTimeoutError(
            `request (api key ${apiKey} v${apiVersion}) timed out after ${this.opts.requestTimeoutMs} ms`,
          ),
        );
      }, this.opts.requestTimeoutMs);
      this.pending.set(correlationId, {
        apiKey,
        apiVersion,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer,
      });
    });
  }

  /** Sends raw bytes as they are (tests of malformed input). */
  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }

  private write(apiKey: number, apiVersion: number, body: unknown): number {
    if (this.closedError) throw this.closedError;
    const spec = API_SPECS.get(apiKey);
    if (!spec) throw new Error(`unknown API key ${apiKey}`);
    const correlationId = this.nextCorrelationId++ & 0x7fffffff;
    const frame = encodeRequestFrame(
      { apiKey, apiVersion, correlationId, clientId: this.opts.clientId },
      (w) => spec.encodeRequest(w, body, apiVersion),
    );
    this.socket.cork();
    for (const b of frame) this.socket.write(b);
    this.socket.uncork();
    return correlationId;
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      this.socket.destroy();
      return;
    }
    for (const frame of frames) {
      const correlationId = frame.readInt32BE(0);
      const p = this.pending.get(correlationId);
      if (!p) continue; // timed out earlier
      this.pending.delete(correlationId);
      clearTimeout(p.timer);
      try {
        const reader = new Reader(frame);
        decodeResponseHeader(reader, responseHeaderVersion(p.apiKey, p.apiVersion));
        p.resolve(API_SPECS.get(p.apiKey)!.decodeResponse(reader, p.apiVersion));
      } catch (err) {
        p.reject(err as Error);
      }
    }
  }

  private fail(err: Error): void {
    if (!this.closedError) this.closedError = err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }
}
