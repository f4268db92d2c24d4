// Emits the TypeScript for one struct of a message: its interfaces, encoder and decoder. The code
// branches on `version` only where the encoding actually changes, and never inspects the schema at
// runtime.

import { branchesOf, renderIfChain, renderTernary, segmentsOf, type Segment } from './branches.js';
import { localName } from './names.js';
import {
  structNameOf,
  structOf,
  type FieldSpec,
  type FieldType,
  type MessageSpec,
  type StructSpec,
} from './schema.js';
import {
  baseTsType,
  defaultOf,
  fixedMethod,
  FIXED_SIZE,
  isFixed,
  isNullable,
  tsType,
  variableMethod,
  type DefaultValue,
} from './types.js';
import { contains, formatVersions } from './versions.js';

/** How a field travels in one version. */
type Mode =
  | { readonly kind: 'absent' }
  | { readonly kind: 'tagged'; readonly nullable: boolean }
  | { readonly kind: 'present'; readonly flexible: boolean; readonly nullable: boolean };

/** Collects what a module needs while its code is emitted. */
export class ModuleState {
  readonly imports = new Set<string>();
  readonly defaultFactories = new Set<StructSpec>();
  readonly isDefaultChecks = new Set<StructSpec>();

  constructor(
    readonly message: MessageSpec,
    readonly versionsOf: ReadonlyMap<StructSpec, readonly number[]>,
  ) {}

  ctx(struct: StructSpec): readonly number[] {
    const v = this.versionsOf.get(struct);
    if (v === undefined || v.length === 0) {
      throw new Error(`${this.message.name}: struct ${struct.name} is not used by any valid version`);
    }
    return v;
  }

  /** Whether the struct carries a tagged-field section in some version (message-level flexibility). */
  hasTaggedSection(struct: StructSpec): boolean {
    return this.ctx(struct).some((v) => contains(this.message.flexibleVersions, v));
  }

  use(name: string): string {
    this.imports.add(name);
    return name;
  }
}

function modeAt(state: ModuleState, field: FieldSpec, v: number): Mode {
  if (!contains(field.versions, v)) return { kind: 'absent' };
  const nullable = contains(field.nullableVersions, v);
  if (contains(field.taggedVersions, v)) return { kind: 'tagged', nullable };
  const flexible = contains(field.flexibleVersions ?? state.message.flexibleVersions, v);
  return { kind: 'present', flexible, nullable };
}

/** Whether compact encodings change how values of this type are written (beyond an array's length). */
function flexMatters(type: FieldType): boolean {
  return type.kind === 'primitive' && !isFixed(type);
}

/**
 * Two versions need different code only when the differences matter for the field's type. An array
 * whose elements are written the same either way keeps one loop; only its length prefix branches.
 */
function modeKey(field: FieldSpec, mode: Mode): string {
  if (mode.kind !== 'present') return mode.kind;
  const type = field.type;
  const flex = type.kind === 'array' ? flexMatters(type.element) : flexMatters(type);
  const nullMatters = !isFixed(type);
  return `present:${flex && mode.flexible}:${nullMatters && mode.nullable}`;
}

/** Compact or classic encoding for a run of versions: fixed, or decided by a version test. */
type Flex = boolean | { readonly cond: string };

function segmentFlex(state: ModuleState, struct: StructSpec, field: FieldSpec, segment: Segment<Mode>): Flex {
  const versions = state.ctx(struct).filter((v) => v >= segment.first && v <= segment.last);
  const flexibleAt = (v: number): boolean =>
    contains(field.flexibleVersions ?? state.message.flexibleVersions, v);
  if (versions.every(flexibleAt)) return true;
  if (!versions.some(flexibleAt)) return false;
  const segments = segmentsOf(versions, flexibleAt, String);
  return { cond: orConds(branchesOf(versions, segments, (s) => !s.value).map((b) => b.cond))! };
}

function asBoolean(flex: Flex): boolean {
  if (typeof flex !== 'boolean') throw new Error('mixed compact and classic encodings in one branch');
  return flex;
}

