// Everything security on one broker: the persisted store (ACLs, SCRAM credentials; in the data
// directory, or in the cluster metadata in cluster mode), the authorizer when authorizer.class.name
// is set, PLAIN users, the per-address limit on failed authentications, and a session for each new
// connection.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SecurityProtocol } from '../config/listeners.js';
import type { Logger } from '../observability/logger.js';
import { Authorizer } from './authorizer.js';
import { SecuritySession, type CredentialLookup } from './sasl.js';
import type { ScramMechanism } from './scram.js';
import type { SecuritySettings } from './settings.js';
import { SECURITY_FILE, SecurityStore, type ClusterSecurity } from './store.js';

const WINDOW_MS = 60_000;

export class SecurityManager implements CredentialLookup {
  readonly store: SecurityStore;
  readonly authorizer: Authorizer | null;
  private readonly failures = new Map<string, { since: number; count: number; logged: boolean }>();
  private interBrokerSecret = '';

  constructor(
    readonly settings: SecuritySettings,
    dataDir: string,
    private readonly logger: Logger,
    cluster?: ClusterSecurity,
  ) {
    if (cluster && existsSync(join(dataDir, SECURITY_FILE))) {
      // Kept per broker before; a cluster shares one set, which this broker's file must not fork.
      logger.warn(
        { file: join(dataDir, SECURITY_FILE) },
        'ignoring the local ACLs and SCRAM credentials: in a cluster they live in the cluster metadata',
      );
    }
    this.store = cluster ? SecurityStore.inCluster(cluster) : SecurityStore.open(dataDir);
    this.authorizer = settings.authorizerEnabled
      ? new Authorizer(this.store, settings.superUsers, settings.allowEveryoneIfNoAcl)
      : null;
  }

  newSession(
    protocol: SecurityProtocol,
    clientHost: string,
    certPrincipal: string | null,
    interBroker = false,
  ): SecuritySession {
    return new SecuritySession(protocol, clientHost, certPrincipal ?? undefined, interBroker);
  }

  /** Sets the secret brokers of this cluster authenticate to each other with (cluster mode). */
  setInterBrokerSecret(secret: string): void {
    this.interBrokerSecret = secret;
  }

  /**
   * Credentials accepted on the inter-broker listener: user `broker-<id>` with the cluster's secret,
   * nothing else (client users and SCRAM credentials do not work there).
   */
  readonly interBrokerLookup: CredentialLookup = {
    plainPassword: (user) =>
      this.interBrokerSecret !== '' && /^broker-\d+$/.test(user) ? this.interBrokerSecret : undefined,
    scram: () => undefined,
  };

  plainPassword(user: string): string | undefined {
    return this.settings.plainUsers.get(user);
  }

  scram(mechanism: ScramMechanism, user: string) {
    return this.store.scramCredential(mechanism, user);
  }

  /** True when this address made too many failed attempts in the last minute. */
  blocked(host: string, now = Date.now()): boolean {
    const f = this.failures.get(host);
    return f !== undefined && now - f.since < WINDOW_MS && f.count >= this.settings.failedAuthMaxPerMinute;
  }

  /** Records a failed authentication (logged; a burst from one address is logged once per window). */
  recordFailure(host: string, detail: Record<string, unknown>, now = Date.now()): void {
    let f = this.failures.get(host);
    if (!f || now - f.since >= WINDOW_MS) {
      f = { since: now, count: 0, logged: false };
      this.failures.set(host, f);
    }
    f.count++;
    if (this.failures.size > 10_000) {
      for (const [h, v] of this.failures) if (now - v.since >= WINDOW_MS) this.failures.delete(h);
    }
    this.logger.warn({ ...detail, clientHost: host, failures: f.count }, 'authentication failed');
    if (f.count >= this.settings.failedAuthMaxPerMinute && !f.logged) {
      f.logged = true;
      this.logger.warn(
        { clientHost: host, limit: this.settings.failedAuthMaxPerMinute },
        'too many failed authentications from one address: refusing it for the rest of the minute',
      );
    }
  }
}
