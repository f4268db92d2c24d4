// A single broker growing into a cluster: started with `cluster.metadata` on its own data
// directory, against an etcd that holds no cluster yet, it creates the cluster under the
// directory's cluster id (so the directory's meta.properties still matches) and hands over what
// it kept locally:
//   - its topics: same ids, partition counts and configs, each partition led by this broker alone,
//     the internal topics (committed offsets, transactions) included;
//   - its ACLs and SCRAM credentials (security.json);
//   - its dynamic broker configs (the cluster's own values win where both have a key).
// More brokers can then join, and `fluxmq cluster reassign` adds replicas. What was handed over is
// then dropped locally (security.json is renamed to security.json.handed-over), so a topic or ACL
// later deleted in the cluster does not come back at the next start. A directory of another
// cluster is refused, saying so; one of another node id is refused by the log manager.

import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterMetadataClient } from '../cluster/types.js';
import { MetadataStore } from '../cluster/metadata-store.js';
import type { Logger } from '../observability/logger.js';
import { SECURITY_FILE, SecurityStore } from '../security/store.js';
import { readMetaProperties } from '../storage/index.js';

/** The cluster id to create a new cluster with: the data directory's own, when it has one. */
export function seedClusterId(dataDir: string): string | undefined {
  return readMetaProperties(dataDir)?.clusterId || undefined;
}

export interface HandedOver {
  topics: string[];
  acls: number;
  scramCredentials: number;
  brokerConfigResources: number;
}

/** Hands this single broker's topics, security and dynamic broker configs to the cluster (see above). */
export async function handOverSingleBrokerState(
  dataDir: string,
  nodeId: number,
  cluster: ClusterMetadataClient,
  logger: Logger,
): Promise<HandedOver> {
  const none: HandedOver = { topics: [], acls: 0, scramCredentials: 0, brokerConfigResources: 0 };
  const meta = readMetaProperties(dataDir);
  if (meta && meta.clusterId !== '' && meta.clusterId !== cluster.clusterId) {
    throw new Error(
      `${dataDir} holds the data of cluster ${meta.clusterId}, but the cluster metadata store holds ` +
        `cluster ${cluster.clusterId}: a broker joins a cluster with an empty data directory (or its ` +
        `own from before); a single broker's directory seeds a cluster only against an etcd that ` +
        `holds none yet`,
    );
  }
  if (!meta || meta.nodeId !== nodeId) return none;
  const store = MetadataStore.open(dataDir);
  const securityFile = join(dataDir, SECURITY_FILE);
  const local = store.topics();
  const configResources = store.brokerConfigResources();
  if (local.length === 0 && configResources.length === 0 && !existsSync(securityFile)) return none;

  const image = cluster.image();
  const clash = local.filter((t) => {
    const known = image.topics.get(t.name);
    return known !== undefined && known.topicId !== t.topicId;
  });
  if (clash.length > 0) {
    throw new Error(
      `the cluster already has other topics named ${clash.map((t) => t.name).join(', ')} than ` +
        `${dataDir} holds; start this data directory against an etcd without a cluster, or move it away`,
    );
  }
  const topics = await cluster.adoptTopics(local.filter((t) => !image.topics.has(t.name)));
  for (const t of local) store.deleteTopic(t.name);

  let acls = 0;
  let scramCredentials = 0;
  if (existsSync(securityFile)) {
    const security = SecurityStore.open(dataDir);
    const bindings = security.allAcls();
    const credentials = security.storedCredentials();
    if (bindings.length > 0) await cluster.createAcls(bindings);
    if (credentials.length > 0) await cluster.alterScramCredentials(credentials, []);
    acls = bindings.length;
    scramCredentials = credentials.length;
    renameSync(securityFile, `${securityFile}.handed-over`);
  }

  for (const resource of configResources) {
    const configs = store.brokerConfigs(resource);
    await cluster.setBrokerConfigs(resource, (current) => ({ ...configs, ...current }));
    store.setBrokerConfigs(resource, {});
  }

  const handed = { topics, acls, scramCredentials, brokerConfigResources: configResources.length };
  logger.info(
    { ...handed, topics: topics.length, clusterId: cluster.clusterId },
    "this single broker's topics, ACLs, SCRAM users and broker configs are the cluster's now: " +
      'add brokers, and replicas with `fluxmq cluster reassign`',
  );
  return handed;
}