/** Statements choosing between the compact and the classic form of a call. */
function flexStatements(flex: Flex, compact: string, classic: string): string[] {
  if (flex === true) return [compact];
  if (flex === false) return [classic];
  return [`if (${flex.cond}) {`, compact, '} else {', classic, '}'];
}

function flexExpr(flex: Flex, compact: string, classic: string): string {
  if (flex === true) return compact;
  if (flex === false) return classic;
  return `${flex.cond} ? ${compact} : ${classic}`;
}

function fieldSegments(state: ModuleState, struct: StructSpec, field: FieldSpec): Segment<Mode>[] {
  return segmentsOf(
    state.ctx(struct),
    (v) => modeAt(state, field, v),
    (m) => modeKey(field, m),
  );
}

const isPresent = (s: Segment<Mode>): boolean => s.value.kind === 'present';

function fnName(prefix: 'encode' | 'decode' | 'default' | 'isDefault', struct: StructSpec): string {
  return `${prefix}${struct.typeName}`;
}

function where(state: ModuleState, struct: StructSpec, field: FieldSpec): string {
  return struct === state.message.root
    ? `${struct.name}.${field.name}`
    : `${state.message.name}.${struct.name}.${field.name}`;
}

// ---------------------------------------------------------------------------------------------------
// Defaults

/** A fresh default value, for decoded objects. */
function decodedDefault(state: ModuleState, d: DefaultValue, struct: StructSpec | undefined): string {
  switch (d.kind) {
    case 'literal':
      return d.code;
    case 'null':
      return 'null';
    case 'emptyArray':
      return '[]';
    case 'emptyBuffer':
      return 'Buffer.alloc(0)';
    case 'zeroUuid':
      return state.use('ZERO_UUID');
    case 'struct':
      state.defaultFactories.add(struct!);
      return `${fnName('default', struct!)}()`;
  }
}

/** The default used when an input object leaves the field out. */
function inputDefault(state: ModuleState, d: DefaultValue): string {
  switch (d.kind) {
    case 'literal':
      return d.code;
    case 'null':
      return 'null';
    case 'emptyArray':
      return '[]';
    case 'emptyBuffer':
      return 'Buffer.alloc(0)';
    case 'zeroUuid':
      return state.use('ZERO_UUID');
    case 'struct':
      return '{}';
  }
}

function nestedStruct(state: ModuleState, field: FieldSpec): StructSpec | undefined {
  return structNameOf(field.type) === undefined ? undefined : structOf(state.message, field);
}

/** `m.x ?? default`, keeping an explicit null when the field is nullable. */
function inputValue(state: ModuleState, field: FieldSpec, obj = 'm'): string {
  const d = inputDefault(state, defaultOf(state.message, field));
  const access = `${obj}.${field.property}`;
  return isNullable(field) ? `${access} === undefined ? ${d} : ${access}` : `${access} ?? ${d}`;
}

/** Kafka writes a tagged field only when its value differs from the default. */
function nonDefaultTest(state: ModuleState, field: FieldSpec, v: string): string {
  const d = defaultOf(state.message, field);
  const nullable = isNullable(field);
  if (d.kind === 'null') return `${v} !== null`;
  const orNull = (test: string): string => (nullable ? `${v} === null || ${test}` : test);
  if (field.type.kind === 'array' || d.kind === 'emptyBuffer') return orNull(`${v}.length !== 0`);
  if (d.kind === 'struct') {
    const s = structOf(state.message, field);
    state.isDefaultChecks.add(s);
    return orNull(`!${fnName('isDefault', s)}(${v})`);
  }
  return `${v} !== ${inputDefault(state, d)}`;
}

