// Small synchronous file helpers shared by the storage modules. The hot paths use positional
// readSync/writeSync into the page cache (see MEASUREMENTS.md: far cheaper than async fs here);
// only the periodic flush uses the async fsync, so it never blocks the event loop.
//
// `fs` is imported as the default (CommonJS) object on purpose: tests can spy on fs.fsyncSync or
// fs.writeSync to count flushes or inject I/O errors.

import fs from 'node:fs';
import path from 'node:path';

/** Writes all `length` bytes of `buf[offset..]` at file `position`, looping over short writes. */
export function writeFully(fd: number, buf: Buffer, offset: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = fs.writeSync(fd, buf, offset + done, length - done, position + done);
    if (n <= 0) throw new Error(`write returned ${n} with ${length - done} bytes left`);
    done += n;
  }
}

/** Reads up to `length` bytes at `position` into `buf[offset..]`; returns the bytes read (less only at EOF). */
export function readFully(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** fsync a directory so that created, renamed and deleted entries in it are durable. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

export async function fsyncDirAsync(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `file` atomically and durably: write `file.tmp`, fsync it, rename over `file`, fsync the
 * directory. A crash leaves either the old or the new content, never a mix.
 */
export function writeFileAtomicSync(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp`;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = fs.openSync(tmp, 'w');
  try {
    writeFully(fd, bytes, 0, bytes.length, 0);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

/** Removes a file; true when it existed. */
export function unlinkIfExists(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** Closes a descriptor, ignoring errors (used on paths that are already failing or shutting down). */
export function closeQuietly(fd: number): void {
  if (fd < 0) return;
  try {
    fs.closeSync(fd);
  } catch {
    // already closed or the device is gone: nothing more to do
  }
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
