// One client connection: frames in, handlers run, responses out in request order. Requests are
// pipelined (a slow Fetch in purgatory does not stop later requests from being handled), but
// responses leave strictly in the order the requests came, as Kafka clients require. Responses that
// complete together are written under one cork so the socket sees one write.

import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../observability/logger.js';
import type { RejectReason, RequestStats } from '../observability/metrics.js';
import { ProtocolDecodeError, Reader } from '../protocol/codec/reader.js';
import { ErrorCode } from '../protocol/errors.js';
import {
  encodeResponseFrame,
  FrameDecoder,
  FrameTooLargeError,
  readRequestHeader,
  type RequestHeader,
} from '../protocol/framing.js';
import { API_SPECS, ApiKey } from '../protocol/messages/index.js';
import type { BrokerState } from './broker-state.js';
import type { ConnectionInfo, RequestContext } from './handler.js';
import { apiVersionsFallbackResponse } from './handlers/api-versions.js';
import { AuthenticationError, type SecuritySession } from '../security/sasl.js';
import { authorizeRequest } from '../security/request-authorization.js';

/** What a SASL listener answers before the client has authenticated. */
const PRE_AUTHENTICATION_APIS: ReadonlySet<number> = new Set([
  ApiKey.ApiVersions,
  ApiKey.SaslHandshake,
  ApiKey.SaslAuthenticate,
]);

/** Stop reading from a client that has this many requests waiting for their responses. */
const MAX_QUEUED_REQUESTS = 500;
/** Stop reading while this much response data waits in the socket's buffer. */
const MAX_BUFFERED_RESPONSE_BYTES = 16 * 1024 * 1024;

interface Slot {
  buffers: Buffer[] | null;
  done: boolean;
  /** Metrics of this request's API and version (null without metrics), and when it was read. */
  stats: RequestStats | null;
  start: number;
}

export class Connection {
  private readonly decoder: FrameDecoder;
  private readonly queue: Slot[] = [];
  private closed = false;
  private closeAfterFlush = false;
  private paused = false;
  private flushScheduled = false;

  constructor(
    readonly socket: Socket,
    readonly info: ConnectionInfo,
    private readonly broker: BrokerState,
    private readonly logger: Logger,
    private readonly onClose: (c: Connection) => void,
    /** Principal and SASL state; absent when the broker runs without its security layer. */
    private readonly session?: SecuritySession,
  ) {
    this.decoder = new FrameDecoder(broker.settings.socketRequestMaxBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (err) => this.logger.debug({ err, conn: this.info }, 'connection error'));
    socket.on('close', () => {
      this.closed = true;
      this.onClose(this);
    });
  }

  /** Requests received whose responses have not been written yet. */
  get pendingRequests(): number {
    return this.queue.length;
  }

