// One poll of a cluster, with a bounded cost on the brokers whatever the number of topics and
// groups:
//   - one Metadata (every topic) to any broker;
//   - per broker, one ListOffsets (latest) with every partition it leads, one ListGroups, one
//     DescribeLogDirs (when served);
//   - per coordinator (the broker that listed the groups, as Kafka's ListGroups answers only the
//     groups a broker coordinates), one DescribeGroups and one OffsetFetch v8+ with all its groups
//     (older brokers: one OffsetFetch per group);
//   - FluxMQ only: GET /v1/status and /metrics on each broker's management port, given with --http
//     or found at the broker's host on FluxMQ's default port 9644 (accepted only when the status
//     names the broker's Kafka listener).
// Everything but the HTTP part is the Kafka protocol, so it works against any Kafka broker.

import { ClusterClient, type BrokerInfo } from '../client/cluster.js';
import type { ClientSecurity } from '../client/connection.js';
import { UnreachableError, UnsupportedApiError } from '../client/errors.js';
import { errorName } from '../protocol/errors.js';
import {
  ApiKey,
  type DescribeGroupsResponse,
  type DescribeLogDirsResponse,
  type ListGroupsResponse,
  type ListOffsetsResponse,
  type MetadataResponse,
  type OffsetFetchResponse,
} from '../protocol/messages/index.js';
import { digestMetrics, type MetricsDigest } from './metrics-text.js';

export const DEFAULT_HTTP_PORT = 9644;

/** The parts of FluxMQ's /v1/status the monitor reads. */
export interface FluxStatus {
  brokerId: number;
  clusterId: string | null;
  version: string;
  state: string;
  uptimeSeconds: number;
  listeners: { name: string; host: string; port: number }[];
  advertisedListeners: { name: string; host: string; port: number }[];
  connections: number;
}

export interface HttpSample {
  url: string;
  status: FluxStatus | null;
  metrics: MetricsDigest | null;
  /** When /metrics answered (ms since the epoch). */
  atMs: number;
}

export interface BrokerSample extends BrokerInfo {
  reachable: boolean;
  error: string | null;
  http: HttpSample | null;
}

export interface PartitionSample {
  partition: number;
  leader: number;
  /** Log end offset (high watermark); null when the leader did not answer. */
  endOffset: number | null;
}

export interface TopicSample {
  name: string;
  internal: boolean;
  partitions: PartitionSample[];
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface GroupSample {
  groupId: string;
  protocolType: string;
  state: string | null;
  members: number | null;
  coordinator: number;
  committed: CommittedOffset[];
  error: string | null;
}

/** What one poll saw. Topics, groups and sizes are null when the cluster was unreachable. */
export interface RawSample {
  /** When the log end offsets arrived (ms since the epoch). */
  atMs: number;
  reachable: boolean;
  error: string | null;
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerSample[];
  topics: TopicSample[] | null;
  groups: GroupSample[] | null;
  /** Bytes on disk by topic (all replicas) from DescribeLogDirs; null when no broker serves it. */
  logDirSizes: Map<string, number> | null;
  notes: string[];
}

/** Where samples come from (the probe below, or a fake in tests). */
export interface Sampler {
  sample(): Promise<RawSample>;
  close(): void;
}

export interface ProbeOptions {
  bootstrap: string;
  requestTimeoutMs: number;
  /** Management HTTP base URLs given by the user (FluxMQ); the brokers they belong to are found by their status. */
  httpUrls?: string[];
  /** Look for FluxMQ's management port (9644) on each broker's host. Default true. */
  discoverHttp?: boolean;
  httpTimeoutMs?: number;
  clientId?: string;
  /** TLS and SASL settings for the Kafka connections. */
  security?: ClientSecurity;
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** `http://host:port` for a host name or an IPv6 address. */
export function httpUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Whether a FluxMQ status belongs to the broker at `host:port` (one of its listeners is that address). */
export function statusMatches(status: FluxStatus, broker: { host: string; port: number }): boolean {
  const all = [...(status.advertisedListeners ?? []), ...(status.listeners ?? [])];
  return all.some(
    (l) => l.port === broker.port && (l.host === broker.host || l.host === '0.0.0.0' || l.host === '::'),
  );
}

async function getText(url: string, timeoutMs: number): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return text;
}

/** FluxMQ's /v1/status and /metrics at `base` (either may be null when it does not answer). */
export async function probeHttp(base: string, timeoutMs: number): Promise<HttpSample | null> {
  const [status, metrics] = await Promise.allSettled([
    getText(`${base}/v1/status`, timeoutMs).then((t) => JSON.parse(t) as FluxStatus),
    getText(`${base}/metrics`, timeoutMs).then((t) => ({ digest: digestMetrics(t), atMs: Date.now() })),
  ]);
  const s = status.status === 'fulfilled' && typeof status.value?.brokerId === 'number' ? status.value : null;
  const m = metrics.status === 'fulfilled' ? metrics.value : null;
  if (!s && !m) return null;
  return { url: base, status: s, metrics: m?.digest ?? null, atMs: m?.atMs ?? Date.now() };
}

/** Discovery attempts that found nothing are retried after this many polls. */
const DISCOVERY_BACKOFF_POLLS = 10;

export class ClusterProbe implements Sampler {
  private client: ClusterClient | null = null;
  /** Every broker seen since the monitor started: one that leaves the metadata still shows, as unreachable. */
  private readonly knownBrokers = new Map<number, BrokerInfo>();
  private clusterId: string | null = null;
  private controllerId = -1;
  private poll = 0;
  private readonly discoveryRetry = new Map<string, number>();
  private closed = false;