/** The test that an input field is absent or equal to its default (the negation of nonDefaultTest). */
function isDefaultTest(state: ModuleState, field: FieldSpec): string {
  const v = `m.${field.property}`;
  const d = defaultOf(state.message, field);
  const nullable = isNullable(field);
  const notNull = (test: string): string => (nullable ? `${v} !== null && ${test}` : test);
  let test: string;
  if (d.kind === 'null') {
    test = `${v} === null`;
  } else if (field.type.kind === 'array' || d.kind === 'emptyBuffer') {
    test = notNull(`${v}.length === 0`);
  } else if (d.kind === 'struct') {
    const s = structOf(state.message, field);
    state.isDefaultChecks.add(s);
    test = notNull(`${fnName('isDefault', s)}(${v})`);
  } else {
    test = `${v} === ${inputDefault(state, d)}`;
  }
  return `${v} === undefined || ${test}`;
}

// ---------------------------------------------------------------------------------------------------
// Interfaces

function fieldComment(field: FieldSpec, ctx: readonly number[]): string[] {
  const facts: string[] = [];
  if (field.versions.lo > ctx[0]! || field.versions.hi < ctx[ctx.length - 1]!) {
    facts.push(`versions ${formatVersions(field.versions)}`);
  }
  if (field.nullableVersions.lo <= field.nullableVersions.hi)
    facts.push(`nullable ${formatVersions(field.nullableVersions)}`);
  if (field.tag !== undefined) facts.push(`tag ${field.tag} in ${formatVersions(field.taggedVersions)}`);
  if (field.defaultValue !== undefined) facts.push(`default ${field.defaultValue}`);
  return facts.length === 0 ? [] : [`/** ${facts.join(', ')} */`];
}

