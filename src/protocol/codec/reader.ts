// Reads Kafka protocol primitives from a Buffer. Every read checks bounds and throws a
// ProtocolDecodeError on truncated or malformed input, so callers can turn any bad frame into
// "close this connection" (or an error code) without a crash.

import { uuidToString } from './uuid.js';

export class ProtocolDecodeError extends Error {
  override name = 'ProtocolDecodeError';
}

const INT64_MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/**
 * A string is at most 32767 bytes in every encoding, as Kafka's generated readers enforce: a longer
 * compact string (whose varint length could say more) makes the request unreadable.
 */
function checkStringLength(len: number): number {
  if (len > 0x7fff) throw new ProtocolDecodeError(`string of ${len} bytes is longer than 32767`);
  return len;
}

export class Reader {
  offset: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
    end = buf.length,
  ) {
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number): number {
    const at = this.offset;
    if (n < 0 || at + n > this.end) {
      throw new ProtocolDecodeError(`truncated input: need ${n} bytes at ${at}, have ${this.end - at}`);
    }
    this.offset = at + n;
    return at;
  }

  readBool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }

  readInt8(): number {
    return this.buf.readInt8(this.need(1));
  }

  readInt16(): number {
    return this.buf.readInt16BE(this.need(2));
  }

  readUInt16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }

  readInt32(): number {
    return this.buf.readInt32BE(this.need(4));
  }

  readUInt32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }

  /**
   * int64 as a JS number. Offsets, timestamps and producer ids stay far below 2^53; a value outside
   * the safe range (Long.MAX_VALUE sentinels) is clamped to the nearest safe integer, which the
   * Writer maps back to the int64 extreme.
   */
  readInt64(): number {
    const at = this.need(8);
    const hi = this.buf.readInt32BE(at);
    const lo = this.buf.readUInt32BE(at + 4);
    if (hi >= -0x200000 && hi < 0x200000) return hi * 0x1_0000_0000 + lo;
    const big = this.buf.readBigInt64BE(at);
    if (big > INT64_MAX_SAFE) return Number.MAX_SAFE_INTEGER;
    if (big < INT64_MIN_SAFE) return Number.MIN_SAFE_INTEGER;
    return Number(big);
  }

  readFloat64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }

  readUnsignedVarint(): number {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.buf[this.need(1)]!;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
      shift += 7;
    }
    throw new ProtocolDecodeError('varint is longer than 5 bytes');
  }

  /** Zig-zag signed varint (int32 range). */
  readVarint(): number {
    const u = this.readUnsignedVarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zig-zag signed varlong, as a number (exact within +-2^53). */
  readVarlong(): number {
    let value = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.buf[this.need(1)]!;
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        const signed = (value >> 1n) ^ -(value & 1n);
        return Number(signed);
      }
      shift += 7n;
    }
    throw new ProtocolDecodeError('varlong is longer than 10 bytes');
  }

  readUuid(): string {
    const at = this.need(16);
    return uuidToString(this.buf.subarray(at, at + 16));
  }

  private readUtf8(len: number): string {
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }

  readString(): string {
    const len = this.readInt16();
    if (len < 0) throw new ProtocolDecodeError(`non-nullable string has length ${len}`);
    return this.readUtf8(len);
  }

  readNullableString(): string | null {
    const len = this.readInt16();
    if (len < 0) return null;
    return this.readUtf8(len);
  }

  readCompactString(): string {
    const len = this.readUnsignedVarint() - 1;
    if (len < 0) throw new ProtocolDecodeError('non-nullable compact string is null');
    return this.readUtf8(checkStringLength(len));
  }

  readCompactNullableString(): string | null {
    const len = this.readUnsignedVarint() - 1;
    if (len < 0) return null;
    return this.readUtf8(checkStringLength(len));
  }

  /** A view into the input (no copy). */
  readRaw(len: number): Buffer {
    const at = this.need(len);
    return this.buf.subarray(at, at + len);
  }

  readBytes(): Buffer {
    const len = this.readInt32();
    if (len < 0) throw new ProtocolDecodeError(`non-nullable bytes has length ${len}`);
    return this.readRaw(len);
  }

  readNullableBytes(): Buffer | null {
    const len = this.readInt32();
    if (len < 0) return null;
    return this.readRaw(len);
  }

  readCompactBytes(): Buffer {
    const len = this.readUnsignedVarint() - 1;
    if (len < 0) throw new ProtocolDecodeError('non-nullable compact bytes is null');
    return this.readRaw(len);
  }

  readCompactNullableBytes(): Buffer | null {
    const len = this.readUnsignedVarint() - 1;
    if (len < 0) return null;
    return this.readRaw(len);
  }

  /** Array length (int32); -1 means null. Guards against absurd counts before allocating. */
  readArrayLength(): number {
    const n = this.readInt32();
    if (n > this.remaining) throw new ProtocolDecodeError(`array length ${n} exceeds remaining input`);
    return n;
  }

  /** Compact array length (unsigned varint N+1); -1 means null. */
  readCompactArrayLength(): number {
    const n = this.readUnsignedVarint() - 1;
    if (n > this.remaining) throw new ProtocolDecodeError(`array length ${n} exceeds remaining input`);
    return n;
  }

  skip(n: number): void {
    this.need(n);
  }
}
