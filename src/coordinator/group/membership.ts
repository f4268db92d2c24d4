// The classic group membership protocol: JoinGroup, SyncGroup, Heartbeat and LeaveGroup, with
// Kafka's semantics and error codes.
//
// - A JoinGroup waits (its Promise stays pending, other requests keep flowing) until every known
//   member has rejoined or the rebalance timeout (largest of the members') passes; members that did
//   not rejoin by then are removed (static members stay, they expire by session timeout only).
// - An empty group's first rebalance waits group.initial.rebalance.delay.ms, re-armed while new
//   members keep arriving, up to the rebalance timeout (Kafka's InitialDelayedJoin).
// - KIP-394: from v4 a member joining without an id gets MEMBER_ID_REQUIRED and its id, and must
//   rejoin with it (or is forgotten after its session timeout).
// - KIP-345: a static member (group.instance.id) rejoining without its old id replaces the old
//   member: the old id is fenced (FENCED_INSTANCE_ID), and in a Stable group with an unchanged
//   subscription it gets the current generation and its assignment back without a rebalance.
// - Members are expired when no heartbeat arrives within their session timeout, unless they are
//   waiting in a JoinGroup or SyncGroup; members that never send SyncGroup for their generation are
//   removed after the rebalance timeout.
// - Every generation and every assignment is written to __consumer_offsets before it is answered.

import { randomUUID } from 'node:crypto';
import type { Logger } from '../../observability/logger.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { StorageError } from '../../storage/index.js';
import type { GroupCoordinatorConfig } from './config.js';
import { ClassicGroup, GroupMember, sameSubscription } from './group.js';
import { groupMetadataRecord } from './offsets-topic.js';
import type { GroupStore } from './store.js';
import type {
  HeartbeatRequest,
  JoinMember,
  JoinRequest,
  JoinResult,
  LeaveResult,
  LeavingMember,
  SyncRequest,
  SyncResult,
} from './types.js';

const EMPTY = Buffer.alloc(0);

export interface MembershipOptions {
  store: GroupStore;
  config: GroupCoordinatorConfig;
  logger: Logger;
  now: () => number;
  /**
   * What a stored assignment waits for before the group is Stable and SyncGroup is answered: NONE,
   * or the error to answer instead (GroupCoordinator.replicated; in a cluster, the ISR).
   */
  replicated?: (groupId: string) => number | Promise<number>;
}

export function joinError(memberId: string, errorCode: number): JoinResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  };
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

/** The error code a failed write to __consumer_offsets answers (as Kafka maps them). */
export function storeErrorCode(err: unknown): number {
  if (err instanceof KafkaError) return err.code;
  if (err instanceof StorageError) return ErrorCode.NOT_COORDINATOR;
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}

function timer(ms: number, fn: () => void): NodeJS.Timeout {
  const t = setTimeout(fn, Math.max(0, ms));
  t.unref();
  return t;
}

export class GroupMembership {
  constructor(private readonly o: MembershipOptions) {}

  // ------------------------------------------------------------------------------------------
  // JoinGroup

