// Kafka error codes and a KafkaError that carries one.
import { ErrorCode, ERROR_MESSAGES } from './errors-table.js';

export { ErrorCode, ERROR_MESSAGES };
export type ErrorName = keyof typeof ErrorCode;

export function errorName(code: number): string {
  return ERROR_MESSAGES.get(code)?.name ?? `UNKNOWN_ERROR_${code}`;
}

/** An error with a Kafka error code, answered to the client as that code. */
export class KafkaError extends Error {
  override name = 'KafkaError';
  constructor(
    readonly code: number,
    message?: string,
  ) {
    super(message ?? ERROR_MESSAGES.get(code)?.message ?? errorName(code));
  }

  get errorName(): string {
    return errorName(this.code);
  }

  static of(name: ErrorName, message?: string): KafkaError {
    return new KafkaError(ErrorCode[name], message);
  }
}
