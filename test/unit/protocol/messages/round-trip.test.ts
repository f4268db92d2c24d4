// Property tests over every generated message and every version:
//  - default-filled objects ({}) encode, decode and re-encode to the same bytes;
//  - random objects (seeded) keep every field present in the version, and re-encode identically;
//  - truncated encodings fail with ProtocolDecodeError, never another error;
//  - corrupted encodings either decode or fail with ProtocolDecodeError.
// The random tests walk the schema model, so they need the schema folder; the registry test does not.

import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEMAS_DIR, defaultInternalDirs } from '../../../../scripts/generate-protocol/generate.js';
import {
  loadMessages,
  structOf,
  type FieldSpec,
  type FieldType,
  type MessageSpec,
  type StructSpec,
} from '../../../../scripts/generate-protocol/schema.js';
import { contains } from '../../../../scripts/generate-protocol/versions.js';
import { ProtocolDecodeError, Reader } from '../../../../src/protocol/codec/reader.js';
import { uuidToString } from '../../../../src/protocol/codec/uuid.js';
import * as generated from '../../../../src/protocol/messages/index.js';
import { decode, encode, prng, type Decoder, type Encoder } from './helpers.js';

type Obj = Record<string, unknown>;
const codecs = generated as unknown as Record<string, Encoder<Obj> & Decoder<Obj>>;

function codecOf(name: string): { enc: Encoder<Obj>; dec: Decoder<Obj> } {
  const enc = codecs[`encode${name}`];
  const dec = codecs[`decode${name}`];
  if (enc === undefined || dec === undefined) throw new Error(`no codec exported for ${name}`);
  return { enc, dec };
}

function versionsOf(m: MessageSpec): number[] {
  const out: number[] = [];
  for (let v = m.validVersions.lo; v <= m.validVersions.hi; v++) out.push(v);
  return out;
}

