// Loads Kafka message schemas into a typed model: messages, their fields, and every struct they use
// (inline struct definitions and commonStructs), with version ranges parsed.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonWithComments } from './json-comments.js';
import { camelCase, structTypeName } from './names.js';
import { ALL_VERSIONS, contains, intersect, isEmpty, parseVersions, type Versions } from './versions.js';

export const PRIMITIVE_TYPES = [
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'string',
  'uuid',
  'bytes',
  'records',
] as const;
export type PrimitiveName = (typeof PRIMITIVE_TYPES)[number];

export type FieldType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveName }
  | { readonly kind: 'struct'; readonly name: string }
  | { readonly kind: 'array'; readonly element: FieldType };

export interface FieldSpec {
  readonly name: string;
  /** camelCase property name. */
  readonly property: string;
  readonly type: FieldType;
  readonly versions: Versions;
  readonly nullableVersions: Versions;
  readonly taggedVersions: Versions;
  readonly tag: number | undefined;
  /** A field-level override of the message's flexible versions (string and bytes only). */
  readonly flexibleVersions: Versions | undefined;
  /** The schema default as written ("null", "-1", "0x7fffffff", "true"), or undefined. */
  readonly defaultValue: string | undefined;
}

export interface StructSpec {
  /** The name used in the schema ("TopicProduceData"). */
  readonly name: string;
  /** The generated TypeScript type name ("ProduceRequestTopicProduceData"). */
  readonly typeName: string;
  readonly versions: Versions;
  readonly fields: readonly FieldSpec[];
}

export type MessageKind = 'request' | 'response' | 'header' | 'data';

export interface MessageSpec {
  readonly name: string;
  readonly kind: MessageKind;
  readonly apiKey: number | undefined;
  readonly validVersions: Versions;
  readonly flexibleVersions: Versions;
  readonly listeners: readonly string[];
  readonly latestVersionUnstable: boolean;
  /** The message itself as a struct (typeName = name). */
  readonly root: StructSpec;
  /** Nested structs by schema name. */
  readonly structs: ReadonlyMap<string, StructSpec>;
  /** Schema file name, for the generated header comment. */
  readonly sourceFile: string;
}

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  flexibleVersions?: string;
  default?: string | number | boolean | null;
  fields?: RawField[];
}

interface RawStruct {
  name: string;
  versions?: string;
  fields?: RawField[];
}

interface RawMessage {
  name: string;
  type: string;
  apiKey?: number;
  validVersions: string;
  flexibleVersions: string;
  listeners?: string[];
  latestVersionUnstable?: boolean;
  fields?: RawField[];
  commonStructs?: RawStruct[];
}

export function parseFieldType(type: string): FieldType {
  if (type.startsWith('[]')) return { kind: 'array', element: parseFieldType(type.slice(2)) };
  if ((PRIMITIVE_TYPES as readonly string[]).includes(type))
    return { kind: 'primitive', name: type as PrimitiveName };
  if (!/^[A-Z][A-Za-z0-9]*$/.test(type)) throw new Error(`unknown field type "${type}"`);
  return { kind: 'struct', name: type };
}

/** The struct a field refers to (directly or as array element), if any. */
export function structNameOf(type: FieldType): string | undefined {
  if (type.kind === 'struct') return type.name;
  if (type.kind === 'array' && type.element.kind === 'struct') return type.element.name;
  return undefined;
}

function defaultString(v: RawField['default']): string | undefined {
  if (v === undefined) return undefined;
  return v === null ? 'null' : String(v);
}

function parseField(raw: RawField, where: string): FieldSpec {
  const taggedVersions = parseVersions(raw.taggedVersions);
  // A field without "versions" but with taggedVersions exists exactly in its tagged versions.
  const versions = parseVersions(raw.versions, isEmpty(taggedVersions) ? undefined : taggedVersions);
  if (isEmpty(versions) && raw.versions === undefined) throw new Error(`${where}.${raw.name}: no versions`);
  if ((raw.tag === undefined) !== isEmpty(taggedVersions)) {
    throw new Error(`${where}.${raw.name}: tag and taggedVersions must be given together`);
  }
  return {
    name: raw.name,
    property: camelCase(raw.name),
    type: parseFieldType(raw.type),
    versions,
    nullableVersions: parseVersions(raw.nullableVersions),
    taggedVersions,
    tag: raw.tag,
    flexibleVersions: raw.flexibleVersions === undefined ? undefined : parseVersions(raw.flexibleVersions),
    defaultValue: defaultString(raw.default),
  };
}

function kindOf(type: string, source: string): MessageKind {
  if (type === 'request' || type === 'response' || type === 'header' || type === 'data') return type;
  throw new Error(`${source}: unknown message type "${type}"`);
}

