// Zig-zag varints as used inside RecordBatch v2 records (protobuf encoding), on raw Buffers.
//
// Varints are int32 (at most 5 bytes); varlongs are int64 carried as JS numbers, exact within
// +-2^52 (timestamp deltas never come near that).

import { CorruptRecordError } from './errors.js';

export function zigZag32(v: number): number {
  return ((v << 1) ^ (v >> 31)) >>> 0;
}

export function zigZag64(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

/** Bytes of the unsigned varint `u` (0 <= u < 2^53). */
export function sizeOfUnsignedVarint(u: number): number {
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

export function sizeOfVarint(v: number): number {
  return sizeOfUnsignedVarint(zigZag32(v));
}

export function sizeOfVarlong(v: number): number {
  return sizeOfUnsignedVarint(zigZag64(v));
}

/** Writes the unsigned varint `u` at `at`; returns the position after it. */
export function writeUnsignedVarintAt(buf: Buffer, at: number, u: number): number {
  while (u >= 0x80) {
    buf[at++] = (u & 0x7f) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[at++] = u;
  return at;
}

export function writeVarintAt(buf: Buffer, at: number, v: number): number {
  return writeUnsignedVarintAt(buf, at, zigZag32(v));
}

export function writeVarlongAt(buf: Buffer, at: number, v: number): number {
  return writeUnsignedVarintAt(buf, at, zigZag64(v));
}

/**
 * Sequential reader over buf[pos, end) for record bodies. Every read is bounds-checked and throws a
 * CorruptRecordError, so a malformed record can never read into the next one.
 */
export class ByteCursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
  ) {}

  private fail(what: string): never {
    throw new CorruptRecordError(`malformed record: ${what} at byte ${this.pos}`);
  }

  int8(): number {
    if (this.pos >= this.end) this.fail('truncated int8');
    return this.buf.readInt8(this.pos++);
  }

  private unsigned(maxBytes: number): number {
    const buf = this.buf;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = buf[this.pos++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    return this.fail('varint too long');
  }

  varint(): number {
    const u = this.unsigned(5);
    if (u > 0xffffffff) this.fail('varint out of int32 range');
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  varlong(): number {
    const u = this.unsigned(10);
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** `len` bytes as a view into the underlying buffer (no copy). */
  bytes(len: number): Buffer {
    if (len < 0 || this.pos + len > this.end) this.fail(`field of ${len} bytes overruns the record`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  /** A varint length followed by that many bytes; length -1 is null. */
  nullableBytes(): Buffer | null {
    const len = this.varint();
    if (len === -1) return null;
    if (len < -1) this.fail(`negative length ${len}`);
    return this.bytes(len);
  }
}
