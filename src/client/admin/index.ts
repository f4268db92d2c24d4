// FluxMQ's Kafka admin client: one object over a ClusterClient with the operations the `fluxmq`
// admin commands use. It speaks only the Kafka protocol, so it works against FluxMQ and any Kafka
// broker (each request in the highest version both sides support).

import { ClusterClient, type ClusterClientOptions } from '../cluster.js';
import { createAcls, deleteAcls, describeAcls, type AclEntry, type AclEntryFilter } from './acls.js';
import { deleteScramUser, describeScramUsers, upsertScramUser, type ScramUpsertion } from './users.js';
import type { ScramMechanism } from '../../security/scram.js';
import { describeCluster } from './cluster-info.js';
import { alterConfigs, describeConfigs, type DescribeConfigsOptions } from './configs.js';
import {
  commitOffsets,
  committedOffsets,
  deleteGroups,
  describeGroup,
  listGroups,
  resetOffsets,
  type ResetScope,
} from './groups.js';
import { listOffsets } from './offsets.js';
import {
  alterPartitionReassignments,
  electLeaders,
  listPartitionReassignments,
  type TopicPartitions,
} from './replication.js';
import { describeTransaction, listTransactions, type ListTransactionsOptions } from './transactions.js';
import {
  addPartitions,
  createTopic,
  deleteRecords,
  deleteTopics,
  describeTopics,
  listTopics,
} from './topics.js';
import type {
  ConfigAlteration,
  ConfigResource,
  CreateTopicSpec,
  ElectionType,
  OffsetResetTarget,
  ReassignmentTarget,
  TopicPartitionRef,
} from './types.js';

export * from './types.js';
export type { DescribeConfigsOptions } from './configs.js';
export type { ResetScope } from './groups.js';
export type { TopicPartitions } from './replication.js';
export type {
  AclEntry,
  AclEntryFilter,
  AclPatternTypeName,
  AclPermissionName,
  AclResourceTypeName,
} from './acls.js';
export type { ScramUpsertion, ScramUserCredential } from './users.js';
export type { ListTransactionsOptions, TransactionDescription, TransactionSummary } from './transactions.js';

export class Admin {
  private constructor(readonly client: ClusterClient) {}

  static async connect(opts: ClusterClientOptions): Promise<Admin> {
    return new Admin(await ClusterClient.connect(opts));
  }

  close(): void {
    this.client.close();
  }

  listTopics(includeInternal = false) {
    return listTopics(this.client, includeInternal);
  }

  describeTopics(names: string[]) {
    return describeTopics(this.client, names);
  }

  createTopic(spec: CreateTopicSpec, validateOnly = false) {
    return createTopic(this.client, spec, validateOnly);
  }

  deleteTopics(names: string[]) {
    return deleteTopics(this.client, names);
  }

  addPartitions(topic: string, total: number, validateOnly = false) {
    return addPartitions(this.client, topic, total, validateOnly);
  }

  deleteRecords(targets: { topic: string; partition: number; offset: number }[]) {
    return deleteRecords(this.client, targets);
  }

  listOffsets(partitions: TopicPartitionRef[], timestamp: number) {
    return listOffsets(this.client, partitions, timestamp);
  }

  describeConfigs(resources: ConfigResource[], opts: DescribeConfigsOptions = {}) {
    return describeConfigs(this.client, resources, opts);
  }

  alterConfigs(resource: ConfigResource, changes: ConfigAlteration[], validateOnly = false) {
    return alterConfigs(this.client, resource, changes, validateOnly);
  }

  describeCluster() {
    return describeCluster(this.client);
  }

  /** Preferred or unclean leader elections; `targets` null elects wherever needed in the cluster. */
  electLeaders(type: ElectionType, targets: TopicPartitions[] | null = null) {
    return electLeaders(this.client, type, targets);
  }

  /** Starts reassignments (target replicas) or cancels them (replicas null). */
  alterPartitionReassignments(targets: ReassignmentTarget[]) {
    return alterPartitionReassignments(this.client, targets);
  }

  listPartitionReassignments(targets: TopicPartitions[] | null = null) {
    return listPartitionReassignments(this.client, targets);
  }

  listGroups() {
    return listGroups(this.client);
  }

  describeGroup(groupId: string) {
    return describeGroup(this.client, groupId);
  }

  committedOffsets(groupId: string) {
    return committedOffsets(this.client, groupId);
  }

  commitOffsets(groupId: string, offsets: { topic: string; partition: number; newOffset: number }[]) {
    return commitOffsets(this.client, groupId, offsets);
  }

  deleteGroups(groupIds: string[]) {
    return deleteGroups(this.client, groupIds);
  }

  resetOffsets(groupId: string, scope: ResetScope, target: OffsetResetTarget, execute: boolean) {
    return resetOffsets(this.client, groupId, scope, target, execute);
  }

  listTransactions(opts: ListTransactionsOptions = {}) {
    return listTransactions(this.client, opts);
  }

  describeTransaction(transactionalId: string) {
    return describeTransaction(this.client, transactionalId);
  }

  createAcls(entries: AclEntry[]) {
    return createAcls(this.client, entries);
  }

  describeAcls(filter: AclEntryFilter = {}) {
    return describeAcls(this.client, filter);
  }

  deleteAcls(filters: AclEntryFilter[]) {
    return deleteAcls(this.client, filters);
  }

  describeScramUsers(users: string[] | null = null) {
    return describeScramUsers(this.client, users);
  }

  upsertScramUser(upsertion: ScramUpsertion) {
    return upsertScramUser(this.client, upsertion);
  }

  deleteScramUser(user: string, mechanisms?: ScramMechanism[]) {
    return deleteScramUser(this.client, user, mechanisms);
  }
}
