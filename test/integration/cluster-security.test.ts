// ACLs, SCRAM credentials and dynamic broker configs on a real 3-broker cluster with the authorizer
// on: all three live in the cluster metadata, as Kafka keeps them in its metadata rather than per
// broker, so a change made through one broker holds on every broker within the watch latency.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaConnection, type ClientSaslMechanism } from '../../src/client/connection.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { Operation, PatternType, Permission, ResourceType } from '../../src/security/acl.js';
import { saltedPassword, type ScramMechanism } from '../../src/security/scram.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/cluster-clients.js';
import { authorizerOverrides } from '../helpers/security.js';

const USERS = { admin: 'admin-secret', alice: 'alice-secret' };
const BROKER = 4; // ConfigResource type
const TOPIC = 'guarded';

let cluster: TestCluster;

/** A connection to a broker's SASL listener, authenticated as `user`. */
function connect(
  id: number,
  user: string,
  password: string,
  mechanism: ClientSaslMechanism = 'PLAIN',
): Promise<KafkaConnection> {
  return KafkaConnection.connect('127.0.0.1', cluster.node(id).saslPort, {
    requestTimeoutMs: 10_000,
    security: { sasl: { mechanism, username: user, password } },
  });
}

/** A request over a fresh connection authenticated as `user` (PLAIN). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the response type follows apiKey at run time
async function as<Res = any>(
  id: number,
  user: keyof typeof USERS,
  apiKey: number,
  version: number,
  body: unknown,
): Promise<Res> {
  const c = await connect(id, user, USERS[user]);
  try {
    return await c.request<Res>(apiKey, version, body);
  } finally {
    c.close();
  }
}

async function canLogIn(id: number, user: string, password: string, mechanism: ScramMechanism) {
  try {
    (await connect(id, user, password, mechanism)).close();
    return true;
  } catch {
    return false;
  }
}

/** Alice's Metadata error for the topic on a broker: NONE once she may describe it. */
async function aliceSeesTopic(id: number): Promise<number> {
  const md = await as(id, 'alice', ApiKey.Metadata, 5, {
    topics: [{ name: TOPIC }],
    allowAutoTopicCreation: false,
  });
  return md.topics[0].errorCode as number;
}

const aliceMayDescribe = {
  resourceType: ResourceType.TOPIC,
  resourceName: TOPIC,
  resourcePatternType: PatternType.LITERAL,
  principal: 'User:alice',
  host: '*',
  operation: Operation.DESCRIBE,
  permissionType: Permission.ALLOW,
};

async function brokerConfig(id: number, key: string) {
  const res = await as(id, 'admin', ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType: BROKER, resourceName: String(id), configurationKeys: [key] }],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  return res.results[0].configs[0] as { value: string; configSource: number };
}

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    saslListener: true,
    overrides: {
      ...authorizerOverrides(USERS),
      'auto.create.topics.enable': false,
    },
  });
  const created = await as(1, 'admin', ApiKey.CreateTopics, 7, {
    topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
}, 120_000);

afterAll(async () => {
  await cluster?.close();
});

describe('security metadata shared by the cluster', () => {
  it('lets a SCRAM user created through broker 1 log in on brokers 2 and 3, and a deletion through broker 3 hold on broker 1', async () => {
    const upsertions = (['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const).map((m, i) => {
      const salt = randomBytes(16);
      return {
        name: 'carol',
        mechanism: i + 1,
        iterations: 4096,
        salt,
        saltedPassword: saltedPassword(m, 'carol-secret', salt, 4096),
      };
    });
    const altered = await as(1, 'admin', ApiKey.AlterUserScramCredentials, 0, { deletions: [], upsertions });
    expect(altered.results).toEqual([expect.objectContaining({ user: 'carol', errorCode: ErrorCode.NONE })]);
    // broker 1 applied its own write before answering
    expect(await canLogIn(1, 'carol', 'carol-secret', 'SCRAM-SHA-512')).toBe(true);
    for (const id of [2, 3]) {
      await waitFor(`carol logs in on broker ${id}`, () =>
        canLogIn(id, 'carol', 'carol-secret', 'SCRAM-SHA-256'),
      );
      expect(await canLogIn(id, 'carol', 'carol-secret', 'SCRAM-SHA-512')).toBe(true);
      expect(await canLogIn(id, 'carol', 'wrong', 'SCRAM-SHA-256')).toBe(false);
    }
    const described = await as(2, 'admin', ApiKey.DescribeUserScramCredentials, 0, {
      users: [{ name: 'carol' }],
    });
    expect(described.results[0]).toMatchObject({
      user: 'carol',
      errorCode: ErrorCode.NONE,
      credentialInfos: [
        { mechanism: 1, iterations: 4096 },
        { mechanism: 2, iterations: 4096 },
      ],
    });

    const deleted = await as(3, 'admin', ApiKey.AlterUserScramCredentials, 0, {
      deletions: [{ name: 'carol', mechanism: 2 }],
      upsertions: [],
    });
    expect(deleted.results).toEqual([expect.objectContaining({ user: 'carol', errorCode: ErrorCode.NONE })]);
    await waitFor(
      'the SCRAM-SHA-512 credential gone on broker 1',
      async () => !(await canLogIn(1, 'carol', 'carol-secret', 'SCRAM-SHA-512')),
    );
    expect(await canLogIn(1, 'carol', 'carol-secret', 'SCRAM-SHA-256')).toBe(true);
  });

  it('applies an ACL created through broker 1 on broker 3, and its deletion through broker 2 everywhere', async () => {
    for (const id of [1, 2, 3]) expect(await aliceSeesTopic(id)).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);

    const created = await as(1, 'admin', ApiKey.CreateAcls, 3, { creations: [aliceMayDescribe] });
    expect(created.results).toEqual([expect.objectContaining({ errorCode: ErrorCode.NONE })]);
    // broker 1 authorizes with it as soon as it answered; the others once the watch brings it
    expect(await aliceSeesTopic(1)).toBe(ErrorCode.NONE);
    await waitFor('alice may describe on broker 3', async () => (await aliceSeesTopic(3)) === ErrorCode.NONE);
    await waitFor('alice may describe on broker 2', async () => (await aliceSeesTopic(2)) === ErrorCode.NONE);
    const listed = await as(3, 'admin', ApiKey.DescribeAcls, 3, {
      resourceTypeFilter: ResourceType.ANY,
      resourceNameFilter: null,
      patternTypeFilter: PatternType.ANY,
      principalFilter: 'User:alice',
      hostFilter: null,
      operation: Operation.ANY,
      permissionType: Permission.ANY,
    });
    expect(listed.resources).toEqual([
      expect.objectContaining({
        resourceType: ResourceType.TOPIC,
        resourceName: TOPIC,
        acls: [expect.objectContaining({ principal: 'User:alice', operation: Operation.DESCRIBE })],
      }),
    ]);
    // creating it again (through another broker) keeps one binding
    await as(3, 'admin', ApiKey.CreateAcls, 3, { creations: [aliceMayDescribe] });

    const filter = {
      resourceTypeFilter: ResourceType.TOPIC,
      resourceNameFilter: TOPIC,
      patternTypeFilter: PatternType.LITERAL,
      principalFilter: 'User:alice',
      hostFilter: null,
      operation: Operation.ANY,
      permissionType: Permission.ANY,
    };
    const deleted = await as(2, 'admin', ApiKey.DeleteAcls, 3, { filters: [filter] });
    expect(deleted.filterResults).toHaveLength(1);
    expect(deleted.filterResults[0]).toMatchObject({ errorCode: ErrorCode.NONE });
    expect(deleted.filterResults[0].matchingAcls).toEqual([
      expect.objectContaining({
        resourceName: TOPIC,
        principal: 'User:alice',
        operation: Operation.DESCRIBE,
      }),
    ]);
    expect(await aliceSeesTopic(2)).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    for (const id of [1, 3]) {
      await waitFor(
        `alice refused again on broker ${id}`,
        async () => (await aliceSeesTopic(id)) === ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      );
    }
    // nothing left to delete, seen from broker 3
    const again = await as(3, 'admin', ApiKey.DeleteAcls, 3, { filters: [filter] });
    expect(again.filterResults[0].matchingAcls).toEqual([]);
  });
});

