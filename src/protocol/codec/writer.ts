// Writes Kafka protocol primitives into a list of chunks. Small values are packed into a growing
// scratch chunk; large byte fields (record batches in a Fetch response) are kept by reference so the
// response goes to the socket without copying the log data (see toBuffers()).

import { uuidToBytes } from './uuid.js';

/** Byte fields at least this long are referenced, not copied. */
const ZERO_COPY_THRESHOLD = 4096;
const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;

export class Writer {
  private chunks: Buffer[] = [];
  private cur: Buffer;
  private pos = 0;
  private flushed = 0;

  constructor(initialSize = 256) {
    this.cur = Buffer.allocUnsafe(initialSize);
  }

  /** Total bytes written so far. */
  get length(): number {
    return this.flushed + this.pos;
  }

  private ensure(n: number): number {
    if (this.pos + n > this.cur.length) {
      if (this.pos > 0) {
        this.chunks.push(this.cur.subarray(0, this.pos));
        this.flushed += this.pos;
      }
      this.cur = Buffer.allocUnsafe(Math.max(n, this.cur.length * 2, 256));
      this.pos = 0;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  writeBool(v: boolean): this {
    const at = this.ensure(1);
    this.cur[at] = v ? 1 : 0;
    return this;
  }

  writeInt8(v: number): this {
    const at = this.ensure(1);
    this.cur.writeInt8(v, at);
    return this;
  }

  writeInt16(v: number): this {
    const at = this.ensure(2);
    this.cur.writeInt16BE(v, at);
    return this;
  }

  writeUInt16(v: number): this {
    const at = this.ensure(2);
    this.cur.writeUInt16BE(v, at);
    return this;
  }

  writeInt32(v: number): this {
    const at = this.ensure(4);
    this.cur.writeInt32BE(v, at);
    return this;
  }

  writeUInt32(v: number): this {
    const at = this.ensure(4);
    this.cur.writeUInt32BE(v, at);
    return this;
  }

  /** int64 from a JS number; values at or beyond +-2^53 map to the int64 extremes (Long.MAX/MIN_VALUE). */
  writeInt64(v: number): this {
    const at = this.ensure(8);
    if (Number.isSafeInteger(v)) {
      const hi = Math.floor(v / 0x1_0000_0000);
      this.cur.writeInt32BE(hi, at);
      this.cur.writeUInt32BE(v - hi * 0x1_0000_0000, at + 4);
    } else {
      this.cur.writeBigInt64BE(v > 0 ? INT64_MAX : INT64_MIN, at);
    }
    return this;
  }

  writeFloat64(v: number): this {
    const at = this.ensure(8);
    this.cur.writeDoubleBE(v, at);
    return this;
  }

  writeUnsignedVarint(v: number): this {
    // values are < 2^32; loop on division so values >= 2^31 stay correct
    while (v >= 0x80) {
      const at = this.ensure(1);
      this.cur[at] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    const at = this.ensure(1);
    this.cur[at] = v;
    return this;
  }

  writeVarint(v: number): this {
    return this.writeUnsignedVarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  writeVarlong(v: number): this {
    let z = BigInt.asUintN(64, (BigInt(v) << 1n) ^ (BigInt(v) >> 63n));
    while (z >= 0x80n) {
      const at = this.ensure(1);
      this.cur[at] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    const at = this.ensure(1);
    this.cur[at] = Number(z);
    return this;
  }

  writeUuid(id: string): this {
    return this.writeRaw(uuidToBytes(id));
  }

  private writeUtf8(s: string, len: number): void {
    const at = this.ensure(len);
    this.cur.write(s, at, len, 'utf8');
  }

  writeString(s: string): this {
    const len = Buffer.byteLength(s, 'utf8');
    if (len > 0x7fff) throw new RangeError(`string of ${len} bytes is too long for int16 length`);
    this.writeInt16(len);
    this.writeUtf8(s, len);
    return this;
  }

  writeNullableString(s: string | null): this {
    if (s === null) return this.writeInt16(-1);
    return this.writeString(s);
  }

  writeCompactString(s: string): this {
    const len = Buffer.byteLength(s, 'utf8');
    this.writeUnsignedVarint(len + 1);
    this.writeUtf8(s, len);
    return this;
  }

  writeCompactNullableString(s: string | null): this {
    if (s === null) return this.writeUnsignedVarint(0);
    return this.writeCompactString(s);
  }

  /** Appends bytes as they are; large buffers are referenced, not copied. */
  writeRaw(b: Buffer): this {
    if (b.length >= ZERO_COPY_THRESHOLD) {
      if (this.pos > 0) {
        this.chunks.push(this.cur.subarray(0, this.pos));
        this.flushed += this.pos;
        this.cur = this.cur.subarray(this.pos);
        this.pos = 0;
      }
      this.chunks.push(b);
      this.flushed += b.length;
    } else {
      const at = this.ensure(b.length);
      b.copy(this.cur, at);
    }
    return this;
  }

  writeBytes(b: Buffer): this {
    this.writeInt32(b.length);
    return this.writeRaw(b);
  }

  writeNullableBytes(b: Buffer | null): this {
    if (b === null) return this.writeInt32(-1);
    return this.writeBytes(b);
  }

  writeCompactBytes(b: Buffer): this {
    this.writeUnsignedVarint(b.length + 1);
    return this.writeRaw(b);
  }

  writeCompactNullableBytes(b: Buffer | null): this {
    if (b === null) return this.writeUnsignedVarint(0);
    return this.writeCompactBytes(b);
  }

  /** int32 array length; null arrays are -1. */
  writeArrayLength(n: number | null): this {
    return this.writeInt32(n === null ? -1 : n);
  }

  /** Compact array length (N+1); null arrays are 0. */
  writeCompactArrayLength(n: number | null): this {
    return this.writeUnsignedVarint(n === null ? 0 : n + 1);
  }

  /** Overwrites 4 bytes written earlier at absolute position `at` (e.g. a frame size written as 0 first). */
  patchInt32(at: number, v: number): void {
    let base = 0;
    for (const part of [...this.chunks, this.cur.subarray(0, this.pos)]) {
      if (at >= base && at + 4 <= base + part.length) {
        part.writeInt32BE(v, at - base);
        return;
      }
      base += part.length;
    }
    throw new RangeError(`cannot patch int32 at ${at}`);
  }

  /** The written bytes as a list of chunks, in order (for socket writev). */
  toBuffers(): Buffer[] {
    const out = this.chunks.slice();
    if (this.pos > 0) out.push(this.cur.subarray(0, this.pos));
    return out;
  }

  /** The written bytes as one Buffer (copies when there is more than one chunk). */
  toBuffer(): Buffer {
    const parts = this.toBuffers();
    if (parts.length === 1) return parts[0]!;
    return Buffer.concat(parts, this.length);
  }
}

export { INT64_MAX, INT64_MIN };