  constructor(private readonly opts: ProbeOptions) {}

  close(): void {
    this.closed = true;
    this.client?.close();
    this.client = null;
  }

  async sample(): Promise<RawSample> {
    this.poll++;
    let meta: MetadataResponse;
    try {
      meta = await this.metadata();
    } catch (err) {
      return this.unreachable(describe(err));
    }
    const client = this.client!;
    this.clusterId = meta.clusterId;
    this.controllerId = meta.controllerId;
    const brokers = [...client.brokers.values()].sort((a, b) => a.nodeId - b.nodeId);
    for (const b of brokers) this.knownBrokers.set(b.nodeId, b);
    const gone = [...this.knownBrokers.values()].filter((k) => !client.brokers.has(k.nodeId));

    const topics: TopicSample[] = meta.topics
      .filter((t) => t.errorCode === 0 && t.name)
      .map((t) => ({
        name: t.name!,
        internal: t.isInternal,
        partitions: t.partitions
          .map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, endOffset: null as number | null }))
          .sort((a, b) => a.partition - b.partition),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    const notes = new Set<string>();
    const httpDone = this.httpRound(brokers);
    let offsetsAt = Date.now();
    const perBroker = await Promise.all(
      brokers.map(async (b) => {
        const errors: string[] = [];
        let reachable = true;
        const fail = (what: string) => (err: unknown) => {
          if (err instanceof UnreachableError) reachable = false;
          if (err instanceof UnsupportedApiError) notes.add(describe(err));
          errors.push(`${what}: ${describe(err)}`);
          return null;
        };
        const [, groups, sizes] = await Promise.all([
          this.endOffsets(client, b.nodeId, topics).then(() => {
            offsetsAt = Math.max(offsetsAt, Date.now());
          }, fail('ListOffsets')),
          this.groupsOf(client, b.nodeId, notes).catch(fail('groups')),
          this.logDirs(client, b.nodeId).catch(fail('DescribeLogDirs')),
        ]);
        return { broker: b, reachable, error: errors[0] ?? null, groups, sizes };
      }),
    );
    const http = await httpDone;

    let logDirSizes: Map<string, number> | null = null;
    for (const r of perBroker) {
      if (!r.sizes) continue;
      logDirSizes ??= new Map();
      for (const [topic, bytes] of r.sizes) logDirSizes.set(topic, (logDirSizes.get(topic) ?? 0) + bytes);
    }
    const groups = perBroker
      .flatMap((r) => r.groups ?? [])
      .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
    for (const n of http.notes) notes.add(n);
    return {
      atMs: offsetsAt,
      reachable: true,
      error: null,
      clusterId: meta.clusterId,
      controllerId: meta.controllerId,
      brokers: [
        ...perBroker.map((r) => ({
          ...r.broker,
          reachable: r.reachable,
          error: r.error,
          http: http.byBroker.get(r.broker.nodeId) ?? null,
        })),
        ...gone.map((b) => ({
          ...b,
          reachable: false,
          error: 'not in the cluster metadata any more',
          http: null,
        })),
      ].sort((a, b) => a.nodeId - b.nodeId),
      topics,
      groups,
      logDirSizes,
      notes: [...notes],
    };
  }

