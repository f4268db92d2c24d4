// SASL on one connection: the mechanism chosen by SaslHandshake, the exchange driven by
// SaslAuthenticate (or raw tokens after a v0 handshake), the resulting principal and, with
// connections.max.reauth.ms, when the session ends (KIP-368 re-authentication).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { SecurityProtocol } from '../config/listeners.js';
import { ScramError, ScramServer, type ScramCredential, type ScramMechanism } from './scram.js';

export type SaslMechanism = 'PLAIN' | ScramMechanism;

/** Largest SASL token accepted (Kafka: sasl.server.max.receive.size). */
export const MAX_SASL_TOKEN_BYTES = 512 * 1024;

export const ANONYMOUS = 'User:ANONYMOUS';

export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

export interface CredentialLookup {
  plainPassword(user: string): string | undefined;
  scram(mechanism: ScramMechanism, user: string): ScramCredential | undefined;
}

interface Exchange {
  step(token: Buffer): { token: Buffer; done: boolean };
  readonly userName: string;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** PLAIN (RFC 4616): `authzid NUL authcid NUL password`, checked in constant time. */
class PlainExchange implements Exchange {
  userName = '';
  constructor(private readonly lookup: CredentialLookup) {}

  step(token: Buffer): { token: Buffer; done: boolean } {
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw new AuthenticationError('malformed PLAIN token');
    const [authzid, user, password] = parts as [string, string, string];
    if (user === '' || (authzid !== '' && authzid !== user)) {
      throw new AuthenticationError('invalid PLAIN token');
    }
    this.userName = user;
    const expected = this.lookup.plainPassword(user);
    // Hash both sides: equal lengths for timingSafeEqual, and the same work for unknown users.
    const ok = timingSafeEqual(sha256(password), sha256(expected ?? '\u0000unknown user'));
    if (!ok || expected === undefined) throw new AuthenticationError('invalid credentials');
    return { token: Buffer.alloc(0), done: true };
  }
}

export type SaslState = 'handshake' | 'authenticate' | 'authenticated' | 'failed';

/** Per-connection security state: the listener's protocol, the principal, the SASL exchange. */
export class SecuritySession {
  principal: string;
  state: SaslState;
  mechanism: SaslMechanism | null = null;
  /** Set after a SaslHandshake v0: the next frames are raw SASL tokens. */
  rawTokens = false;
  /** Epoch ms when the SASL session ends (0: never). */
  expiresAt = 0;
  private exchange: Exchange | null = null;

  constructor(
    readonly protocol: SecurityProtocol,
    /** The client's IP address (ACL hosts match it). */
    readonly clientHost: string,
    principal = ANONYMOUS,
    /**
     * On the inter-broker listener: only brokers of the cluster authenticate here (PLAIN with the
     * cluster's inter-broker secret), so an authenticated session there is a broker.
     */
    readonly interBroker = false,
  ) {
    this.principal = principal;
    this.state = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL' ? 'handshake' : 'authenticated';
  }

  get usesSasl(): boolean {
    return this.protocol === 'SASL_PLAINTEXT' || this.protocol === 'SASL_SSL';
  }

  get authenticated(): boolean {
    return this.state === 'authenticated';
  }

  expired(now = Date.now()): boolean {
    return this.expiresAt > 0 && now > this.expiresAt;
  }

  /** SaslHandshake: false when the mechanism is not enabled. */
  begin(mechanism: string, enabled: readonly SaslMechanism[], lookup: CredentialLookup): boolean {
    if (!enabled.includes(mechanism as SaslMechanism)) return false;
    this.mechanism = mechanism as SaslMechanism;
    this.exchange =
      mechanism === 'PLAIN'
        ? new PlainExchange(lookup)
        : new ScramServer(mechanism as ScramMechanism, (u) => lookup.scram(mechanism as ScramMechanism, u));
    if (this.state === 'handshake') this.state = 'authenticate';
    return true;
  }

  get inExchange(): boolean {
    return this.exchange !== null;
  }

  /**
   * One SaslAuthenticate token. Returns the server's token; `done` when the client is authenticated
   * (principal set). Throws AuthenticationError when authentication fails.
   */
  step(token: Buffer, reauthMs: number): { token: Buffer; done: boolean; sessionLifetimeMs: number } {
    const exchange = this.exchange;
    if (!exchange) throw new AuthenticationError('SaslAuthenticate before SaslHandshake');
    if (token.length > MAX_SASL_TOKEN_BYTES) throw new AuthenticationError('SASL token too large');
    let out: { token: Buffer; done: boolean };
    try {
      out = exchange.step(token);
    } catch (err) {
      this.exchange = null;
      if (err instanceof ScramError || err instanceof AuthenticationError) {
        throw new AuthenticationError(err.message);
      }
      throw err;
    }
    if (!out.done) return { ...out, sessionLifetimeMs: 0 };
    this.exchange = null;
    const principal = `User:${exchange.userName}`;
    // KIP-368: re-authentication must keep the principal.
    if (this.state === 'authenticated' && this.usesSasl && principal !== this.principal) {
      throw new AuthenticationError('re-authentication changed the principal');
    }
    this.principal = principal;
    this.state = 'authenticated';
    this.expiresAt = reauthMs > 0 ? Date.now() + reauthMs : 0;
    return { ...out, sessionLifetimeMs: reauthMs };
  }

  fail(): void {
    this.exchange = null;
    this.state = 'failed';
  }
}
