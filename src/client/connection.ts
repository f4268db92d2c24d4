// A client connection to one Kafka broker: pipelined requests matched to responses by correlation
// id. Used by FluxMQ's own commands and tests; speaks to FluxMQ or any Kafka broker. Optionally over
// TLS (node:tls) and with a SASL login (PLAIN, SCRAM-SHA-256/512) right after connecting.

import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ScramClient, type ScramMechanism } from '../security/scram.js';
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

export type ClientSaslMechanism = 'PLAIN' | ScramMechanism;

/** TLS and SASL settings of a client (PEM contents, not file names). */
export interface ClientSecurity {
  tls?: {
    /** Trusted CA certificates; the system CAs when absent. */
    ca?: string | Buffer;
    /** Client certificate and key for mutual TLS. */
    cert?: string | Buffer;
    key?: string | Buffer;
    rejectUnauthorized?: boolean;
  };
  sasl?: { mechanism: ClientSaslMechanism; username: string; password: string };
}

/** The broker refused the SASL login (or the TLS handshake failed). */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

export interface ConnectionOptions {
  clientId?: string;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  maxResponseBytes?: number;
  security?: ClientSecurity;
}

const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;

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

  static async connect(
    host: string,
    port: number,
    options: ConnectionOptions = {},
  ): Promise<KafkaConnection> {
    const opts: Required<ConnectionOptions> = {
      clientId: options.clientId ?? 'fluxmq',
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      maxResponseBytes: options.maxResponseBytes ?? 1024 * 1024 * 1024,
      security: options.security ?? {},
    };
    const tls = opts.security.tls;
    const conn = await new Promise<KafkaConnection>((resolve, reject) => {
      const socket: Socket = tls
        ? tlsConnect({
            host,
            port,
            ca: tls.ca,
            cert: tls.cert,
            key: tls.key,
            rejectUnauthorized: tls.rejectUnauthorized ?? true,
            ...(isIP(host) ? {} : { servername: host }),
          })
        : connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connecting to ${host}:${port} timed out after ${opts.connectTimeoutMs} ms`));
      }, opts.connectTimeoutMs);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        socket.removeAllListeners('error');
        resolve(new KafkaConnection(socket, opts));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        const what = tls ? 'cannot connect over TLS to' : 'cannot connect to';
        reject(new Error(`${what} ${host}:${port}: ${err.message}`));
      });
    });
    if (opts.security.sasl) {
      try {
        await conn.authenticate(opts.security.sasl);
      } catch (err) {
        conn.close();
        throw err;
      }
    }
    return conn;
  }

  /** SaslHandshake v1 then SaslAuthenticate v1 (one round for PLAIN, two for SCRAM). */
  private async authenticate(sasl: NonNullable<ClientSecurity['sasl']>): Promise<void> {
    const mechanism = sasl.mechanism.toUpperCase() as ClientSaslMechanism;
    type Handshake = { errorCode: number; mechanisms: string[] };
    type Auth = { errorCode: number; errorMessage: string | null; authBytes: Buffer };
    const hs = await this.request<Handshake>(SASL_HANDSHAKE, 1, { mechanism });
    if (hs.errorCode !== 0) {
      throw new AuthenticationError(
        `the broker does not accept SASL mechanism ${mechanism} (it accepts: ${hs.mechanisms.join(', ') || 'none'})`,
      );
    }
    const step = async (token: Buffer): Promise<Buffer> => {
      let res: Auth;
      try {
        res = await this.request<Auth>(SASL_AUTHENTICATE, 1, { authBytes: token });
      } catch (err) {
        if (err instanceof ConnectionClosedError)
          throw new AuthenticationError(`SASL authentication as '${sasl.username}' failed: ${err.message}`);
        throw err;
      }
      if (res.errorCode !== 0) {
        throw new AuthenticationError(
          `SASL authentication as '${sasl.username}' failed: ${res.errorMessage || `error code ${res.errorCode}`}`,
        );
      }
      return res.authBytes;
    };
    if (mechanism === 'PLAIN') {
      await step(Buffer.from(`\u0000${sasl.username}\u0000${sasl.password}`, 'utf8'));
      return;
    }
    if (mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512') {
      throw new AuthenticationError(`unsupported SASL mechanism '${sasl.mechanism}'`);
    }
    const scram = new ScramClient(mechanism, sasl.username, sasl.password);
    const serverFirst = await step(scram.first());
    const serverFinal = await step(scram.final(serverFirst));
    scram.verify(serverFinal);
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