  joinGroup(req: JoinRequest): Promise<JoinResult> {
    const { store, config } = this.o;
    if (req.groupId === '') return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_GROUP_ID));
    const unavailable = store.unavailable(req.groupId);
    if (unavailable) return Promise.resolve(joinError(req.memberId, unavailable));
    if (
      req.sessionTimeoutMs < config.minSessionTimeoutMs ||
      req.sessionTimeoutMs > config.maxSessionTimeoutMs
    ) {
      return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    try {
      store.ensureTopic();
    } catch (err) {
      this.o.logger.error({ err }, 'cannot create the offsets topic');
      return Promise.resolve(joinError(req.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
    const known = req.memberId !== '';
    let group = store.get(req.groupId);
    if (!group) {
      if (known) return Promise.resolve(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = store.getOrCreate(req.groupId);
    }
    if (group.state === 'Dead') {
      return Promise.resolve(joinError(req.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
    if (
      !group.supportsProtocols(
        req.protocolType,
        req.protocols.map((p) => p.name),
      )
    ) {
      store.dropIfUnused(group);
      return Promise.resolve(joinError(req.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const g = group;
    return new Promise<JoinResult>((resolve) => {
      if (known) this.joinKnownMember(g, req, resolve);
      else this.joinNewMember(g, req, resolve);
    });
  }

  private joinNewMember(group: ClassicGroup, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    const newMemberId = `${req.groupInstanceId ?? req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const oldMemberId = group.staticMembers.get(req.groupInstanceId);
      if (oldMemberId !== undefined) {
        this.rejoinStaticMember(group, oldMemberId, newMemberId, req, resolve);
        return;
      }
    } else if (req.requireKnownMemberId) {
      this.addPendingMember(group, newMemberId, req.sessionTimeoutMs);
      resolve(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
      return;
    }
    if (!group.canAccept(newMemberId, this.o.config.maxSize)) {
      this.o.store.dropIfUnused(group);
      resolve(joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
      return;
    }
    this.addMemberAndRebalance(group, newMemberId, req, resolve);
  }

  private joinKnownMember(group: ClassicGroup, req: JoinRequest, resolve: (r: JoinResult) => void): void {
    const { memberId } = req;
    const maxSize = this.o.config.maxSize;
    const pendingTimer = group.pendingMembers.get(memberId);
    if (pendingTimer !== undefined) {
      clearTimeout(pendingTimer);
      group.pendingMembers.delete(memberId);
      if (!group.canAccept(memberId, maxSize)) {
        this.tryCompleteJoin(group);
        resolve(joinError(memberId, ErrorCode.GROUP_MAX_SIZE_REACHED));
        return;
      }
      this.addMemberAndRebalance(group, memberId, req, resolve);
      return;
    }
    if (group.isStaticMemberFenced(req.groupInstanceId, memberId)) {
      resolve(joinError(memberId, ErrorCode.FENCED_INSTANCE_ID));
      return;
    }
    const member = group.members.get(memberId);
    if (!member) {
      resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      return;
    }
    if (!group.canAccept(memberId, maxSize)) {
      this.removeMember(group, member, 'the group is full');
      resolve(joinError(memberId, ErrorCode.GROUP_MAX_SIZE_REACHED));
      return;
    }
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberAndRebalance(group, member, req, resolve);
        return;
      case 'CompletingRebalance':
        if (member.sameProtocols(req.protocols)) {
          // the member lost its JoinGroup response: answer it again
          this.scheduleHeartbeat(group, member);
          resolve(this.currentJoinResult(group, member, group.isLeader(memberId)));
        } else {
          this.updateMemberAndRebalance(group, member, req, resolve);
        }
        return;
      case 'Stable':
        if (group.isLeader(memberId) || !member.sameProtocols(req.protocols)) {
          this.updateMemberAndRebalance(group, member, req, resolve);
        } else {
          this.scheduleHeartbeat(group, member);
          resolve(this.currentJoinResult(group, member, false));
        }
        return;
      default:
        resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private addPendingMember(group: ClassicGroup, memberId: string, sessionTimeoutMs: number): void {
    group.pendingMembers.set(
      memberId,
      timer(sessionTimeoutMs, () => {
        if (!group.pendingMembers.delete(memberId)) return;
        this.o.logger.debug({ group: group.groupId, memberId }, 'pending member expired');
        this.tryCompleteJoin(group);
        this.o.store.dropIfUnused(group);
      }),
    );
  }

  private addMemberAndRebalance(
    group: ClassicGroup,
    memberId: string,
    req: JoinRequest,
    resolve: (r: JoinResult) => void,
  ): void {
    const member = new GroupMember(
      memberId,
      req.groupInstanceId,
      req.clientId,
      req.clientHost,
      req.rebalanceTimeoutMs,
      req.sessionTimeoutMs,
      req.protocolType,
      req.protocols,
    );
    member.awaitingJoin = resolve;
    group.add(member);
    group.newMemberAdded = true;
    this.maybePrepareRebalance(group, `member ${memberId} joined`);
    this.tryCompleteJoin(group);
  }

  private updateMemberAndRebalance(
    group: ClassicGroup,
    member: GroupMember,
    req: JoinRequest,
    resolve: (r: JoinResult) => void,
  ): void {
    // a second JoinGroup from the same member replaces the first, which is answered now
    member.awaitingJoin?.(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    member.protocols = req.protocols;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    member.awaitingJoin = resolve;
    this.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
    this.tryCompleteJoin(group);
  }

  /** KIP-345: a static member comes back under a new member id. */
  private rejoinStaticMember(
    group: ClassicGroup,
    oldMemberId: string,
    newMemberId: string,
    req: JoinRequest,
    resolve: (r: JoinResult) => void,
  ): void {
    const instanceId = req.groupInstanceId!;
    const previousLeader = group.leaderId;
    const old = group.members.get(oldMemberId)!;
    // requests still waiting under the old id belong to a fenced instance
    old.awaitingJoin?.(joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    old.awaitingJoin = null;
    old.awaitingSync?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    old.awaitingSync = null;
    const saved = {
      protocols: old.protocols,
      rebalanceTimeoutMs: old.rebalanceTimeoutMs,
      sessionTimeoutMs: old.sessionTimeoutMs,
      clientId: old.clientId,
      clientHost: old.clientHost,
    };
    const metadataUnchanged = sameSubscription(req.protocolType, old.protocols, req.protocols);
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    member.protocols = req.protocols;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    this.scheduleHeartbeat(group, member);
    this.o.logger.info(
      { group: group.groupId, groupInstanceId: instanceId, oldMemberId, newMemberId },
      'static member rejoined',
    );

    switch (group.state) {
      case 'Stable': {
        if (metadataUnchanged && group.selectProtocol() === group.protocolName) {
          // no rebalance: persist the new member id and hand back the current generation
          const err = this.persistGroup(group);
          if (err !== ErrorCode.NONE) {
            group.replaceStaticMember(instanceId, newMemberId, oldMemberId);
            Object.assign(member, saved);
            resolve(joinError('', err));
            return;
          }
          const isLeader = group.isLeader(newMemberId);
          const skip = isLeader && req.supportsSkipAssignment;
          resolve({
            errorCode: ErrorCode.NONE,
            generationId: group.generationId,
            protocolType: group.protocolType,
            protocolName: group.protocolName,
            // Before KIP-814 (v9) the old leader id is returned so the rejoining leader does not
            // assign again: a stable group would not pass a new assignment on to the others.
            leader: skip ? newMemberId : (previousLeader ?? ''),
            skipAssignment: skip,
            memberId: newMemberId,
            members: skip ? this.joinMembers(group) : [],
          });
          return;
        }
        member.awaitingJoin = resolve;
        this.prepareRebalance(group, `static member ${instanceId} rejoined with new metadata`);
        return;
      }
      case 'CompletingRebalance':
        // the leader may already be assigning for the old member id: rebalance again
        member.awaitingJoin = resolve;
        this.prepareRebalance(group, `static member ${instanceId} rejoined during a rebalance`);
        return;
      default:
        member.awaitingJoin = resolve;
        this.tryCompleteJoin(group);
    }
  }

  private currentJoinResult(group: ClassicGroup, member: GroupMember, withMembers: boolean): JoinResult {
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      memberId: member.memberId,
      members: withMembers ? this.joinMembers(group) : [],
    };
  }

  private joinMembers(group: ClassicGroup): JoinMember[] {
    return [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadataFor(group.protocolName),
    }));
  }

  // ------------------------------------------------------------------------------------------
  // rebalance

  private maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty') {
      this.prepareRebalance(group, reason);
    }
  }

  private prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.state === 'CompletingRebalance') this.failSyncs(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.clearSyncTimer(group);
    this.clearJoinTimer(group);
    const wasEmpty = group.state === 'Empty';
    group.transitionTo('PreparingRebalance', this.o.now());
    this.o.logger.info(
      { group: group.groupId, generation: group.generationId, members: group.members.size, reason },
      'preparing to rebalance group',
    );
    if (wasEmpty) {
      const delay = this.o.config.initialRebalanceDelayMs;
      let remaining = Math.max(group.rebalanceTimeoutMs - delay, 0);
      group.initialDelayActive = true;
      group.newMemberAdded = false;
      const arm = (ms: number): void => {
        group.joinTimer = timer(ms, () => {
          group.joinTimer = null;
          if (group.newMemberAdded && remaining > 0) {
            group.newMemberAdded = false;
            const next = Math.min(delay, remaining);
            remaining -= next;
            arm(next);
            return;
          }
          group.initialDelayActive = false;
          this.completeJoin(group);
        });
      };
      arm(delay);
      return;
    }
    group.initialDelayActive = false;
    group.joinTimer = timer(group.rebalanceTimeoutMs, () => {
      group.joinTimer = null;
      this.completeJoin(group);
    });
    this.tryCompleteJoin(group);
  }

  private tryCompleteJoin(group: ClassicGroup): void {
    if (group.state === 'PreparingRebalance' && !group.initialDelayActive && group.hasAllMembersJoined()) {
      this.completeJoin(group);
    }
  }

  private completeJoin(group: ClassicGroup): void {
    if (group.state !== 'PreparingRebalance') return;
    this.clearJoinTimer(group);
    group.initialDelayActive = false;
    // dynamic members that did not rejoin in time are out; static ones stay until their session ends
    for (const m of [...group.members.values()]) {
      if (!m.awaitingJoin && m.groupInstanceId === null) {
        this.clearMemberTimer(m);
        group.remove(m.memberId);
        this.o.logger.info({ group: group.groupId, memberId: m.memberId }, 'member did not rejoin in time');
      }
    }
    const now = this.o.now();
    if (group.members.size === 0) {
      group.generationId++;
      group.protocolName = null;
      group.leaderId = null;
      group.transitionTo('Empty', now);
      this.persistGroup(group);
      this.o.logger.info({ group: group.groupId, generation: group.generationId }, 'group is empty');
      return;
    }
    if (group.leaderId === null || !group.members.get(group.leaderId)?.awaitingJoin) {
      const joined = [...group.members.values()].find((m) => m.awaitingJoin !== null);
      if (!joined) {
        // only static members that have not rejoined: give them another rebalance timeout
        group.joinTimer = timer(group.rebalanceTimeoutMs, () => {
          group.joinTimer = null;
          this.completeJoin(group);
        });
        return;
      }
      group.leaderId = joined.memberId;
    }
    group.generationId++;
    group.protocolName = group.selectProtocol();
    group.transitionTo('CompletingRebalance', now);
    for (const m of group.members.values()) m.assignment = EMPTY;
    const err = this.persistGroup(group);
    if (err !== ErrorCode.NONE) {
      for (const m of group.members.values()) {
        const r = m.awaitingJoin;
        m.awaitingJoin = null;
        r?.(joinError(m.memberId, err));
      }
      this.prepareRebalance(group, 'storing the new generation failed');
      return;
    }
    this.o.logger.info(
      {
        group: group.groupId,
        generation: group.generationId,
        protocol: group.protocolName,
        leader: group.leaderId,
        members: group.members.size,
      },
      'group rebalanced, waiting for the assignment',
    );
    const members = this.joinMembers(group);
    group.pendingSyncMembers.clear();
    for (const m of group.members.values()) {
      const r = m.awaitingJoin;
      if (!r) continue;
      m.awaitingJoin = null;
      group.pendingSyncMembers.add(m.memberId);
      this.scheduleHeartbeat(group, m);
      const isLeader = group.isLeader(m.memberId);
      r({
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        leader: group.leaderId!,
        skipAssignment: false,
        memberId: m.memberId,
        members: isLeader ? members : [],
      });
    }
    const generation = group.generationId;
    group.syncTimer = timer(group.rebalanceTimeoutMs, () => {
      group.syncTimer = null;
      this.onSyncTimeout(group, generation);
    });
  }

  /** Members that got this generation but never sent SyncGroup are removed, and the group rebalances. */
  private onSyncTimeout(group: ClassicGroup, generation: number): void {
    if (group.generationId !== generation || group.pendingSyncMembers.size === 0) return;
    if (group.state !== 'CompletingRebalance' && group.state !== 'Stable') return;
    const missing = [...group.pendingSyncMembers];
    this.o.logger.info({ group: group.groupId, members: missing }, 'members did not sync in time');
    for (const id of missing) {
      const m = group.members.get(id);
      if (m) {
        this.clearMemberTimer(m);
        m.awaitingSync?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
        m.awaitingSync = null;
        group.remove(id);
      }
    }
    group.pendingSyncMembers.clear();
    this.prepareRebalance(group, 'members did not sync in time');
  }

  private failSyncs(group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) {
      m.assignment = EMPTY;
      const r = m.awaitingSync;
      m.awaitingSync = null;
      r?.(syncError(errorCode));
    }
  }

  // ------------------------------------------------------------------------------------------
  // SyncGroup

  syncGroup(req: SyncRequest): SyncResult | Promise<SyncResult> {
    const { store } = this.o;
    if (req.groupId === '') return syncError(ErrorCode.INVALID_GROUP_ID);
    const unavailable = store.unavailable(req.groupId);
    if (unavailable) return syncError(unavailable);
    const group = store.get(req.groupId);
    if (!group) return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) {
      return syncError(ErrorCode.FENCED_INSTANCE_ID);
    }
    const member = group.members.get(req.memberId);
    if (!member) return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    if (req.generationId !== group.generationId) return syncError(ErrorCode.ILLEGAL_GENERATION);
    if (
      (req.protocolType !== null && req.protocolType !== group.protocolType) ||
      (req.protocolName !== null && req.protocolName !== group.protocolName)
    ) {
      return syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    switch (group.state) {
      case 'PreparingRebalance':
        return syncError(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'CompletingRebalance':
        return new Promise<SyncResult>((resolve) => {
          member.awaitingSync?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
          member.awaitingSync = resolve;
          group.pendingSyncMembers.delete(member.memberId);
          this.scheduleHeartbeat(group, member);
          if (group.isLeader(member.memberId)) this.completeSync(group, req.assignments);
        });
      case 'Stable':
        group.pendingSyncMembers.delete(member.memberId);
        this.scheduleHeartbeat(group, member);
        return {
          errorCode: ErrorCode.NONE,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          assignment: member.assignment,
        };
      default:
        return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  /** The leader's assignment: persist it, hand every member its part, and the group is Stable. */
  private completeSync(group: ClassicGroup, assignments: { memberId: string; assignment: Buffer }[]): void {
    const byMember = new Map<string, Buffer>();
    for (const a of assignments) if (group.has(a.memberId)) byMember.set(a.memberId, a.assignment);
    const err = this.persistGroup(group, byMember);
    const stored = err === ErrorCode.NONE ? (this.o.replicated?.(group.groupId) ?? err) : err;
    if (!(stored instanceof Promise)) {
      this.finishSync(group, byMember, stored);
      return;
    }
    // Kafka answers SyncGroup once the assignment is replicated; whatever happened to the group
    // meanwhile (a rebalance, this broker resigning its partition) wins over a late answer
    const generation = group.generationId;
    void stored
      .catch((err: unknown) => {
        this.o.logger.error({ err, group: group.groupId }, 'waiting for the assignment to replicate failed');
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      })
      .then((code) => {
        if (this.o.store.groups.get(group.groupId) !== group)
          this.failSyncs(group, ErrorCode.NOT_COORDINATOR);
        else if (group.state === 'CompletingRebalance' && group.generationId === generation)
          this.finishSync(group, byMember, code);
      });
  }

  /** Hands every member its part of a stored assignment and makes the group Stable, or fails the syncs. */
  private finishSync(group: ClassicGroup, byMember: Map<string, Buffer>, stored: number): void {
    if (stored !== ErrorCode.NONE) {
      this.failSyncs(group, stored);
      this.maybePrepareRebalance(group, 'storing the assignment failed');
      return;
    }
    for (const m of group.members.values()) m.assignment = byMember.get(m.memberId) ?? EMPTY;
    group.transitionTo('Stable', this.o.now());
    this.o.logger.info(
      { group: group.groupId, generation: group.generationId, members: group.members.size },
      'group is stable',
    );
    for (const m of group.members.values()) {
      const r = m.awaitingSync;
      if (!r) continue;
      m.awaitingSync = null;
      r({
        errorCode: ErrorCode.NONE,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        assignment: m.assignment,
      });
    }
  }

  // ------------------------------------------------------------------------------------------
  // Heartbeat and LeaveGroup

  heartbeat(req: HeartbeatRequest): number {
    const { store } = this.o;
    if (req.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    // Kafka answers heartbeats blindly while the group is loading
    // as in Kafka, a heartbeat while the group loads is not an error; elsewhere NOT_COORDINATOR
    const unavailable = store.unavailable(req.groupId);
    if (unavailable)
      return unavailable === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.NONE : unavailable;
    const group = store.get(req.groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.members.get(req.memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.scheduleHeartbeat(group, member);
    if (group.state === 'PreparingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  leaveGroup(groupId: string, leaving: LeavingMember[]): LeaveResult {
    const { store } = this.o;
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const unavailable = store.unavailable(groupId);
    if (unavailable) return { errorCode: unavailable, members: [] };
    const group = store.get(groupId);
    const results = leaving.map((l) => ({
      memberId: l.memberId,
      groupInstanceId: l.groupInstanceId,
      errorCode: group ? this.leaveOne(group, l) : ErrorCode.UNKNOWN_MEMBER_ID,
    }));
    return { errorCode: ErrorCode.NONE, members: results };
  }

  private leaveOne(group: ClassicGroup, l: LeavingMember): number {
    let member: GroupMember | undefined;
    if (l.groupInstanceId !== null) {
      const current = group.staticMembers.get(l.groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (l.memberId !== '' && l.memberId !== current) return ErrorCode.FENCED_INSTANCE_ID;
      member = group.members.get(current);
    } else {
      const pending = group.pendingMembers.get(l.memberId);
      if (pending !== undefined) {
        clearTimeout(pending);
        group.pendingMembers.delete(l.memberId);
        this.tryCompleteJoin(group);
        this.o.store.dropIfUnused(group);
        return ErrorCode.NONE;
      }
      member = group.members.get(l.memberId);
    }
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.o.logger.info(
      { group: group.groupId, memberId: member.memberId, groupInstanceId: member.groupInstanceId },
      'member left the group',
    );
    this.removeMember(group, member, `member ${member.memberId} left the group`);
    return ErrorCode.NONE;
  }

  // ------------------------------------------------------------------------------------------
  // timers and removal

  private scheduleHeartbeat(group: ClassicGroup, member: GroupMember): void {
    this.clearMemberTimer(member);
    member.heartbeatTimer = timer(member.sessionTimeoutMs, () => {
      member.heartbeatTimer = null;
      if (group.members.get(member.memberId) !== member) return;
      if (member.awaitingJoin || member.awaitingSync) {
        this.scheduleHeartbeat(group, member);
        return;
      }
      this.o.logger.info(
        { group: group.groupId, memberId: member.memberId, sessionTimeoutMs: member.sessionTimeoutMs },
        'member session expired',
      );
      this.removeMember(group, member, `member ${member.memberId} session expired`);
    });
  }

  private removeMember(group: ClassicGroup, member: GroupMember, reason: string): void {
    const join = member.awaitingJoin;
    member.awaitingJoin = null;
    join?.(joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    const sync = member.awaitingSync;
    member.awaitingSync = null;
    sync?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    this.clearMemberTimer(member);
    group.remove(member.memberId);
    if (group.state === 'Stable' || group.state === 'CompletingRebalance')
      this.prepareRebalance(group, reason);
    else if (group.state === 'PreparingRebalance') this.tryCompleteJoin(group);
  }

  private clearMemberTimer(member: GroupMember): void {
    if (member.heartbeatTimer) clearTimeout(member.heartbeatTimer);
    member.heartbeatTimer = null;
  }

  private clearJoinTimer(group: ClassicGroup): void {
    if (group.joinTimer) clearTimeout(group.joinTimer);
    group.joinTimer = null;
  }

  private clearSyncTimer(group: ClassicGroup): void {
    if (group.syncTimer) clearTimeout(group.syncTimer);
    group.syncTimer = null;
  }

  /** A group loaded from the log: its members must heartbeat within their session timeout. */
  onGroupLoaded(group: ClassicGroup): void {
    for (const m of group.members.values()) this.scheduleHeartbeat(group, m);
  }

  /** Stops every timer and answers every waiting JoinGroup/SyncGroup with NOT_COORDINATOR. */
  shutdown(groups: Iterable<ClassicGroup>): void {
    for (const group of groups) {
      this.clearJoinTimer(group);
      this.clearSyncTimer(group);
      for (const t of group.pendingMembers.values()) clearTimeout(t);
      for (const m of group.members.values()) {
        this.clearMemberTimer(m);
        const join = m.awaitingJoin;
        m.awaitingJoin = null;
        join?.(joinError(m.memberId, ErrorCode.NOT_COORDINATOR));
        const sync = m.awaitingSync;
        m.awaitingSync = null;
        sync?.(syncError(ErrorCode.NOT_COORDINATOR));
      }
    }
  }

  /** JoinGroup requests waiting for their rebalance to complete. */
  joinsWaiting(groups: Iterable<ClassicGroup>): number {
    let n = 0;
    for (const g of groups) n += g.awaitingJoinCount;
    return n;
  }

  /** Writes the group's current metadata (with `assignments` instead of the members' own). */
  persistGroup(group: ClassicGroup, assignments?: Map<string, Buffer>): number {
    const value = {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.members.size > 0 ? group.leaderId : null,
      currentStateTimestamp: group.stateTimestamp,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: m.metadataFor(group.protocolName),
        assignment: assignments ? (assignments.get(m.memberId) ?? EMPTY) : m.assignment,
      })),
    };
    try {
      this.o.store.append(group.groupId, [groupMetadataRecord(group.groupId, value)]);
      return ErrorCode.NONE;
    } catch (err) {
      this.o.logger.error({ err, group: group.groupId }, 'cannot store group metadata');
      return storeErrorCode(err);
    }
  }
}
