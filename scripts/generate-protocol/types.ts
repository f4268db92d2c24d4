// Maps schema types to TypeScript types, Reader/Writer calls and default values.

import { isEmpty, intersect } from './versions.js';
import { structOf, type FieldSpec, type FieldType, type MessageSpec, type PrimitiveName } from './schema.js';

/** Encoded size of the fixed-length primitives (used for tagged field sizes). */
export const FIXED_SIZE: Partial<Record<PrimitiveName, number>> = {
  bool: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  float64: 8,
  uuid: 16,
};

const NUMERIC: Partial<Record<PrimitiveName, { read: string; write: string; min: bigint; max: bigint }>> = {
  int8: { read: 'readInt8', write: 'writeInt8', min: -(2n ** 7n), max: 2n ** 7n - 1n },
  int16: { read: 'readInt16', write: 'writeInt16', min: -(2n ** 15n), max: 2n ** 15n - 1n },
  uint16: { read: 'readUInt16', write: 'writeUInt16', min: 0n, max: 2n ** 16n - 1n },
  int32: { read: 'readInt32', write: 'writeInt32', min: -(2n ** 31n), max: 2n ** 31n - 1n },
  uint32: { read: 'readUInt32', write: 'writeUInt32', min: 0n, max: 2n ** 32n - 1n },
  int64: { read: 'readInt64', write: 'writeInt64', min: -(2n ** 63n), max: 2n ** 63n - 1n },
};

/** Reader/Writer method suffix for fixed-length primitives (bool, numbers, uuid). */
export function fixedMethod(name: PrimitiveName): string {
  const numeric = NUMERIC[name];
  if (numeric !== undefined) return numeric.read.slice(4);
  if (name === 'bool') return 'Bool';
  if (name === 'float64') return 'Float64';
  if (name === 'uuid') return 'Uuid';
  throw new Error(`${name} is not a fixed-length type`);
}

/** Reader/Writer method suffix for variable-length primitives: String, NullableString, CompactBytes, ... */
export function variableMethod(name: PrimitiveName, flexible: boolean, nullable: boolean): string {
  const base = name === 'string' ? 'String' : 'Bytes'; // records travel exactly like bytes
  return `${flexible ? 'Compact' : ''}${nullable ? 'Nullable' : ''}${base}`;
}

export function isFixed(type: FieldType): boolean {
  return type.kind === 'primitive' && FIXED_SIZE[type.name] !== undefined;
}

/** Whether the field's TypeScript type admits null: nullable in some version, or a null default. */
export function isNullable(field: FieldSpec): boolean {
  return !isEmpty(intersect(field.nullableVersions, field.versions)) || field.defaultValue === 'null';
}

function primitiveTsType(name: PrimitiveName): string {
  switch (name) {
    case 'bool':
      return 'boolean';
    case 'string':
    case 'uuid':
      return 'string';
    case 'bytes':
    case 'records':
      return 'Buffer';
    default:
      return 'number';
  }
}

/** The element or value type of a field, without null. `input` selects the *Input variant for structs. */
export function baseTsType(message: MessageSpec, type: FieldType, input: boolean): string {
  switch (type.kind) {
    case 'primitive':
      return primitiveTsType(type.name);
    case 'struct': {
      const s = message.structs.get(type.name)!;
      return input ? `${s.typeName}Input` : s.typeName;
    }
    case 'array':
      return `${baseTsType(message, type.element, input)}[]`;
  }
}

export function tsType(message: MessageSpec, field: FieldSpec, input: boolean): string {
  const base = baseTsType(message, field.type, input);
  return isNullable(field) ? `${base} | null` : base;
}

/** Parses an integer default ("-1", "0x7fffffff") and checks it fits the type. */
export function integerDefault(field: FieldSpec, name: PrimitiveName): number {
  const raw = field.defaultValue ?? '0';
  const negative = raw.startsWith('-');
  const digits = negative ? raw.slice(1) : raw;
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(digits))
    throw new Error(`${field.name}: invalid ${name} default "${raw}"`);
  const value = negative ? -BigInt(digits) : BigInt(digits);
  const range = NUMERIC[name]!;
  if (value < range.min || value > range.max) throw new Error(`${field.name}: default ${raw} out of range`);
  // int64 values beyond 2^53 are carried as the nearest safe integer, as Reader/Writer do.
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (value < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(value);
}

export type DefaultValue =
  | { kind: 'literal'; code: string }
  | { kind: 'null' }
  | { kind: 'emptyArray' }
  | { kind: 'emptyBuffer' }
  | { kind: 'zeroUuid' }
  | { kind: 'struct'; typeName: string };

/** The schema default of a field, following Kafka's rules for each type. */
export function defaultOf(message: MessageSpec, field: FieldSpec): DefaultValue {
  const d = field.defaultValue;
  const type = field.type;
  if (d === 'null') {
    if (!isNullableInAllVersions(field))
      throw new Error(`${field.name}: null default but not always nullable`);
    return { kind: 'null' };
  }
  if (type.kind === 'array') {
    if (d !== undefined && d !== '') throw new Error(`${field.name}: arrays only default to empty or null`);
    return { kind: 'emptyArray' };
  }
  if (type.kind === 'struct') {
    if (d !== undefined && d !== '') throw new Error(`${field.name}: structs only default to empty or null`);
    return { kind: 'struct', typeName: structOf(message, field).typeName };
  }
  switch (type.name) {
    case 'bool': {
      const v = (d ?? 'false').toLowerCase();
      if (v !== 'true' && v !== 'false') throw new Error(`${field.name}: invalid bool default "${d}"`);
      return { kind: 'literal', code: v };
    }
    case 'float64': {
      const v = Number(d ?? '0');
      if (!Number.isFinite(v)) throw new Error(`${field.name}: invalid float64 default "${d}"`);
      return { kind: 'literal', code: String(v) };
    }
    case 'string':
      return { kind: 'literal', code: JSON.stringify(d ?? '') };
    case 'uuid':
      return d === undefined || d === ''
        ? { kind: 'zeroUuid' }
        : { kind: 'literal', code: JSON.stringify(d) };
    case 'bytes':
      if (d !== undefined && d !== '') throw new Error(`${field.name}: bytes only default to empty or null`);
      return { kind: 'emptyBuffer' };
    case 'records':
      // Kafka defaults records to null; a records field that is never nullable starts empty instead.
      return isNullable(field) ? { kind: 'null' } : { kind: 'emptyBuffer' };
    default:
      return { kind: 'literal', code: String(integerDefault(field, type.name)) };
  }
}

function isNullableInAllVersions(field: FieldSpec): boolean {
  const n = field.nullableVersions;
  return !isEmpty(n) && n.lo <= field.versions.lo && n.hi >= field.versions.hi;
}
