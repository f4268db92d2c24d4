// SaslAuthenticate (key 36), v0-v2: one token of the SASL exchange begun by SaslHandshake. On success
// the session carries the principal; v1+ answers session_lifetime_ms (connections.max.reauth.ms) and
// the client re-authenticates before it ends (KIP-368). A failure answers SASL_AUTHENTICATION_FAILED
// after connection.failed.authentication.delay.ms, with the same words whether or not the user exists,
// and closes the connection; an address with too many failures in a minute is refused unchecked.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type SaslAuthenticateRequest,
  type SaslAuthenticateResponseInput,
} from '../../protocol/messages/index.js';
import { AuthenticationError } from '../../security/sasl.js';
import type { ApiHandler } from '../handler.js';

const failure = (errorCode: number, errorMessage: string): SaslAuthenticateResponseInput => ({
  errorCode,
  errorMessage,
  authBytes: Buffer.alloc(0),
  sessionLifetimeMs: 0,
});

export const saslAuthenticateHandler: ApiHandler<SaslAuthenticateRequest, SaslAuthenticateResponseInput> = {
  apiKey: ApiKey.SaslAuthenticate,
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    const security = ctx.broker.security;
    const session = ctx.session;
    if (!security || !session?.usesSasl || !session.inExchange) {
      ctx.closeConnection();
      return failure(ErrorCode.ILLEGAL_SASL_STATE, 'SaslAuthenticate before a SaslHandshake');
    }
    try {
      if (security.blocked(session.clientHost)) throw new AuthenticationError('too many failed attempts');
      const out = session.step(req.authBytes, security.settings.reauthMs);
      if (out.done) {
        ctx.logger.debug({ conn: ctx.connection, principal: session.principal }, 'authenticated');
      }
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        authBytes: out.token,
        sessionLifetimeMs: out.sessionLifetimeMs,
      };
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      session.fail();
      security.recordFailure(session.clientHost, {
        conn: ctx.connection,
        mechanism: session.mechanism,
        reason: err.message,
      });
      ctx.closeConnection();
      const message = /malformed|too large|encoding/.test(err.message)
        ? `Authentication failed: ${err.message}`
        : 'Authentication failed: Invalid username or password';
      return new Promise((resolve) =>
        setTimeout(
          () => resolve(failure(ErrorCode.SASL_AUTHENTICATION_FAILED, message)),
          security.settings.failedAuthDelayMs,
        ),
      );
    }
  },
  errorResponse(_req, errorCode) {
    return failure(errorCode, null as unknown as string);
  },
};
