// Number formatting of the monitor's views (the Ink panels and the plain tables). Unknown values
// show as '-'. MB = 10^6 bytes, as in the bench output.

import { fmtMs, fmtRate } from '../bench/ui/format.js';

export const DASH = '-';

/** Records per second: `250.0 k`, `12`; '-' when unknown. */
export function fmtMsgRate(n: number | null): string {
  if (n === null) return DASH;
  return n > 0 && n < 10 ? n.toFixed(1) : fmtRate(n);
}

/** Bytes per second as MB/s with two decimals; '-' when unknown. */
export function fmtMBps(bytesPerSec: number | null): string {
  return bytesPerSec === null ? DASH : (bytesPerSec / 1e6).toFixed(2);
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** `0 B`, `12.3 kB`, `4.56 GB` (powers of 1000). */
export function fmtBytes(n: number | null): string {
  if (n === null) return DASH;
  let v = n;
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v.toFixed(0)} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${UNITS[u]}`;
}

/** `42s`, `3m 05s`, `2h 07m`, `4d 03h`. */
export function fmtUptime(seconds: number | null): string {
  if (seconds === null) return DASH;
  const s = Math.floor(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86400)}d ${pad(Math.floor(s / 3600) % 24)}h`;
}

/** `1,234,567`; '-' when unknown. */
export function fmtCount(n: number | null): string {
  return n === null ? DASH : Math.round(n).toLocaleString('en-US');
}

/** A lag trend: `+120/s` (falling behind), `-35/s` (catching up), `0/s`; '-' when unknown. */
export function fmtTrend(perSec: number | null): string {
  if (perSec === null) return DASH;
  const r = Math.round(perSec);
  if (r === 0) return '0/s';
  return `${r > 0 ? '+' : '-'}${fmtRate(Math.abs(r)).replace(' ', '')}/s`;
}

/** Latency in ms ('-' when unknown). */
export function fmtLatency(ms: number | null): string {
  return ms === null ? DASH : fmtMs(ms);
}

/** `text` cut to `width` columns (with an ellipsis) and padded; right-aligned when `right`. */
export function cell(text: string, width: number, right = false): string {
  if (width <= 0) return '';
  const t = text.length > width ? (width === 1 ? '…' : text.slice(0, width - 1) + '…') : text;
  return right ? t.padStart(width) : t.padEnd(width);
}