export function parseMessage(json: unknown, sourceFile: string): MessageSpec {
  const raw = json as RawMessage;
  const name = raw.name;
  const structs = new Map<string, StructSpec>();
  const typeNames = new Set<string>([name]);

  // Structs are listed parent first, in schema order.
  const defineStruct = (
    structName: string,
    versions: Versions,
    rawFields: RawField[],
    where: string,
  ): void => {
    if (structs.has(structName)) throw new Error(`${sourceFile}: struct ${structName} is defined twice`);
    const typeName = structTypeName(name, structName);
    if (typeNames.has(typeName)) throw new Error(`${sourceFile}: type name ${typeName} is used twice`);
    typeNames.add(typeName);
    const fields: FieldSpec[] = [];
    structs.set(structName, { name: structName, typeName, versions, fields });
    fields.push(...parseFields(rawFields, where));
  };

  const parseFields = (rawFields: RawField[], where: string): FieldSpec[] => {
    const fields = rawFields.map((f) => parseField(f, where));
    rawFields.forEach((rawField, i) => {
      const structName = structNameOf(fields[i]!.type);
      if (structName !== undefined && rawField.fields !== undefined) {
        defineStruct(structName, fields[i]!.versions, rawField.fields, `${where}.${rawField.name}`);
      } else if (rawField.fields !== undefined) {
        throw new Error(`${where}.${rawField.name}: only struct fields may have fields`);
      }
    });
    return fields;
  };

  for (const common of raw.commonStructs ?? []) {
    defineStruct(common.name, parseVersions(common.versions, ALL_VERSIONS), common.fields ?? [], common.name);
  }
  const rootFields = parseFields(raw.fields ?? [], name);
  const message: MessageSpec = {
    name,
    kind: kindOf(raw.type, sourceFile),
    apiKey: raw.apiKey,
    validVersions: parseVersions(raw.validVersions),
    flexibleVersions: parseVersions(raw.flexibleVersions),
    listeners: raw.listeners ?? [],
    latestVersionUnstable: raw.latestVersionUnstable === true,
    root: { name, typeName: name, versions: ALL_VERSIONS, fields: rootFields },
    structs,
    sourceFile,
  };
  checkStructReferences(message);
  return message;
}

function checkStructReferences(message: MessageSpec): void {
  const visit = (struct: StructSpec): void => {
    for (const f of struct.fields) {
      const structName = structNameOf(f.type);
      if (structName !== undefined && !message.structs.has(structName)) {
        throw new Error(
          `${message.sourceFile}: ${struct.name}.${f.name} refers to unknown struct ${structName}`,
        );
      }
      if (f.tag !== undefined && !isEmpty(intersect(f.taggedVersions, f.versions))) {
        const flexible = f.flexibleVersions ?? message.flexibleVersions;
        if (f.taggedVersions.lo < flexible.lo) {
          throw new Error(`${message.sourceFile}: ${f.name} is tagged in a version that is not flexible`);
        }
      }
    }
  };
  visit(message.root);
  for (const s of message.structs.values()) visit(s);
}

export function structOf(message: MessageSpec, field: FieldSpec): StructSpec {
  const structName = structNameOf(field.type);
  const struct = structName === undefined ? undefined : message.structs.get(structName);
  if (struct === undefined) throw new Error(`${message.name}.${field.name} is not a struct field`);
  return struct;
}

/**
 * Every concrete version in which each struct is encoded: the message's valid versions narrowed by the
 * versions of the fields on the path to the struct. The generated code only branches between these.
 */
export function structVersionSets(message: MessageSpec): Map<StructSpec, number[]> {
  const sets = new Map<StructSpec, Set<number>>();
  const visit = (struct: StructSpec, versions: readonly number[]): void => {
    let set = sets.get(struct);
    if (set === undefined) sets.set(struct, (set = new Set()));
    const fresh = versions.filter((v) => contains(struct.versions, v) && !set!.has(v));
    if (fresh.length === 0 && versions.length > 0) return;
    for (const v of fresh) set.add(v);
    for (const f of struct.fields) {
      if (structNameOf(f.type) === undefined) continue;
      visit(
        structOf(message, f),
        fresh.filter((v) => contains(f.versions, v)),
      );
    }
  };
  const valid: number[] = [];
  for (let v = message.validVersions.lo; v <= message.validVersions.hi; v++) valid.push(v);
  visit(message.root, valid);
  const out = new Map<StructSpec, number[]>();
  for (const [s, set] of sets)
    out.set(
      s,
      [...set].sort((a, b) => a - b),
    );
  return out;
}

export function loadMessages(dir: string): MessageSpec[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseMessage(parseJsonWithComments(readFileSync(join(dir, f), 'utf8'), f), f));
}