  /** Metadata for every topic, reconnecting from the bootstrap servers when the connection is gone. */
  private async metadata(): Promise<MetadataResponse> {
    if (this.closed) throw new UnreachableError('the monitor is closed');
    for (let attempt = 0; ; attempt++) {
      const fresh = this.client === null;
      try {
        this.client ??= await ClusterClient.connect({
          bootstrap: this.opts.bootstrap,
          requestTimeoutMs: this.opts.requestTimeoutMs,
          connectTimeoutMs: this.opts.requestTimeoutMs,
          clientId: this.opts.clientId ?? 'fluxmq-monitor',
          security: this.opts.security,
        });
        return await this.client.refreshMetadata(null, false);
      } catch (err) {
        this.client?.close();
        this.client = null;
        // a connection that died since the last poll: one fresh connect before giving up
        if (fresh || attempt > 0 || !(err instanceof UnreachableError)) throw err;
      }
    }
  }

  private unreachable(error: string): RawSample {
    return {
      atMs: Date.now(),
      reachable: false,
      error,
      clusterId: this.clusterId,
      controllerId: this.controllerId,
      brokers: [...this.knownBrokers.values()]
        .sort((a, b) => a.nodeId - b.nodeId)
        .map((b) => ({ ...b, reachable: false, error, http: null })),
      topics: null,
      groups: null,
      logDirSizes: null,
      notes: [],
    };
  }

  /** Fills in the end offsets of the partitions `leader` leads: one ListOffsets for all of them. */
  private async endOffsets(client: ClusterClient, leader: number, topics: TopicSample[]): Promise<void> {
    const led = topics
      .map((t) => ({ t, parts: t.partitions.filter((p) => p.leader === leader) }))
      .filter((x) => x.parts.length > 0);
    if (led.length === 0) {
      await client.supports(leader, ApiKey.ListOffsets); // still proves the broker answers
      return;
    }
    const { response } = await client.request<ListOffsetsResponse>(
      leader,
      ApiKey.ListOffsets,
      () => ({
        replicaId: -1,
        isolationLevel: 0,
        timeoutMs: this.opts.requestTimeoutMs,
        topics: led.map(({ t, parts }) => ({
          name: t.name,
          partitions: parts.map((p) => ({
            partitionIndex: p.partition,
            currentLeaderEpoch: -1,
            timestamp: -1,
          })),
        })),
      }),
      { min: 1 },
    );
    const byName = new Map(led.map(({ t }) => [t.name, t]));
    for (const rt of response.topics) {
      const t = byName.get(rt.name);
      if (!t) continue;
      for (const rp of rt.partitions) {
        const p = t.partitions.find((x) => x.partition === rp.partitionIndex);
        if (p && rp.errorCode === 0 && rp.offset >= 0) p.endOffset = rp.offset;
      }
    }
  }

  /** The groups `coordinator` lists, described and with their committed offsets (two requests). */
  private async groupsOf(
    client: ClusterClient,
    coordinator: number,
    notes: Set<string>,
  ): Promise<GroupSample[]> {
    if (!(await client.supports(coordinator, ApiKey.ListGroups))) return [];
    const { response: listed } = await client.request<ListGroupsResponse>(
      coordinator,
      ApiKey.ListGroups,
      () => ({
        statesFilter: [],
        typesFilter: [],
      }),
    );
    if (listed.errorCode !== 0) throw new Error(`ListGroups: ${errorName(listed.errorCode)}`);
    if (listed.groups.length === 0) return [];
    const ids = listed.groups.map((g) => g.groupId);
    const out = new Map<string, GroupSample>(
      listed.groups.map((g) => [
        g.groupId,
        {
          groupId: g.groupId,
          protocolType: g.protocolType,
          state: null,
          members: null,
          coordinator,
          committed: [],
          error: null,
        },
      ]),
    );
    const described = client
      .request<DescribeGroupsResponse>(coordinator, ApiKey.DescribeGroups, () => ({
        groups: ids,
        includeAuthorizedOperations: false,
      }))
      .then(({ response }) => {
        for (const g of response.groups) {
          const s = out.get(g.groupId);
          if (!s) continue;
          if (g.errorCode !== 0) s.error = errorName(g.errorCode);
          else {
            s.state = g.groupState;
            s.members = g.members.length;
          }
        }
      });
    const fetched = this.offsetsOf(client, coordinator, ids, out, notes);
    await Promise.all([described, fetched]);
    return [...out.values()].filter((g) => !(g.state === 'Dead' && g.committed.length === 0));
  }

