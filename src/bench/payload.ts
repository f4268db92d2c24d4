// Record payloads for benchmarks: deterministic pseudo-random printable bytes, so compression
// codecs see text-like data (compressible, but not trivially) and runs are repeatable.

const ALPHABET = Buffer.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;:-_{}"');

export function payload(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = ALPHABET[x % ALPHABET.length]!;
  }
  return out;
}
