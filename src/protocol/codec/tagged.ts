// Tagged fields (KIP-482): in flexible versions every struct ends with a count of tagged fields, each
// written as tag (unsigned varint), size (unsigned varint) and `size` bytes of data. Tags a decoder does
// not know are kept as raw bytes so a message can be re-encoded without losing them.

import { ProtocolDecodeError, type Reader } from './reader.js';
import type { Writer } from './writer.js';

export interface TaggedField {
  tag: number;
  /** The field's encoded value (a view into the decoded input). */
  data: Buffer;
}

/** Reads one tagged field of unknown meaning and appends it to `fields`. */
export function readRawTaggedField(
  r: Reader,
  fields: TaggedField[] | undefined,
  tag: number,
  size: number,
): TaggedField[] {
  const data = r.readRaw(size);
  if (fields === undefined) return [{ tag, data }];
  fields.push({ tag, data });
  return fields;
}

/** Reads a whole tagged-field section when the struct has no known tagged fields. */
export function readRawTaggedFields(r: Reader): TaggedField[] | undefined {
  const count = r.readUnsignedVarint();
  let fields: TaggedField[] | undefined;
  for (let i = 0; i < count; i++) {
    const tag = r.readUnsignedVarint();
    fields = readRawTaggedField(r, fields, tag, r.readUnsignedVarint());
  }
  return fields;
}

/** Where a known tagged field of `size` bytes ends; checked against the input. */
export function taggedFieldEnd(r: Reader, size: number): number {
  if (size > r.remaining) {
    throw new ProtocolDecodeError(`tagged field of ${size} bytes exceeds remaining input (${r.remaining})`);
  }
  return r.offset + size;
}

/** After decoding a known tagged field: it must not overrun its size; trailing bytes are skipped. */
export function finishTaggedField(r: Reader, end: number, tag: number): void {
  if (r.offset > end) throw new ProtocolDecodeError(`tagged field ${tag} is longer than its declared size`);
  r.offset = end;
}

/** Writes a whole tagged-field section made of raw fields only. */
export function writeRawTaggedFields(w: Writer, fields: readonly TaggedField[] | undefined): void {
  if (fields === undefined) {
    w.writeUnsignedVarint(0);
    return;
  }
  w.writeUnsignedVarint(fields.length);
  for (const f of fields) writeRawTaggedField(w, f);
}

/**
 * Writes the raw fields from index `from` whose tag is below `tag`, and returns the index of the first
 * one not written. Tagged fields go out in ascending tag order; this interleaves raw and known ones.
 */
export function writeRawTaggedFieldsBelow(
  w: Writer,
  fields: readonly TaggedField[] | undefined,
  from: number,
  tag: number,
): number {
  if (fields === undefined) return from;
  let i = from;
  while (i < fields.length && fields[i]!.tag < tag) writeRawTaggedField(w, fields[i++]!);
  return i;
}

function writeRawTaggedField(w: Writer, f: TaggedField): void {
  w.writeUnsignedVarint(f.tag);
  w.writeUnsignedVarint(f.data.length);
  w.writeRaw(f.data);
}

/** Writes a known tagged field whose value was encoded into `body`. */
export function writeTaggedField(w: Writer, tag: number, body: Writer): void {
  w.writeUnsignedVarint(tag);
  w.writeUnsignedVarint(body.length);
  for (const chunk of body.toBuffers()) w.writeRaw(chunk);
}
