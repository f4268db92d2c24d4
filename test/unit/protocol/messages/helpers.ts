// Shared helpers for the generated-message tests.

import { expect } from 'vitest';
import { Reader } from '../../../../src/protocol/codec/reader.js';
import { Writer } from '../../../../src/protocol/codec/writer.js';

/**
 * Hex bytes written by hand: whitespace is ignored and `#` starts a comment running to the end of the
 * line, so every field can carry its own explanation.
 */
export function hex(strings: TemplateStringsArray, ...values: unknown[]): Buffer {
  const text = String.raw({ raw: strings }, ...values);
  const digits = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex: ${digits}`);
  return Buffer.from(digits, 'hex');
}

export type Encoder<T> = (w: Writer, m: T, version: number) => void;
export type Decoder<T> = (r: Reader, version: number) => T;

export function encode<T>(fn: Encoder<T>, m: T, version: number): Buffer {
  const w = new Writer(16);
  fn(w, m, version);
  return w.toBuffer();
}

/** Decodes and checks that the message used every byte of the input. */
export function decode<T>(fn: Decoder<T>, bytes: Buffer, version: number): T {
  const r = new Reader(bytes);
  const out = fn(r, version);
  expect(r.remaining, 'bytes left after decoding').toBe(0);
  return out;
}

/** A small deterministic PRNG (mulberry32), so random tests are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
