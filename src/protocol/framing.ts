// Length-prefixed frames (int32 size, then the message) and the request/response headers around a
// message body. Sans-IO: the broker feeds socket chunks in and gets whole frames out.

import { Reader, ProtocolDecodeError } from './codec/reader.js';
import { Writer } from './codec/writer.js';
import {
  decodeRequestHeader,
  encodeRequestHeader,
  encodeResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
} from './messages/index.js';

export class FrameTooLargeError extends Error {
  override name = 'FrameTooLargeError';
  constructor(
    readonly size: number,
    readonly max: number,
  ) {
    super(size < 0 ? `negative frame size ${size}` : `frame of ${size} bytes exceeds the maximum of ${max}`);
  }
}

/** Splits a byte stream into frames. Whole frames inside one chunk are returned without copying. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = -1;

  constructor(private readonly maxFrameSize: number) {}

  /** Bytes received but not yet part of a returned frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Feeds a chunk; returns the frames it completes. Throws FrameTooLargeError on a bad size. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) break;
        const size = this.peekInt32();
        if (size < 0 || size > this.maxFrameSize) throw new FrameTooLargeError(size, this.maxFrameSize);
        this.need = size;
      }
      if (this.buffered < 4 + this.need) break;
      frames.push(this.take(4 + this.need).subarray(4));
      this.need = -1;
    }
    return frames;
  }

  private peekInt32(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return this.collect(4).readInt32BE(0);
  }

  /** Joins the first n buffered bytes into one chunk at the head (copying only if they span chunks). */
  private collect(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first;
    const all = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [all];
    return all;
  }

  private take(n: number): Buffer {
    const head = this.collect(n);
    const out = head.subarray(0, n);
    if (head.length === n) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.buffered -= n;
    return out;
  }
}

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** Reads the header of a request frame; the returned reader is positioned at the body. */
export function readRequestHeader(frame: Buffer): { header: RequestHeader; body: Reader } {
  if (frame.length < 8)
    throw new ProtocolDecodeError(`request frame of ${frame.length} bytes is shorter than a header`);
  const apiKey = frame.readInt16BE(0);
  const apiVersion = frame.readInt16BE(2);
  const reader = new Reader(frame);
  let headerVersion: number;
  try {
    headerVersion = requestHeaderVersion(apiKey, apiVersion);
  } catch {
    headerVersion = 1; // unknown API key or version: still read the correlation id and client id to answer or log
  }
  const h = decodeRequestHeader(reader, headerVersion);
  return {
    header: { apiKey, apiVersion, correlationId: h.correlationId, clientId: h.clientId },
    body: reader,
  };
}

/** Encodes a whole response frame (size, header, body) as a list of buffers for the socket. */
export function encodeResponseFrame(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  writeBody: (w: Writer) => void,
): Buffer[] {
  const w = new Writer(512);
  w.writeInt32(0);
  encodeResponseHeader(w, { correlationId }, responseHeaderVersion(apiKey, apiVersion));
  writeBody(w);
  w.patchInt32(0, w.length - 4);
  return w.toBuffers();
}

/** Encodes a whole request frame (size, header, body), for clients. */
export function encodeRequestFrame(header: RequestHeader, writeBody: (w: Writer) => void): Buffer[] {
  const w = new Writer(512);
  w.writeInt32(0);
  encodeRequestHeader(
    w,
    {
      requestApiKey: header.apiKey,
      requestApiVersion: header.apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
    },
    requestHeaderVersion(header.apiKey, header.apiVersion),
  );
  writeBody(w);
  w.patchInt32(0, w.length - 4);
  return w.toBuffers();
}
