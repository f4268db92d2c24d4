// SaslHandshake (key 17), v0-v1: picks the mechanism of the SASL exchange and lists the enabled ones.
// v1 is followed by SaslAuthenticate requests; after v0 the client sends raw SASL tokens (see
// Connection). Only answered on SASL listeners; elsewhere ILLEGAL_SASL_STATE.

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type SaslHandshakeRequest,
  type SaslHandshakeResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler } from '../handler.js';
import type { SaslMechanism } from '../../security/sasl.js';

const INTER_BROKER_MECHANISMS: readonly SaslMechanism[] = ['PLAIN'];

export const saslHandshakeHandler: ApiHandler<SaslHandshakeRequest, SaslHandshakeResponseInput> = {
  apiKey: ApiKey.SaslHandshake,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const security = ctx.broker.security;
    const session = ctx.session;
    // the inter-broker listener takes only brokers' PLAIN logins with the cluster's secret
    const interBroker = session?.interBroker === true;
    const mechanisms = interBroker ? [...INTER_BROKER_MECHANISMS] : (security?.settings.mechanisms ?? []);
    if (!security || !session?.usesSasl || session.inExchange || session.state === 'failed') {
      ctx.closeConnection();
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
    }
    if (!session.begin(req.mechanism, mechanisms, interBroker ? security.interBrokerLookup : security)) {
      ctx.closeConnection();
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms };
    }
    if (ctx.header.apiVersion === 0) session.rawTokens = true;
    return { errorCode: ErrorCode.NONE, mechanisms };
  },
  errorResponse(_req, errorCode, ctx) {
    return { errorCode, mechanisms: ctx.broker.security?.settings.mechanisms ?? [] };
  },
};
