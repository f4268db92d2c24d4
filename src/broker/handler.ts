// What every API handler is: the API key, the versions it truly serves (ApiVersions is derived from
// these), and a function from a decoded request to a response object (or null: no response).

import type { Logger } from '../observability/logger.js';
import { KafkaError } from '../protocol/errors.js';
import type { RequestHeader } from '../protocol/framing.js';
import type { SecuritySession } from '../security/sasl.js';
import type { BrokerState } from './broker-state.js';

export interface ConnectionInfo {
  id: number;
  remoteAddress: string;
  listener: string;
  /**
   * True only on the inter-broker listener after the peer authenticated as a broker of this
   * cluster: replica fetches (replica id >= 0) and other broker-only requests need it.
   */
  interBroker?: boolean;
}

export interface RequestContext {
  header: RequestHeader;
  connection: ConnectionInfo;
  broker: BrokerState;
  logger: Logger;
  /** The connection's principal and SASL state (absent outside a real connection). */
  session?: SecuritySession;
  /** Close this connection after this request (Kafka does so for errors on acks=0 produce). */
  closeConnection(): void;
}

export type HandlerResult<Res> = Res | null | Promise<Res | null>;

/**
 * Finishes a handler after a write that is done at once (single-node mode) or later (cluster mode,
 * where it goes to the cluster metadata first): `done` with its result, `failed` with a KafkaError
 * it threw (the code the API answers); any other error fails the whole request.
 */
export function afterWrite<T, R>(
  write: () => T | Promise<T>,
  done: (value: T) => R,
  failed: (err: KafkaError) => R,
): R | Promise<R> {
  const onError = (err: unknown): R => {
    if (err instanceof KafkaError) return failed(err);
    throw err;
  };
  let value: T | Promise<T>;
  try {
    value = write();
  } catch (err) {
    return onError(err);
  }
  return value instanceof Promise ? value.then(done, onError) : done(value);
}

export interface ApiHandler<Req = unknown, Res = unknown> {
  apiKey: number;
  /** Lowest version advertised in ApiVersions (defaults to minVersion). */
  advertisedMinVersion?: number;
  /** Lowest version actually served; requests below it (but advertised) get errorResponse. */
  minVersion: number;
  maxVersion: number;
  handle(request: Req, ctx: RequestContext): HandlerResult<Res>;
  /** A valid response carrying `errorCode` everywhere it fits, for refused versions and unexpected failures. */
  errorResponse?(request: Req, errorCode: number, ctx: RequestContext): Res | null;
}
