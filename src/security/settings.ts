// The broker's security settings, read once from the resolved configuration: TLS key material
// locations, SASL mechanisms and PLAIN users, and the authorizer switches.

import type { ResolvedConfig } from '../config/load.js';
import { ConfigError } from '../config/load.js';
import { plainUsersFromJaas } from './jaas.js';
import type { SaslMechanism } from './sasl.js';

export type ClientAuth = 'required' | 'requested' | 'none';

export interface TlsSettings {
  keystoreLocation: string;
  keyPassword: string;
  truststoreLocation: string;
  clientAuth: ClientAuth;
  protocols: ('TLSv1.2' | 'TLSv1.3')[];
}

export interface SecuritySettings {
  tls: TlsSettings;
  mechanisms: SaslMechanism[];
  /** PLAIN users from the config (user -> password). */
  plainUsers: Map<string, string>;
  /** SASL session lifetime in ms (KIP-368); 0: no expiry. */
  reauthMs: number;
  failedAuthDelayMs: number;
  failedAuthMaxPerMinute: number;
  authorizerEnabled: boolean;
  superUsers: Set<string>;
  allowEveryoneIfNoAcl: boolean;
}

const list = (v: string, sep = ','): string[] =>
  v
    .split(sep)
    .map((s) => s.trim())
    .filter(Boolean);

export function securitySettingsFromConfig(config: ResolvedConfig): SecuritySettings {
  const plainUsers = new Map<string, string>();
  for (const pair of list(config.get<string>('sasl.plain.users'))) {
    const colon = pair.indexOf(':');
    if (colon <= 0) throw new ConfigError(`sasl.plain.users: '${pair}' must be user:password`);
    plainUsers.set(pair.slice(0, colon), pair.slice(colon + 1));
  }
  addJaasPlainUsers(config, plainUsers);
  return {
    tls: {
      keystoreLocation: config.get<string>('ssl.keystore.location'),
      keyPassword: config.get<string>('ssl.key.password'),
      truststoreLocation: config.get<string>('ssl.truststore.location'),
      clientAuth: config.get<string>('ssl.client.auth') as ClientAuth,
      protocols: list(config.get<string>('ssl.enabled.protocols')) as TlsSettings['protocols'],
    },
    mechanisms: list(config.get<string>('sasl.enabled.mechanisms')) as SaslMechanism[],
    plainUsers,
    reauthMs: config.get<number>('connections.max.reauth.ms'),
    failedAuthDelayMs: config.get<number>('connection.failed.authentication.delay.ms'),
    failedAuthMaxPerMinute: config.get<number>('connection.failed.authentication.max.per.minute'),
    authorizerEnabled: config.get<string>('authorizer.class.name').trim() !== '',
    superUsers: new Set(list(config.get<string>('super.users'), ';')),
    allowEveryoneIfNoAcl: config.get<boolean>('allow.everyone.if.no.acl.found'),
  };
}

/**
 * The PLAIN users of Kafka's `listener.name.<listener>.plain.sasl.jaas.config` settings (the
 * user_<name> options), so a server.properties can be reused. FluxMQ keeps one set of PLAIN users
 * for every listener: the same user with two passwords is a configuration error. Other mechanisms'
 * JAAS settings carry only a broker's own inter-broker credentials and are not needed here.
 */
function addJaasPlainUsers(config: ResolvedConfig, plainUsers: Map<string, string>): void {
  for (const setting of config.jaas) {
    if (setting.mechanism !== 'plain') continue;
    let users: Map<string, string>;
    try {
      users = plainUsersFromJaas(setting.value);
    } catch (err) {
      throw new ConfigError(`${setting.origin}: ${(err as Error).message}`);
    }
    for (const [user, password] of users) {
      const known = plainUsers.get(user);
      if (known !== undefined && known !== password) {
        throw new ConfigError(
          `${setting.origin}: PLAIN user '${user}' has another password in another setting; ` +
            'FluxMQ keeps one set of PLAIN users for all listeners',
        );
      }
      plainUsers.set(user, password);
    }
  }
}
