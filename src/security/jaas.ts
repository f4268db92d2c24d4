// Kafka's broker-side JAAS configuration for SASL/PLAIN, as a server.properties writes it:
//
//   listener.name.sasl_plaintext.plain.sasl.jaas.config=\
//     org.apache.kafka.common.security.plain.PlainLoginModule required \
//     username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";
//
// One login module, a control flag, then key=value options (values quoted, with \" and \\ escapes,
// or bare), ending with ';'. Kafka's PLAIN server callback handler takes each user_<name> option as
// a user and its password; username/password are the broker's own credentials for inter-broker
// links, which FluxMQ authenticates with its cluster's secret instead, so they are not read here.

export const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

export interface JaasLoginModule {
  loginModule: string;
  flag: string;
  options: Map<string, string>;
}

export class JaasError extends Error {
  override name = 'JaasError';
}

/** Parses a `sasl.jaas.config` value: exactly one login module (Kafka's rule for this property). */
export function parseJaasConfig(text: string): JaasLoginModule {
  let at = 0;
  const skipSpace = () => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  const bareToken = (): string => {
    const start = at;
    while (at < text.length && !/[\s;=]/.test(text[at]!)) at++;
    return text.slice(start, at);
  };
  skipSpace();
  const loginModule = bareToken();
  if (loginModule === '') throw new JaasError('expected a login module class name');
  skipSpace();
  const flag = bareToken().toLowerCase();
  if (!FLAGS.has(flag)) {
    throw new JaasError(
      `expected a control flag (required, requisite, sufficient or optional) after ${loginModule}`,
    );
  }
  const options = new Map<string, string>();
  for (;;) {
    skipSpace();
    if (at >= text.length) throw new JaasError("missing ';' at the end of the login module");
    if (text[at] === ';') break;
    const key = bareToken();
    if (key === '' || text[at] !== '=')
      throw new JaasError(`expected key=value at '${text.slice(at, at + 20)}'`);
    at++; // '='
    let value: string;
    if (text[at] === '"') {
      at++;
      value = '';
      for (;;) {
        if (at >= text.length) throw new JaasError(`unterminated quoted value of ${key}`);
        const c = text[at++]!;
        if (c === '"') break;
        value += c === '\\' && at < text.length ? text[at++]! : c;
      }
    } else {
      value = bareToken();
    }
    options.set(key, value);
  }
  at++; // ';'
  skipSpace();
  if (at < text.length)
    throw new JaasError('more than one login module (Kafka allows one per sasl.jaas.config)');
  return { loginModule, flag, options };
}

/** The PLAIN users (user_<name>="<password>") of a PlainLoginModule configuration. */
export function plainUsersFromJaas(text: string): Map<string, string> {
  const module = parseJaasConfig(text);
  if (module.loginModule !== PLAIN_LOGIN_MODULE) {
    throw new JaasError(`expected ${PLAIN_LOGIN_MODULE} for PLAIN, not ${module.loginModule}`);
  }
  const users = new Map<string, string>();
  for (const [key, value] of module.options) {
    if (key.startsWith('user_') && key.length > 'user_'.length) users.set(key.slice('user_'.length), value);
  }
  return users;
}