  /** Closes the connection at once (shutdown or a protocol violation). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
  }

  /** Ends the connection once the queued responses are written. */
  endGracefully(): void {
    this.closeAfterFlush = true;
    this.flush();
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.broker.metrics?.rejected(err instanceof FrameTooLargeError ? 'frame_too_large' : 'bad_frame');
      if (err instanceof FrameTooLargeError) {
        this.logger.warn(
          { conn: this.info, size: err.size, max: err.max },
          'closing connection: request frame too large',
        );
      } else {
        this.logger.warn({ conn: this.info, err }, 'closing connection: bad frame');
      }
      this.close();
      return;
    }
    // Frames that arrived together share one clock read (request latency starts here).
    const arrived = frames.length > 0 && this.broker.metrics ? performance.now() : 0;
    for (const frame of frames) {
      // After a request asked to close the connection, later requests are not served.
      if (this.closed || this.closeAfterFlush) return;
      this.handleFrame(frame, arrived);
    }
    this.maybePause();
  }

  private handleFrame(frame: Buffer, arrived: number): void {
    if (this.session?.rawTokens) {
      this.handleRawSaslToken(frame);
      return;
    }
    let header: RequestHeader;
    let body: Reader;
    try {
      ({ header, body } = readRequestHeader(frame));
    } catch (err) {
      this.protocolViolation('unreadable request header', 'bad_header', err);
      return;
    }
    const { apiKey, apiVersion } = header;
    const handler = this.broker.dispatcher.get(apiKey);
    const spec = API_SPECS.get(apiKey);
    if (!handler || !spec) {
      this.protocolViolation(`unknown API key ${apiKey}`, 'unknown_api', undefined, header);
      return;
    }

    const session = this.session;
    if (session && !PRE_AUTHENTICATION_APIS.has(apiKey) && (!session.authenticated || session.expired())) {
      const what = session.authenticated ? 'SASL session expired' : `${spec.name} before authentication`;
      this.protocolViolation(what, 'unauthenticated', undefined, header);
      return;
    }

    const stats = this.broker.metrics?.request(apiKey, apiVersion) ?? null;
    stats?.received(frame.length + 4);
    const slot: Slot = { buffers: null, done: false, stats, start: arrived };
    this.queue.push(slot);
    const ctx = this.requestContext(header);

    // KIP-511: an ApiVersions request newer than we know is answered in v0 with UNSUPPORTED_VERSION
    // and our version ranges, so the client can retry with a version we speak.
    if (apiKey === ApiKey.ApiVersions && apiVersion > handler.maxVersion) {
      this.complete(slot, header, 0, apiVersionsFallbackResponse(this.broker));
      return;
    }
    if (apiVersion < spec.minVersion || apiVersion > spec.maxVersion) {
      this.queue.pop();
      this.protocolViolation(
        `unsupported version ${apiVersion} of API key ${apiKey}`,
        'unsupported_version',
        undefined,
        header,
      );
      return;
    }

    let request: unknown;
    try {
      request = spec.decodeRequest(body, apiVersion);
    } catch (err) {
      this.queue.pop();
      this.protocolViolation(
        `malformed ${spec.name} v${apiVersion} request`,
        'malformed_request',
        err,
        header,
      );
      return;
    }

    const servedMin = handler.minVersion;
    if (apiVersion < servedMin || apiVersion > handler.maxVersion) {
      const res = handler.errorResponse?.(request, ErrorCode.UNSUPPORTED_VERSION, ctx);
      if (!res) {
        this.queue.pop();
        this.protocolViolation(
          `unsupported version ${apiVersion} of ${spec.name}`,
          'unsupported_version',
          undefined,
          header,
        );
        return;
      }
      this.complete(slot, header, apiVersion, res);
      return;
    }

    // The authorization step: a whole request refused, or its unauthorized resources taken out
    // before the handler runs and answered with their error codes afterwards.
    let merge: ((res: unknown) => unknown) | undefined;
    const authorizer = this.broker.security?.authorizer;
    // brokers of the cluster (authenticated on the inter-broker listener) act as the cluster itself
    if (authorizer && session && !(session.interBroker && session.authenticated)) {
      const step = authorizeRequest(apiKey, request, { authorizer, session, broker: this.broker, header });
      if (step.errorCode !== undefined) {
        const res = handler.errorResponse?.(request, step.errorCode, ctx) ?? null;
        if (res === null) {
          this.queue.pop();
          this.protocolViolation(`${spec.name} not authorized`, 'unauthenticated', undefined, header);
          return;
        }
        this.complete(slot, header, apiVersion, res);
        return;
      }
      if (step.request !== undefined) request = step.request;
      merge = step.merge;
    }
    const done = (res: unknown): void =>
      this.complete(slot, header, apiVersion, merge && res !== null ? merge(res) : res);

    let result: unknown;
    try {
      result = handler.handle(request, ctx);
    } catch (err) {
      this.handlerFailed(slot, header, request, err);
      return;
    }
    if (result instanceof Promise) {
      result.then(done, (err) => this.handlerFailed(slot, header, request, err));
    } else {
      done(result);
    }
  }

  /** A SASL token after a v0 SaslHandshake: raw bytes in a size-prefixed frame, answered the same way. */
  private handleRawSaslToken(frame: Buffer): void {
    const session = this.session!;
    const security = this.broker.security!;
    const slot: Slot = { buffers: null, done: false, stats: null, start: 0 };
    this.queue.push(slot);
    try {
      if (security.blocked(session.clientHost)) throw new AuthenticationError('too many failed attempts');
      const out = session.step(frame, security.settings.reauthMs);
      if (out.done) session.rawTokens = false;
      const size = Buffer.alloc(4);
      size.writeInt32BE(out.token.length);
      slot.buffers = [size, out.token];
      slot.done = true;
      this.scheduleFlush();
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      session.fail();
      security.recordFailure(session.clientHost, {
        conn: this.info,
        mechanism: session.mechanism,
        reason: err.message,
      });
      this.closeAfterFlush = true;
      setTimeout(() => {
        slot.done = true;
        this.flush();
      }, security.settings.failedAuthDelayMs).unref();
    }
  }

  private requestContext(header: RequestHeader): RequestContext {
    return {
      header,
      connection: this.info,
      broker: this.broker,
      logger: this.logger,
      session: this.session,
      closeConnection: () => {
        this.closeAfterFlush = true;
      },
    };
  }

  private handlerFailed(slot: Slot, header: RequestHeader, request: unknown, err: unknown): void {
    this.logger.error(
      {
        err,
        conn: this.info,
        clientId: header.clientId,
        apiKey: header.apiKey,
        apiVersion: header.apiVersion,
      },
      'request handler failed',
    );
    const handler = this.broker.dispatcher.get(header.apiKey)!;
    let res: unknown = null;
    try {
      res =
        handler.errorResponse?.(request, ErrorCode.UNKNOWN_SERVER_ERROR, this.requestContext(header)) ?? null;
    } catch {
      res = null;
    }
    if (res === null) {
      this.close();
      return;
    }
    this.complete(slot, header, header.apiVersion, res);
  }

  private complete(slot: Slot, header: RequestHeader, version: number, response: unknown): void {
    const stats = slot.stats;
    if (stats) stats.completed((performance.now() - slot.start) / 1000, response);
    if (this.closed) return;
    if (response !== null) {
      const spec = API_SPECS.get(header.apiKey)!;
      try {
        slot.buffers = encodeResponseFrame(header.apiKey, version, header.correlationId, (w) =>
          spec.encodeResponse(w, response, version),
        );
      } catch (err) {
        this.logger.error(
          { err, conn: this.info, apiKey: header.apiKey, apiVersion: version },
          'cannot encode response',
        );
        this.close();
        return;
      }
      if (stats) for (const b of slot.buffers) stats.sent(b.length);
    }
    slot.done = true;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed) return;
    let wrote = false;
    while (this.queue.length > 0 && this.queue[0]!.done) {
      const slot = this.queue.shift()!;
      if (!slot.buffers) continue;
      if (!wrote) {
        this.socket.cork();
        wrote = true;
      }
      for (const b of slot.buffers) this.socket.write(b);
    }
    if (wrote) this.socket.uncork();
    if (this.closeAfterFlush && this.queue.length === 0) {
      this.closed = true;
      this.socket.end();
      return;
    }
    this.maybeResume();
  }

  private maybePause(): void {
    if (
      !this.paused &&
      (this.queue.length >= MAX_QUEUED_REQUESTS || this.socket.writableLength > MAX_BUFFERED_RESPONSE_BYTES)
    ) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private maybeResume(): void {
    if (
      this.paused &&
      this.queue.length < MAX_QUEUED_REQUESTS / 2 &&
      this.socket.writableLength <= MAX_BUFFERED_RESPONSE_BYTES
    ) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private protocolViolation(what: string, reason: RejectReason, err?: unknown, header?: RequestHeader): void {
    this.broker.metrics?.rejected(reason);
    this.logger.warn(
      {
        conn: this.info,
        clientId: header?.clientId,
        apiKey: header?.apiKey,
        apiVersion: header?.apiVersion,
        err: err instanceof ProtocolDecodeError ? err.message : err,
      },
      `closing connection: ${what}`,
    );
    this.close();
  }
}
