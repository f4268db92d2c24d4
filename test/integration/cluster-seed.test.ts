// A single broker grows into a cluster: its data directory, started with cluster.metadata against
// an empty etcd, creates the cluster under its own cluster id and hands over its topics (ids,
// partitions, configs, records), its groups' committed offsets, its ACLs and SCRAM users and its
// dynamic broker configs. A second broker joins and takes a replica by reassignment. A topic
// deleted in the cluster stays deleted when the first broker restarts (its local metadata forgot
// what it handed over).

import { afterAll, describe, expect, it } from 'vitest';
import { logLevel, Kafka } from 'kafkajs';
import { startBroker, tempDataDir, type RunningBroker } from '../helpers/broker.js';
import { cliJson, runCli } from '../helpers/cli.js';
import { startEtcd, type RunningEtcd } from '../helpers/etcd.js';
import { freePort } from '../helpers/http.js';
import { kcat } from '../helpers/kcat.js';
import { FAST_CLUSTER_SETTINGS } from '../helpers/cluster.js';
import { waitFor } from '../helpers/cluster-clients.js';

let etcd: RunningEtcd | undefined;
const brokers: RunningBroker[] = [];

afterAll(async () => {
  for (const b of brokers) await b.kill9().catch(() => {});
  await etcd?.stop();
});

function kafkaAt(bootstrap: string): Kafka {
  return new Kafka({ clientId: 'seed-test', brokers: [bootstrap], logLevel: logLevel.NOTHING });
}

/** Names and ids of the topics that are not internal, as `fluxmq topics list` reports them. */
async function topicIds(bootstrap: string): Promise<Record<string, string>> {
  const { topics } = await cliJson<{ topics: { name: string; topicId: string; internal: boolean }[] }>(
    bootstrap,
    ['topics', 'list'],
  );
  return Object.fromEntries(topics.filter((t) => !t.internal).map((t) => [t.name, t.topicId]));
}

