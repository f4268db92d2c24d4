import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameTooLargeError } from '../../../src/protocol/framing.js';

function frame(body: string): Buffer {
  const b = Buffer.from(body);
  const size = Buffer.alloc(4);
  size.writeInt32BE(b.length);
  return Buffer.concat([size, b]);
}

describe('FrameDecoder', () => {
  it('returns whole frames from one chunk without copying', () => {
    const d = new FrameDecoder(1000);
    const input = Buffer.concat([frame('abc'), frame(''), frame('hello')]);
    const frames = d.push(input);
    expect(frames.map((f) => f.toString())).toEqual(['abc', '', 'hello']);
    expect(frames[0]!.buffer).toBe(input.buffer);
    expect(d.pendingBytes).toBe(0);
  });

  it('reassembles frames split at every byte boundary', () => {
    const input = Buffer.concat([frame('first frame'), frame('second')]);
    for (let cut = 1; cut < input.length; cut++) {
      const d = new FrameDecoder(1000);
      const out = [...d.push(input.subarray(0, cut)), ...d.push(input.subarray(cut))];
      expect(out.map((f) => f.toString())).toEqual(['first frame', 'second']);
    }
  });

  it('byte by byte', () => {
    const d = new FrameDecoder(1000);
    const out: string[] = [];
    for (const b of frame('slow')) out.push(...d.push(Buffer.from([b])).map((f) => f.toString()));
    expect(out).toEqual(['slow']);
  });

  it('rejects an oversized or negative frame size before buffering the body', () => {
    const d = new FrameDecoder(10);
    expect(() => d.push(Buffer.from([0, 0, 0, 11]))).toThrow(FrameTooLargeError);
    expect(() => new FrameDecoder(10).push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(
      /negative frame size/,
    );
  });
});
