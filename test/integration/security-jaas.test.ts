// A broker whose PLAIN users come only from Kafka's JAAS setting, as a server.properties writes it:
// kcat (librdkafka) logs in as one of them over SASL_PLAINTEXT, and a wrong password is refused.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { kcat } from '../helpers/kcat.js';
import { listenerPorts } from '../helpers/security.js';

let broker: RunningBroker;
let port: number;

beforeAll(async () => {
  broker = await startBroker({
    overrides: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
        'username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice secret";',
      'connection.failed.authentication.delay.ms': 10,
    },
  });
  port = (await listenerPorts(broker, ['SASL_PLAINTEXT'])).SASL_PLAINTEXT!;
});

afterAll(async () => {
  await broker?.stop();
});

const sasl = (user: string, password: string) => [
  '-b',
  `127.0.0.1:${port}`,
  '-X',
  'security.protocol=SASL_PLAINTEXT',
  '-X',
  'sasl.mechanisms=PLAIN',
  '-X',
  `sasl.username=${user}`,
  '-X',
  `sasl.password=${password}`,
];

describe('PLAIN users from listener.name.<listener>.plain.sasl.jaas.config', () => {
  it('lets a JAAS user produce and consume with kcat', async () => {
    await kcat([...sasl('alice', 'alice secret'), '-P', '-t', 'jaas'], { input: 'one\ntwo\n' });
    const out = await kcat([
      ...sasl('alice', 'alice secret'),
      '-C',
      '-t',
      'jaas',
      '-o',
      'beginning',
      '-e',
      '-q',
    ]);
    expect(out.trim().split('\n')).toEqual(['one', 'two']);
  });

  it('refuses a wrong password', async () => {
    await expect(kcat([...sasl('alice', 'wrong'), '-L'], { timeoutMs: 10_000 })).rejects.toThrow(
      /Authentication failed|SASL authentication error|Invalid username or password/i,
    );
  });
});