  private async offsetsOf(
    client: ClusterClient,
    coordinator: number,
    ids: string[],
    out: Map<string, GroupSample>,
    notes: Set<string>,
  ): Promise<void> {
    const record = (groupId: string, errorCode: number, topics: OffsetFetchResponse['topics']) => {
      const s = out.get(groupId);
      if (!s) return;
      if (errorCode !== 0) {
        s.error ??= errorName(errorCode);
        return;
      }
      for (const t of topics) {
        for (const p of t.partitions) {
          if (p.errorCode === 0 && p.committedOffset >= 0) {
            s.committed.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset });
          }
        }
      }
    };
    if (await client.supports(coordinator, ApiKey.OffsetFetch, { min: 8 })) {
      const { response } = await client.request<OffsetFetchResponse>(
        coordinator,
        ApiKey.OffsetFetch,
        () => ({
          groups: ids.map((groupId) => ({ groupId, memberId: null, memberEpoch: -1, topics: null })),
          requireStable: false,
        }),
        { min: 8 },
      );
      for (const g of response.groups) record(g.groupId, g.errorCode, g.topics);
      return;
    }
    notes.add(`broker ${coordinator} serves OffsetFetch below v8: one request per group`);
    await Promise.all(
      ids.map(async (groupId) => {
        const { response } = await client.request<OffsetFetchResponse>(
          coordinator,
          ApiKey.OffsetFetch,
          () => ({ groupId, topics: null, requireStable: false }),
          { min: 2, max: 7 },
        );
        record(groupId, response.errorCode, response.topics);
      }),
    );
  }

  /** Bytes on disk by topic on one broker (null when it does not serve DescribeLogDirs). */
  private async logDirs(client: ClusterClient, broker: number): Promise<Map<string, number> | null> {
    if (!(await client.supports(broker, ApiKey.DescribeLogDirs))) return null;
    const { response } = await client.request<DescribeLogDirsResponse>(
      broker,
      ApiKey.DescribeLogDirs,
      () => ({
        topics: null,
      }),
    );
    const sizes = new Map<string, number>();
    for (const dir of response.results) {
      if (dir.errorCode !== 0) continue;
      for (const t of dir.topics) {
        for (const p of t.partitions) {
          if (!p.isFutureKey) sizes.set(t.name, (sizes.get(t.name) ?? 0) + p.partitionSize);
        }
      }
    }
    return sizes;
  }

  /** FluxMQ's status and metrics of each broker that has a management port the monitor can find. */
  private async httpRound(
    brokers: BrokerInfo[],
  ): Promise<{ byBroker: Map<number, HttpSample>; notes: string[] }> {
    const timeout = this.opts.httpTimeoutMs ?? 2000;
    const byBroker = new Map<number, HttpSample>();
    const notes: string[] = [];
    const explicit = this.opts.httpUrls ?? [];
    const given = await Promise.all(explicit.map((u) => probeHttp(u.replace(/\/+$/, ''), timeout)));
    given.forEach((h, i) => {
      if (!h) {
        notes.push(`no answer from FluxMQ's management HTTP at ${explicit[i]}`);
        return;
      }
      const match =
        (h.status && brokers.find((b) => statusMatches(h.status!, b))) ??
        (h.status && brokers.find((b) => b.nodeId === h.status!.brokerId)) ??
        (brokers.length === 1 ? brokers[0] : undefined);
      if (match) byBroker.set(match.nodeId, h);
      else notes.push(`${explicit[i]} is not the management port of a broker in this cluster`);
    });
    if (this.opts.discoverHttp ?? true) {
      await Promise.all(
        brokers
          .filter((b) => !byBroker.has(b.nodeId))
          .map(async (b) => {
            const url = httpUrl(b.host, DEFAULT_HTTP_PORT);
            if ((this.discoveryRetry.get(url) ?? 0) > this.poll) return;
            const h = await probeHttp(url, Math.min(timeout, 1000));
            if (h?.status && statusMatches(h.status, b)) {
              byBroker.set(b.nodeId, h);
              this.discoveryRetry.delete(url);
            } else {
              this.discoveryRetry.set(url, this.poll + DISCOVERY_BACKOFF_POLLS);
            }
          }),
      );
    }
    return { byBroker, notes };
  }
}
