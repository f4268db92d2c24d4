// The admin client against a broker that speaks less than FluxMQ (like an old Kafka): requests go
// out in the highest version both sides support, a missing IncrementalAlterConfigs falls back to
// AlterConfigs with the current overrides merged in, a missing DescribeCluster to Metadata, and an
// API the broker lacks is a clear UnsupportedApiError. The broker here is a small fake over TCP.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '../../../src/client/admin/index.js';
import { UnsupportedApiError } from '../../../src/client/errors.js';
import { encodeResponseFrame, FrameDecoder, readRequestHeader } from '../../../src/protocol/framing.js';
import { API_SPECS, ApiKey } from '../../../src/protocol/messages/index.js';

/** API key -> highest version the fake serves (all from v0). */
const SERVED = new Map<number, number>([
  [ApiKey.ApiVersions, 2],
  [ApiKey.Metadata, 5],
  [ApiKey.DescribeConfigs, 1],
  [ApiKey.AlterConfigs, 0],
]);

const seen: { apiKey: number; version: number; body: Record<string, unknown> }[] = [];
let overrides: Record<string, string> = { 'retention.ms': '1000' };
let server: Server;
let port = 0;

function respond(apiKey: number, version: number, body: Record<string, unknown>): unknown {
  switch (apiKey) {
    case ApiKey.ApiVersions:
      if (version > SERVED.get(ApiKey.ApiVersions)!) {
        return {
          errorCode: 35,
          apiKeys: [...SERVED].map(([k, max]) => ({ apiKey: k, minVersion: 0, maxVersion: max })),
        };
      }
      return {
        errorCode: 0,
        apiKeys: [...SERVED].map(([k, max]) => ({ apiKey: k, minVersion: 0, maxVersion: max })),
      };
    case ApiKey.Metadata:
      return {
        brokers: [{ nodeId: 7, host: '127.0.0.1', port, rack: null }],
        clusterId: 'old-cluster',
        controllerId: 7,
        topics: [],
      };
    case ApiKey.DescribeConfigs:
      return {
        results: (body.resources as { resourceType: number; resourceName: string }[]).map((r) => ({
          errorCode: 0,
          errorMessage: null,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          configs: [
            ...Object.entries(overrides).map(([name, value]) => ({
              name,
              value,
              readOnly: false,
              configSource: 1,
              isSensitive: false,
              synonyms: [],
            })),
            {
              name: 'cleanup.policy',
              value: 'delete',
              readOnly: false,
              configSource: 5,
              isSensitive: false,
              synonyms: [],
            },
          ],
        })),
      };
    case ApiKey.AlterConfigs: {
      const [r] = body.resources as {
        resourceType: number;
        resourceName: string;
        configs: { name: string; value: string }[];
      }[];
      overrides = Object.fromEntries(r!.configs.map((c) => [c.name, c.value]));
      return {
        responses: [
          { errorCode: 0, errorMessage: null, resourceType: r!.resourceType, resourceName: r!.resourceName },
        ],
      };
    }
  }
  throw new Error(`the fake broker does not serve API key ${apiKey}`);
}

function serve(socket: Socket): void {
  const decoder = new FrameDecoder(1 << 20);
  socket.on('data', (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) {
      const { header, body } = readRequestHeader(frame);
      const spec = API_SPECS.get(header.apiKey)!;
      // ApiVersions newer than served: answer in v0 (KIP-511)
      const version =
        header.apiKey === ApiKey.ApiVersions && header.apiVersion > SERVED.get(ApiKey.ApiVersions)!
          ? 0
          : header.apiVersion;
      const request = version === header.apiVersion ? spec.decodeRequest(body, version) : {};
      seen.push({ apiKey: header.apiKey, version: header.apiVersion, body: request });
      const res = respond(header.apiKey, header.apiVersion, request);
      for (const b of encodeResponseFrame(header.apiKey, version, header.correlationId, (w) =>
        spec.encodeResponse(w, res, version),
      )) {
        socket.write(b);
      }
    }
  });
}

beforeAll(async () => {
  server = createServer(serve);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('admin client against an older broker', () => {
  it('negotiates versions, falls back to AlterConfigs and Metadata, and names what is missing', async () => {
    const admin = await Admin.connect({ bootstrap: `127.0.0.1:${port}`, requestTimeoutMs: 5000 });
    try {
      // ApiVersions v3 was answered in v0 with UNSUPPORTED_VERSION; the client retried with v0
      expect(seen.filter((s) => s.apiKey === ApiKey.ApiVersions).map((s) => s.version)).toEqual([3, 0]);
      expect(seen.find((s) => s.apiKey === ApiKey.Metadata)?.version).toBe(5);

      const altered = await admin.alterConfigs({ type: 'topic', name: 'orders' }, [
        { name: 'segment.bytes', op: 'set', value: '1048576' },
        { name: 'cleanup.policy', op: 'append', value: 'compact' },
      ]);
      expect(altered.api).toBe('AlterConfigs');
      // the legacy API replaces the whole set: the existing override was kept
      expect(overrides).toEqual({
        'retention.ms': '1000',
        'segment.bytes': '1048576',
        'cleanup.policy': 'delete,compact',
      });
      expect(seen.find((s) => s.apiKey === ApiKey.DescribeConfigs)?.version).toBe(1);

      const cluster = await admin.describeCluster();
      expect(cluster).toEqual({
        clusterId: 'old-cluster',
        controllerId: 7,
        brokers: [{ id: 7, host: '127.0.0.1', port, rack: null, isController: true }],
        partitionCount: expect.any(Number) as number,
        underReplicatedPartitions: [],
        offlinePartitions: [],
      });

      const err = await admin.deleteTopics(['orders']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedApiError);
      expect((err as Error).message).toBe(
        `the broker at 127.0.0.1:${port} does not support DeleteTopics (API key 20); it may be too old for this command`,
      );
    } finally {
      admin.close();
    }
  });
});
