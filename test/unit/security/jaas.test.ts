// Kafka's sasl.jaas.config grammar for the PLAIN users of a server.properties, through the config
// loader as a broker reads it.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { parseJaasConfig, plainUsersFromJaas } from '../../../src/security/jaas.js';
import { securitySettingsFromConfig } from '../../../src/security/settings.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fluxmq-jaas-'));
  dirs.push(dir);
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';

describe('sasl.jaas.config', () => {
  it('reads the login module, its flag and quoted or bare options', () => {
    const m = parseJaasConfig(
      `${PLAIN} required username="admin" password="a \\"quoted\\" \\\\ secret" user_bob=bare-secret ;`,
    );
    expect(m.loginModule).toBe(PLAIN);
    expect(m.flag).toBe('required');
    expect(Object.fromEntries(m.options)).toEqual({
      username: 'admin',
      password: 'a "quoted" \\ secret',
      user_bob: 'bare-secret',
    });
  });

  it('takes the user_<name> options of PlainLoginModule as PLAIN users', () => {
    const users = plainUsersFromJaas(
      `${PLAIN} required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice;secret";`,
    );
    expect(Object.fromEntries(users)).toEqual({ admin: 'admin-secret', alice: 'alice;secret' });
  });

  it('refuses what Kafka refuses, saying what is wrong', () => {
    expect(() => parseJaasConfig(`${PLAIN} required user_a="x"`)).toThrow(/missing ';'/);
    expect(() => parseJaasConfig(`${PLAIN} mandatory user_a="x";`)).toThrow(/control flag/);
    expect(() => parseJaasConfig(`${PLAIN} required user_a="x`)).toThrow(/unterminated/);
    expect(() => parseJaasConfig(`${PLAIN} required user_a;`)).toThrow(/key=value/);
    expect(() => parseJaasConfig(`${PLAIN} required; ${PLAIN} required;`)).toThrow(/more than one/);
    expect(() =>
      plainUsersFromJaas('org.apache.kafka.common.security.scram.ScramLoginModule required;'),
    ).toThrow(/expected org.apache.kafka.common.security.plain.PlainLoginModule/);
  });

  it('comes from a server.properties written across lines, next to sasl.plain.users', () => {
    const config = loadConfig({
      env: {},
      file: file(
        'server.properties',
        [
          'sasl.enabled.mechanisms=PLAIN',
          'sasl.plain.users=carol:carol-secret',
          'listener.name.SASL_PLAINTEXT.plain.sasl.jaas.config=\\',
          `    ${PLAIN} required \\`,
          '    username="admin" \\',
          '    password="admin-secret" \\',
          '    user_admin="admin-secret" \\',
          '    user_alice="alice-secret";',
          'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
          '',
        ].join('\n'),
      ),
    });
    expect(config.warnings).toEqual([]);
    expect(config.jaas.map((j) => [j.listener, j.mechanism])).toEqual([
      ['sasl_plaintext', 'plain'],
      ['sasl_plaintext', 'scram-sha-256'],
    ]);
    const settings = securitySettingsFromConfig(config);
    expect(Object.fromEntries(settings.plainUsers)).toEqual({
      carol: 'carol-secret',
      admin: 'admin-secret',
      alice: 'alice-secret',
    });
  });

  it('fails the start, naming the key, on a bad setting or one user with two passwords', () => {
    const bad = loadConfig({
      env: {},
      flags: { 'listener.name.sasl_plaintext.plain.sasl.jaas.config': `${PLAIN} required user_a="x"` },
    });
    expect(() => securitySettingsFromConfig(bad)).toThrow(
      /command line: listener.name.sasl_plaintext.plain.sasl.jaas.config: missing ';'/,
    );
    const twice = loadConfig({
      env: {},
      flags: {
        'sasl.plain.users': 'alice:one',
        'listener.name.sasl_ssl.plain.sasl.jaas.config': `${PLAIN} required user_alice="two";`,
      },
    });
    expect(() => securitySettingsFromConfig(twice)).toThrow(/PLAIN user 'alice' has another password/);
  });
});