describe('a single broker seeds a cluster', () => {
  it('hands its topics, records, committed offsets, ACLs, users and broker configs to the cluster, which then grows', async () => {
    const dataDir = tempDataDir('fluxmq-seed-');
    const port = await freePort();
    // ACLs need an authorizer; everyone may do what no ACL names
    const security = {
      'authorizer.class.name': 'StandardAuthorizer',
      'allow.everyone.if.no.acl.found': true,
    };
    const single = await startBroker({ dataDir, port, overrides: security });
    brokers.push(single);
    await kcat(['-b', single.bootstrap, '-P', '-t', 'legacy'], { input: 'a\nb\nc\n' });
    const created = await runCli([
      'topics',
      'create',
      'orders',
      '-p',
      '3',
      '--config',
      'retention.ms=3600000',
      '--bootstrap-server',
      single.bootstrap,
    ]);
    expect(created.code, created.stderr).toBe(0);
    const admin = kafkaAt(single.bootstrap).admin();
    await admin.connect();
    await admin.setOffsets({
      groupId: 'billing',
      topic: 'legacy',
      partitions: [{ partition: 0, offset: '2' }],
    });
    await admin.disconnect();
    for (const args of [
      ['acl', 'add', '-o', 'read', '-t', 'payroll', '--allow-principal', 'User:alice'],
      ['users', 'add', '-u', 'alice', '-p', 'alice-secret'],
      ['configs', 'alter', '--broker-defaults', '--set', 'log.retention.ms=7200000'],
    ]) {
      const r = await runCli([...args, '--bootstrap-server', single.bootstrap]);
      expect(r.code, r.stderr).toBe(0);
    }
    const before = await topicIds(single.bootstrap);
    expect(Object.keys(before).sort()).toEqual(['legacy', 'orders']);
    expect(await single.stop()).toBe(0);

    etcd = await startEtcd();
    const clusterOverrides = {
      ...FAST_CLUSTER_SETTINGS,
      ...security,
      'cluster.metadata': `etcd://${etcd.endpoint}`,
    };
    const first = await startBroker({ dataDir, port, overrides: clusterOverrides });
    brokers.push(first);
    expect(first.logs.some((l) => l.msg === 'topics of a single broker adopted by the cluster')).toBe(true);
    expect(await topicIds(first.bootstrap)).toEqual(before);
    const acls = await cliJson<{ acls: { principal: string; resourceName: string }[] }>(first.bootstrap, [
      'acl',
      'list',
    ]);
    expect(acls.acls).toEqual([
      expect.objectContaining({ principal: 'User:alice', resourceName: 'payroll' }),
    ]);
    const users = await cliJson<{ users: { user: string }[] }>(first.bootstrap, ['users', 'list']);
    expect(users.users.map((u) => u.user)).toEqual(['alice']);
    const defaults = await cliJson<{ configs: { name: string; value: string; source: string }[] }>(
      first.bootstrap,
      ['configs', 'describe', '--broker-defaults'],
    );
    expect(defaults.configs).toContainEqual(
      expect.objectContaining({
        name: 'log.retention.ms',
        value: '7200000',
        source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
      }),
    );
    const read = await kcat(['-b', first.bootstrap, '-C', '-t', 'legacy', '-o', 'beginning', '-e', '-q']);
    expect(read).toBe('a\nb\nc\n');
    const cadmin = kafkaAt(first.bootstrap).admin();
    await cadmin.connect();
    try {
      const offsets = await cadmin.fetchOffsets({ groupId: 'billing', topics: ['legacy'] });
      expect(offsets[0]!.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '2' })]);
      const configs = await cadmin.describeConfigs({
        resources: [{ type: 2, name: 'orders', configNames: ['retention.ms'] }],
        includeSynonyms: false,
      });
      expect(configs.resources[0]!.configEntries[0]).toMatchObject({
        configName: 'retention.ms',
        configValue: '3600000',
      });

      // a second broker joins (a fresh directory adopts nothing) and takes a replica of legacy
      const second = await startBroker({
        dataDir: tempDataDir('fluxmq-seed-2-'),
        port: await freePort(),
        overrides: { ...clusterOverrides, 'node.id': 2 },
      });
      brokers.push(second);
      expect(second.logs.some((l) => l.msg === 'topics of a single broker adopted by the cluster')).toBe(
        false,
      );
      const moved = await runCli([
        'cluster',
        'reassign',
        '--topic',
        'legacy',
        '--partition',
        '0',
        '--replicas',
        '1,2',
        '--bootstrap-server',
        first.bootstrap,
      ]);
      expect(moved.code, moved.stderr).toBe(0);
      await waitFor('legacy on brokers 1 and 2, both in sync', async () => {
        const md = await cadmin.fetchTopicMetadata({ topics: ['legacy'] });
        const p = md.topics[0]!.partitions[0]!;
        return p.replicas.length === 2 && p.isr.length === 2;
      });
      const fromSecond = await kcat([
        '-b',
        second.bootstrap,
        '-C',
        '-t',
        'legacy',
        '-o',
        'beginning',
        '-e',
        '-q',
      ]);
      expect(fromSecond).toBe('a\nb\nc\n');

      // deleted in the cluster, orders stays deleted across a restart of the first broker
      await cadmin.deleteTopics({ topics: ['orders'] });
    } finally {
      await cadmin.disconnect();
    }
    // another single broker's directory cannot join the cluster that now exists
    const otherDir = tempDataDir('fluxmq-seed-other-');
    const other = await startBroker({ dataDir: otherDir, port: await freePort() });
    expect(await other.stop()).toBe(0);
    await expect(
      startBroker({
        dataDir: otherDir,
        port: await freePort(),
        overrides: { ...clusterOverrides, 'node.id': 3 },
      }),
    ).rejects.toThrow(/holds the data of cluster .* a broker joins a cluster with an empty data directory/s);

    expect(await first.stop()).toBe(0);
    const again = await startBroker({ dataDir, port, overrides: clusterOverrides });
    brokers.push(again);
    expect(Object.keys(await topicIds(again.bootstrap))).toEqual(['legacy']);
  }, 120_000);
});