describe('registry round trip with default-filled messages', () => {
  it('every API, every version, both directions', () => {
    let count = 0;
    for (const spec of generated.API_SPECS.values()) {
      for (let v = spec.minVersion; v <= spec.maxVersion; v++) {
        for (const [enc, dec] of [
          [spec.encodeRequest, spec.decodeRequest],
          [spec.encodeResponse, spec.decodeResponse],
        ] as const) {
          const bytes = encode(enc, {}, v);
          const decoded = decode(dec, bytes, v);
          expect(encode(enc, decoded, v), `${spec.name} v${v}`).toEqual(bytes);
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(500);
  });

  it('rejects unsupported versions: RangeError to encode, ProtocolDecodeError to decode', () => {
    const produce = generated.API_SPECS.get(generated.ApiKey.Produce)!;
    expect(() => encode(produce.encodeRequest, {}, produce.maxVersion + 1)).toThrow(RangeError);
    expect(() => encode(produce.encodeRequest, {}, -1)).toThrow(RangeError);
    expect(() => produce.decodeRequest(new Reader(Buffer.alloc(64)), produce.maxVersion + 1)).toThrow(
      ProtocolDecodeError,
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Random values from the schema model

const schemasPresent = existsSync(DEFAULT_SCHEMAS_DIR);
const messages: MessageSpec[] = schemasPresent
  ? [
      ...loadMessages(DEFAULT_SCHEMAS_DIR),
      ...defaultInternalDirs(DEFAULT_SCHEMAS_DIR)
        .filter((d) => existsSync(d))
        .flatMap((d) => loadMessages(d)),
    ]
  : [];

class Random {
  constructor(readonly next: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(0, 255)));
  }
  string(): string {
    const alphabet = 'abcXYZ09._-é日🙂';
    return Array.from(
      { length: this.int(0, 8) },
      () => [...alphabet][this.int(0, [...alphabet].length - 1)],
    ).join('');
  }
}

function randomPrimitive(rnd: Random, name: string): unknown {
  switch (name) {
    case 'bool':
      return rnd.chance(0.5);
    case 'int8':
      return rnd.int(-128, 127);
    case 'int16':
      return rnd.int(-32768, 32767);
    case 'uint16':
      return rnd.int(0, 65535);
    case 'int32':
      return rnd.int(-(2 ** 31), 2 ** 31 - 1);
    case 'uint32':
      return rnd.int(0, 2 ** 32 - 1);
    case 'int64':
      return rnd.chance(0.5) ? rnd.int(-1, 1000) : rnd.int(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    case 'float64':
      return (rnd.next() - 0.5) * 1e6;
    case 'string':
      return rnd.string();
    case 'uuid':
      return uuidToString(rnd.bytes(16));
    default: // bytes, records
      return rnd.bytes(rnd.int(0, 12));
  }
}

function randomValue(rnd: Random, m: MessageSpec, f: FieldSpec, type: FieldType, v: number): unknown {
  if (type.kind === 'primitive') return randomPrimitive(rnd, type.name);
  if (type.kind === 'struct') return randomStruct(rnd, m, structOf(m, f), v);
  return Array.from({ length: rnd.int(0, 3) }, () => randomValue(rnd, m, f, type.element, v));
}

function randomStruct(rnd: Random, m: MessageSpec, s: StructSpec, v: number): Obj {
  const out: Obj = {};
  for (const f of s.fields) {
    if (!contains(f.versions, v)) continue;
    if (rnd.chance(0.1)) continue; // left out: encodes as the default
    out[f.property] =
      contains(f.nullableVersions, v) && rnd.chance(0.2) ? null : randomValue(rnd, m, f, f.type, v);
  }
  if (contains(m.flexibleVersions, v) && rnd.chance(0.3)) {
    // tags far above the known ones, ascending as a decoder returns them
    out.unknownTaggedFields = [100, 101 + rnd.int(0, 5)].map((tag) => ({
      tag,
      data: rnd.bytes(rnd.int(0, 4)),
    }));
  }
  return out;
}

/** Every field the input set (and the version carries) comes back unchanged. */
function expectKept(m: MessageSpec, s: StructSpec, input: Obj, decoded: Obj, v: number, path: string): void {
  for (const f of s.fields) {
    if (!contains(f.versions, v) || !(f.property in input)) continue;
    const want = input[f.property];
    const got = decoded[f.property];
    const where = `${path}.${f.property}`;
    if (
      want === null ||
      f.type.kind === 'primitive' ||
      (f.type.kind === 'array' && f.type.element.kind === 'primitive')
    ) {
      expect(got, where).toEqual(want);
    } else if (f.type.kind === 'struct') {
      expectKept(m, structOf(m, f), want as Obj, got as Obj, v, where);
    } else {
      expect((got as Obj[]).length, where).toBe((want as Obj[]).length);
      (want as Obj[]).forEach((e, i) =>
        expectKept(m, structOf(m, f), e, (got as Obj[])[i]!, v, `${where}[${i}]`),
      );
    }
  }
  expect(decoded.unknownTaggedFields, `${path}.unknownTaggedFields`).toEqual(input.unknownTaggedFields);
}

describe.skipIf(!schemasPresent)('random round trip over every schema message', () => {
  it.each(messages.map((m) => [m.name, m] as const))('%s', (name, m) => {
    const { enc, dec } = codecOf(name);
    const rnd = new Random(prng(name.length * 7919 + m.validVersions.hi));
    for (const v of versionsOf(m)) {
      // default-filled
      const empty = encode(enc, {}, v);
      expect(encode(enc, decode(dec, empty, v), v), `${name} v${v} defaults`).toEqual(empty);
      // random
      for (let i = 0; i < 8; i++) {
        const input = randomStruct(rnd, m, m.root, v);
        const bytes = encode(enc, input, v);
        const decoded = decode(dec, bytes, v);
        expectKept(m, m.root, input, decoded, v, `${name} v${v}`);
        expect(encode(enc, decoded, v), `${name} v${v} re-encoded`).toEqual(bytes);
      }
    }
  });
});

/** Runs a decoder and reports how it ended: 'ok', 'decode-error', or the unexpected error. */
function outcome(dec: Decoder<Obj>, bytes: Buffer, v: number): unknown {
  try {
    dec(new Reader(bytes), v);
    return 'ok';
  } catch (err) {
    return err instanceof ProtocolDecodeError ? 'decode-error' : err;
  }
}

const SAMPLE = [
  'RequestHeader',
  'ApiVersionsResponse',
  'MetadataRequest',
  'MetadataResponse',
  'ProduceRequest',
  'ProduceResponse',
  'FetchRequest',
  'FetchResponse',
  'DescribeTopicPartitionsResponse',
  'ConsumerGroupHeartbeatResponse',
  'UpdateRaftVoterResponse',
  'ConsumerGroupMemberMetadataValue',
  'TransactionLogValue',
];

describe.skipIf(!schemasPresent)('malformed input', () => {
  const sample = schemasPresent ? SAMPLE.map((name) => messages.find((m) => m.name === name)!) : [];

  it.each(sample.map((m) => [m.name, m] as const))('truncated %s throws ProtocolDecodeError', (name, m) => {
    const { enc, dec } = codecOf(name);
    const rnd = new Random(prng(42));
    for (const v of versionsOf(m)) {
      for (let i = 0; i < 3; i++) {
        const bytes = encode(enc, randomStruct(rnd, m, m.root, v), v);
        for (let len = 0; len < bytes.length; len++) {
          expect(outcome(dec, bytes.subarray(0, len), v), `${name} v${v} cut at ${len}/${bytes.length}`).toBe(
            'decode-error',
          );
        }
      }
    }
  });

  it.each(sample.map((m) => [m.name, m] as const))(
    'corrupted %s decodes or throws ProtocolDecodeError',
    (name, m) => {
      const { enc, dec } = codecOf(name);
      const rnd = new Random(prng(7));
      for (const v of versionsOf(m)) {
        const bytes = encode(enc, randomStruct(rnd, m, m.root, v), v);
        for (let i = 0; i < 40; i++) {
          const mutated = Buffer.from(bytes);
          for (let k = 0; k < 3 && mutated.length > 0; k++)
            mutated[rnd.int(0, mutated.length - 1)] = rnd.int(0, 255);
          const result = outcome(dec, mutated, v);
          expect(result === 'ok' || result === 'decode-error', `${name} v${v}: ${String(result)}`).toBe(true);
        }
        const garbage = rnd.bytes(rnd.int(0, 64));
        expect(['ok', 'decode-error']).toContain(outcome(dec, garbage, v));
      }
    },
  );
});
