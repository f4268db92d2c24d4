// Errors of FluxMQ's Kafka clients (admin, producer, reader), each saying what failed in words a
// person can act on. The CLI maps them to exit codes: broker errors 1, unreachable cluster 3,
// unsupported API or version 4.

import { ERROR_MESSAGES, errorName } from '../protocol/errors.js';

/** A Kafka error code in a response. */
export class KafkaRequestError extends Error {
  override name = 'KafkaRequestError';
  constructor(
    readonly code: number,
    /** What was being done, e.g. "create topic 'orders'". */
    readonly what: string,
    serverMessage?: string | null,
  ) {
    super(
      `cannot ${what}: ${errorName(code)}: ${serverMessage || ERROR_MESSAGES.get(code)?.message || 'error'}`,
    );
  }

  get errorName(): string {
    return errorName(this.code);
  }
}

/** No bootstrap server could be reached, or a broker went away mid-request. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/** The broker does not serve an API, or no version both sides speak. */
export class UnsupportedApiError extends Error {
  override name = 'UnsupportedApiError';
}

/** Throws KafkaRequestError unless `code` is 0. */
export function check(code: number | undefined, what: string, message?: string | null): void {
  if (code !== undefined && code !== 0) throw new KafkaRequestError(code, what, message);
}