describe('dynamic broker configs shared by the cluster', () => {
  it('shows a cluster default set through broker 2 on broker 3, and a per-broker value only on its broker', async () => {
    const altered = await as(2, 'admin', ApiKey.IncrementalAlterConfigs, 1, {
      resources: [
        {
          resourceType: BROKER,
          resourceName: '',
          configs: [{ name: 'log.retention.ms', configOperation: 0, value: '3600000' }],
        },
        {
          resourceType: BROKER,
          resourceName: '2',
          configs: [{ name: 'compression.type', configOperation: 0, value: 'gzip' }],
        },
      ],
      validateOnly: false,
    });
    expect(altered.responses.map((r: { errorCode: number }) => r.errorCode)).toEqual([0, 0]);

    await waitFor('the cluster default on broker 3', async () => {
      const c = await brokerConfig(3, 'log.retention.ms');
      return c.value === '3600000' && c.configSource === 3; // DYNAMIC_DEFAULT_BROKER_CONFIG
    });
    expect(await brokerConfig(1, 'log.retention.ms')).toMatchObject({ value: '3600000', configSource: 3 });
    expect(await brokerConfig(2, 'compression.type')).toMatchObject({ value: 'gzip', configSource: 2 });
    expect((await brokerConfig(3, 'compression.type')).value).not.toBe('gzip');

    // the topic inherits the default on every broker
    const topic = await as(3, 'admin', ApiKey.DescribeConfigs, 4, {
      resources: [{ resourceType: 2, resourceName: TOPIC, configurationKeys: ['retention.ms'] }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    expect(topic.results[0].configs[0]).toMatchObject({ value: '3600000', configSource: 3 });

    // DELETE of the default through broker 1: broker 3 falls back to its static value
    await as(1, 'admin', ApiKey.IncrementalAlterConfigs, 1, {
      resources: [
        {
          resourceType: BROKER,
          resourceName: '',
          configs: [{ name: 'log.retention.ms', configOperation: 1, value: null }],
        },
      ],
      validateOnly: false,
    });
    await waitFor(
      'the default gone on broker 3',
      async () => (await brokerConfig(3, 'log.retention.ms')).configSource !== 3,
    );
  });

  it('keeps every key of IncrementalAlterConfigs sent at once to three brokers for one resource', async () => {
    const keys = ['log.retention.bytes', 'log.roll.ms', 'log.cleaner.min.compaction.lag.ms'];
    const results = await Promise.all(
      keys.map((name, i) =>
        as(i + 1, 'admin', ApiKey.IncrementalAlterConfigs, 1, {
          resources: [
            {
              resourceType: BROKER,
              resourceName: '',
              configs: [{ name, configOperation: 0, value: String(3_600_000 + i) }],
            },
          ],
          validateOnly: false,
        }),
      ),
    );
    expect(results.map((r) => r.responses[0].errorCode)).toEqual([0, 0, 0]);
    for (const [i, key] of keys.entries()) {
      await waitFor(`${key} on broker 1`, async () => {
        const c = await brokerConfig(1, key);
        return c.value === String(3_600_000 + i) && c.configSource === 3;
      });
    }
  });
});
