// Structured logs with pino: JSON lines by default, human-readable when stdout is a TTY or when
// asked for. One line per notable event; nothing per request at info.

import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerOptions {
  level?: string;
  format?: LogFormat;
  /** Where JSON lines go (default stdout). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const format = opts.format ?? 'auto';
  const usePretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const base = { name: 'fluxmq' };
  if (usePretty) {
    return pino(
      { level, base },
      pretty({ sync: true, colorize: process.stdout.isTTY === true, ignore: 'pid,hostname,name' }),
    );
  }
  if (opts.destination) return pino({ level, base }, opts.destination);
  return pino({ level, base }, pino.destination({ fd: 1, sync: false }));
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