export function emitInterfaces(state: ModuleState, struct: StructSpec): string[] {
  const tagged = state.hasTaggedSection(struct);
  const out: string[] = [`export interface ${struct.typeName} {`];
  for (const f of struct.fields) {
    out.push(...fieldComment(f, state.ctx(struct)), `${f.property}: ${tsType(state.message, f, false)};`);
  }
  if (tagged) out.push(`unknownTaggedFields?: ${state.use('TaggedField')}[];`);
  out.push('}', '');
  out.push(`export interface ${struct.typeName}Input {`);
  for (const f of struct.fields) out.push(`${f.property}?: ${tsType(state.message, f, true)};`);
  if (tagged) out.push(`unknownTaggedFields?: TaggedField[];`);
  out.push('}', '');
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Encoding

/** Statements writing value `v` (an identifier) of the given type in one encoding. */
function writeValue(
  state: ModuleState,
  field: FieldSpec,
  type: FieldType,
  v: string,
  flexible: Flex,
  nullable: boolean,
  out: string,
): string[] {
  if (type.kind === 'primitive') {
    if (isFixed(type)) return [`${out}.write${fixedMethod(type.name)}(${v});`];
    return [`${out}.write${variableMethod(type.name, asBoolean(flexible), nullable)}(${v});`];
  }
  if (type.kind === 'struct') {
    const call = `${fnName('encode', structOf(state.message, field))}(${out}, ${v}, version);`;
    if (!nullable) return [call];
    // A nullable struct is preceded by a presence byte: -1 for null, 1 otherwise.
    return [`if (${v} === null) {`, `${out}.writeInt8(-1);`, '} else {', `${out}.writeInt8(1);`, call, '}'];
  }
  const length = (n: string): string[] =>
    flexStatements(flexible, `${out}.writeCompactArrayLength(${n});`, `${out}.writeArrayLength(${n});`);
  const elementFlex = flexMatters(type.element) ? flexible : false;
  const loop = [
    ...length(`${v}.length`),
    `for (const _e of ${v}) {`,
    ...writeValue(state, field, type.element, '_e', elementFlex, false, out),
    '}',
  ];
  if (!nullable) return loop;
  return [`if (${v} === null) {`, ...length('null'), '} else {', ...loop, '}'];
}

function nullGuard(state: ModuleState, struct: StructSpec, field: FieldSpec, v: string): string[] {
  return [
    `if (${v} === null) throw new RangeError(\`${where(state, struct, field)} cannot be null in version \${version}\`);`,
  ];
}

function encodeField(state: ModuleState, struct: StructSpec, field: FieldSpec): string[] {
  const ctx = state.ctx(struct);
  const segments = fieldSegments(state, struct, field);
  if (!segments.some((s) => s.value.kind !== 'absent')) return [];
  const present = segments.filter(isPresent);
  const tagged = segments.some((s) => s.value.kind === 'tagged');
  const needsGuard = present.some((s) => isNullable(field) && !(s.value as { nullable: boolean }).nullable);
  // A value written once, by a single call, needs no local.
  const inline = field.type.kind === 'primitive' && present.length <= 1 && !tagged && !needsGuard;
  const lines: string[] = [];
  let v = localName(field.property);
  if (inline) {
    v = `(${inputValue(state, field)})`;
  } else {
    const annotation =
      nestedStruct(state, field) !== undefined ? `: ${tsType(state.message, field, true)}` : '';
    lines.push(`const ${v}${annotation} = ${inputValue(state, field)};`);
  }
  const branches = branchesOf(ctx, segments, (s) => !isPresent(s)).map((b) => {
    const mode = b.segment.value as Extract<Mode, { kind: 'present' }>;
    const guard = isNullable(field) && !mode.nullable ? nullGuard(state, struct, field, v) : [];
    const flex = segmentFlex(state, struct, field, b.segment);
    return {
      cond: b.cond,
      lines: [...guard, ...writeValue(state, field, field.type, v, flex, mode.nullable, 'w')],
    };
  });
  return [...lines, ...renderIfChain(branches)];
}

/** For a tagged field: the version test (within flexible versions) and the per-version nullability. */
function taggedBranches(
  state: ModuleState,
  struct: StructSpec,
  field: FieldSpec,
  flexCtx: readonly number[],
) {
  const segments = segmentsOf(
    flexCtx,
    (v) => modeAt(state, field, v),
    (m) => (m.kind === 'tagged' ? `tagged:${m.nullable}` : 'other'),
  );
  return branchesOf(flexCtx, segments, (s) => s.value.kind !== 'tagged');
}

function taggedFields(state: ModuleState, struct: StructSpec, flexCtx: readonly number[]): FieldSpec[] {
  const fields = struct.fields
    .filter((f) => f.tag !== undefined && flexCtx.some((v) => modeAt(state, f, v).kind === 'tagged'))
    .sort((a, b) => a.tag! - b.tag!);
  fields.forEach((f, i) => {
    if (i > 0 && fields[i - 1]!.tag === f.tag)
      throw new Error(`${where(state, struct, f)}: tag ${f.tag} is used twice`);
  });
  return fields;
}

function orConds(conds: (string | null)[]): string | null {
  if (conds.includes(null)) return null;
  return conds.map((c) => `(${c})`).join(' || ');
}

/** Statements writing one known tagged field: tag, size, value. */
function writeTaggedValue(
  state: ModuleState,
  struct: StructSpec,
  field: FieldSpec,
  v: string,
  nullable: boolean,
): string[] {
  const tag = field.tag!;
  const out: string[] = [];
  const d = defaultOf(state.message, field);
  const body: string[] = [];
  const size = field.type.kind === 'primitive' ? FIXED_SIZE[field.type.name] : undefined;
  if (size !== undefined) {
    body.push(`w.writeUnsignedVarint(${tag});`, `w.writeUnsignedVarint(${size});`);
    body.push(...writeValue(state, field, field.type, v, true, false, 'w'));
  } else {
    state.use('Writer:value');
    body.push('const _tw = new Writer();');
    // A nullable tagged struct carries a presence marker before its fields.
    if (nullable && field.type.kind === 'struct') body.push('_tw.writeInt8(1);');
    body.push(...writeValue(state, field, field.type, v, true, false, '_tw'));
    body.push(`${state.use('writeTaggedField')}(w, ${tag}, _tw);`);
  }
  if (isNullable(field) && d.kind !== 'null') {
    // null differs from a non-null default: sent as a one-byte field holding the compact null (0).
    out.push(
      `if (${v} === null) {`,
      `w.writeUnsignedVarint(${tag});`,
      'w.writeUnsignedVarint(1);',
      'w.writeUnsignedVarint(0);',
    );
    out.push('} else {', ...body, '}');
  } else {
    out.push(...body);
  }
  return out;
}

function encodeTaggedSection(state: ModuleState, struct: StructSpec): string[] {
  if (!state.hasTaggedSection(struct)) return [];
  const ctx = state.ctx(struct);
  const flexCtx = ctx.filter((v) => contains(state.message.flexibleVersions, v));
  const fields = taggedFields(state, struct, flexCtx);
  let body: string[];
  if (fields.length === 0) {
    body = [`${state.use('writeRawTaggedFields')}(w, m.unknownTaggedFields);`];
  } else {
    const tests = fields.map((f) => {
      const v = localName(f.property);
      const versionTest = orConds(taggedBranches(state, struct, f, flexCtx).map((b) => b.cond));
      const valueTest = nonDefaultTest(state, f, v);
      return versionTest === null ? valueTest : `${versionTest} && (${valueTest})`;
    });
    body = [
      'const _unknown = m.unknownTaggedFields;',
      'let _count = _unknown === undefined ? 0 : _unknown.length;',
      ...tests.map((t) => `if (${t}) _count++;`),
      'w.writeUnsignedVarint(_count);',
      'let _u = 0;',
    ];
    fields.forEach((f, i) => {
      const nullable = taggedBranches(state, struct, f, flexCtx).some(
        (b) => (b.segment.value as { nullable: boolean }).nullable,
      );
      body.push(`if (${tests[i]}) {`);
      // Unknown tags are kept in ascending order around the known ones.
      body.push(`_u = ${state.use('writeRawTaggedFieldsBelow')}(w, _unknown, _u, ${f.tag});`);
      body.push(...writeTaggedValue(state, struct, f, localName(f.property), nullable), '}');
    });
    body.push('writeRawTaggedFieldsBelow(w, _unknown, _u, Infinity);');
  }
  const segments = segmentsOf(
    ctx,
    (v) => contains(state.message.flexibleVersions, v),
    (f) => String(f),
  );
  return renderIfChain(
    branchesOf(ctx, segments, (s) => !s.value).map((b) => ({ cond: b.cond, lines: body })),
  );
}

function versionCheck(state: ModuleState, errorClass: string): string[] {
  const { lo, hi } = state.message.validVersions;
  return [
    lo === hi ? `if (version !== ${lo}) {` : `if (!(version >= ${lo} && version <= ${hi})) {`,
    `throw new ${errorClass}(\`${state.message.name}: unsupported version \${version}\`);`,
    '}',
  ];
}

export function emitEncoder(state: ModuleState, struct: StructSpec): string[] {
  const isRoot = struct === state.message.root;
  const name = fnName('encode', struct);
  const out = [
    `${isRoot ? 'export ' : ''}function ${name}(w: Writer, m: ${struct.typeName}Input, version: number): void {`,
  ];
  if (isRoot) out.push(...versionCheck(state, 'RangeError'));
  for (const f of struct.fields) out.push(...encodeField(state, struct, f));
  out.push(...encodeTaggedSection(state, struct));
  out.push('}', '');
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Decoding

type Read = { expr: string } | { lines: (target: string) => string[] };

function readValue(
  state: ModuleState,
  struct: StructSpec,
  field: FieldSpec,
  type: FieldType,
  flexible: Flex,
  nullable: boolean,
  tagged: boolean,
): Read {
  if (type.kind === 'primitive') {
    if (isFixed(type)) return { expr: `r.read${fixedMethod(type.name)}()` };
    return { expr: `r.read${variableMethod(type.name, asBoolean(flexible), nullable)}()` };
  }
  if (type.kind === 'struct') {
    const call = `${fnName('decode', structOf(state.message, field))}(r, version)`;
    if (!nullable) return { expr: call };
    // Presence marker: an int8 in the body, an unsigned varint inside a tagged field.
    const marker = tagged ? 'r.readUnsignedVarint() <= 0' : 'r.readInt8() < 0';
    return { expr: `${marker} ? null : ${call}` };
  }
  const elementFlex = flexMatters(type.element) ? flexible : false;
  const element = readValue(state, struct, field, type.element, elementFlex, false, false);
  if (!('expr' in element))
    throw new Error(`${where(state, struct, field)}: nested arrays are not supported`);
  const elementType = baseTsType(state.message, type.element, false);
  return {
    lines: (target) => {
      const fill = [
        `const _a: ${elementType}[] = [];`,
        `for (let _i = 0; _i < _n; _i++) _a.push(${element.expr});`,
        `${target} = _a;`,
      ];
      const head = `const _n = ${flexExpr(flexible, 'r.readCompactArrayLength()', 'r.readArrayLength()')};`;
      if (nullable) return [head, 'if (_n < 0) {', `${target} = null;`, '} else {', ...fill, '}'];
      const error = state.use('ProtocolDecodeError');
      return [head, `if (_n < 0) throw new ${error}('${where(state, struct, field)} is null');`, ...fill];
    },
  };
}

function decodeField(state: ModuleState, struct: StructSpec, field: FieldSpec): string[] {
  const ctx = state.ctx(struct);
  // Absent and tagged versions both start from the default, so they share a branch here.
  const segments = segmentsOf(
    ctx,
    (v) => modeAt(state, field, v),
    (m) => (m.kind === 'present' ? modeKey(field, m) : 'default'),
  );
  const local = localName(field.property);
  const d = decodedDefault(state, defaultOf(state.message, field), nestedStruct(state, field));
  // Versions that carry the field get tested first; every other version falls through to the default.
  const reads: { cond: string | null; read: Read }[] = branchesOf(ctx, segments, (s) => !isPresent(s)).map(
    (b) => {
      const mode = b.segment.value as Extract<Mode, { kind: 'present' }>;
      const flex = segmentFlex(state, struct, field, b.segment);
      return { cond: b.cond, read: readValue(state, struct, field, field.type, flex, mode.nullable, false) };
    },
  );
  if (reads.length === 0 || reads[reads.length - 1]!.cond !== null)
    reads.push({ cond: null, read: { expr: d } });
  const tagged = ctx.some((v) => modeAt(state, field, v).kind === 'tagged');
  const type = tsType(state.message, field, false);
  if (reads.every((x) => 'expr' in x.read)) {
    const expr = renderTernary(reads.map((x) => ({ cond: x.cond, expr: (x.read as { expr: string }).expr })));
    return [tagged ? `let ${local}: ${type} = ${expr};` : `const ${local} = ${expr};`];
  }
  const chain = renderIfChain(
    reads.map((x) => ({
      cond: x.cond,
      lines: 'expr' in x.read ? [`${local} = ${x.read.expr};`] : x.read.lines(local),
    })),
  );
  // A lone unconditional block still needs its own scope for the temporaries.
  const scoped = reads.length === 1 && reads[0]!.cond === null ? ['{', ...chain, '}'] : chain;
  return [`let ${local}: ${type};`, ...scoped];
}

function decodeTaggedSection(state: ModuleState, struct: StructSpec): string[] {
  if (!state.hasTaggedSection(struct)) return [];
  const ctx = state.ctx(struct);
  const flexCtx = ctx.filter((v) => contains(state.message.flexibleVersions, v));
  const flexSegments = segmentsOf(
    ctx,
    (v) => contains(state.message.flexibleVersions, v),
    (f) => String(f),
  );
  const flexBranches = branchesOf(ctx, flexSegments, (s) => !s.value);
  const fields = taggedFields(state, struct, flexCtx);
  if (fields.length === 0) {
    const read = `${state.use('readRawTaggedFields')}(r)`;
    const branches = flexBranches.map((b) => ({ cond: b.cond, expr: read }));
    if (branches[branches.length - 1]!.cond !== null) branches.push({ cond: null, expr: 'undefined' });
    return [`const _unknown = ${renderTernary(branches)};`];
  }
  const readUnknown = `_unknown = ${state.use('readRawTaggedField')}(r, _unknown, _tag, _size);`;
  const body = [
    'const _count = r.readUnsignedVarint();',
    'for (let _k = 0; _k < _count; _k++) {',
    'const _tag = r.readUnsignedVarint();',
    'const _size = r.readUnsignedVarint();',
    'switch (_tag) {',
  ];
  for (const f of fields) {
    const local = localName(f.property);
    const branches = taggedBranches(state, struct, f, flexCtx).map((b) => {
      const nullable = (b.segment.value as { nullable: boolean }).nullable;
      const read = readValue(state, struct, f, f.type, true, nullable, true);
      const assign = 'expr' in read ? [`${local} = ${read.expr};`] : read.lines(local);
      return {
        cond: b.cond,
        lines: [
          `const _end = ${state.use('taggedFieldEnd')}(r, _size);`,
          ...assign,
          `${state.use('finishTaggedField')}(r, _end, _tag);`,
        ],
      };
    });
    // In flexible versions where the field is not tagged, its tag is just an unknown tag.
    const hasFallback = branches[branches.length - 1]!.cond !== null;
    const chain = renderIfChain(hasFallback ? [...branches, { cond: null, lines: [readUnknown] }] : branches);
    body.push(`case ${f.tag}: {`, ...chain, 'break;', '}');
  }
  body.push('default:', readUnknown, '}', '}');
  const chain = renderIfChain(flexBranches.map((b) => ({ cond: b.cond, lines: body })));
  return [`let _unknown: ${state.use('TaggedField')}[] | undefined;`, ...chain];
}

function returnObject(state: ModuleState, struct: StructSpec): string[] {
  const props = struct.fields.map((f) => {
    const local = localName(f.property);
    return local === f.property ? `${f.property},` : `${f.property}: ${local},`;
  });
  if (state.hasTaggedSection(struct)) props.push('unknownTaggedFields: _unknown,');
  return ['return {', ...props, '};'];
}

export function emitDecoder(state: ModuleState, struct: StructSpec): string[] {
  const isRoot = struct === state.message.root;
  const out = [
    `${isRoot ? 'export ' : ''}function ${fnName('decode', struct)}(r: Reader, version: number): ${struct.typeName} {`,
  ];
  if (isRoot) out.push(...versionCheck(state, state.use('ProtocolDecodeError')));
  for (const f of struct.fields) out.push(...decodeField(state, struct, f));
  out.push(...decodeTaggedSection(state, struct));
  out.push(...returnObject(state, struct), '}', '');
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Default factories and default checks (for struct-typed fields)

export function emitDefaultFactory(state: ModuleState, struct: StructSpec): string[] {
  const props = struct.fields.map(
    (f) => `${f.property}: ${decodedDefault(state, defaultOf(state.message, f), nestedStruct(state, f))},`,
  );
  if (state.hasTaggedSection(struct)) props.push('unknownTaggedFields: undefined,');
  return [
    `function ${fnName('default', struct)}(): ${struct.typeName} {`,
    'return {',
    ...props,
    '};',
    '}',
    '',
  ];
}

export function emitIsDefault(state: ModuleState, struct: StructSpec): string[] {
  const tests = struct.fields.map((f) => `(${isDefaultTest(state, f)})`);
  if (state.hasTaggedSection(struct))
    tests.push('(m.unknownTaggedFields === undefined || m.unknownTaggedFields.length === 0)');
  const body = tests.length === 0 ? 'true' : tests.join(' && ');
  return [
    `function ${fnName('isDefault', struct)}(m: ${struct.typeName}Input): boolean {`,
    `return ${body};`,
    '}',
    '',
  ];
}
