// librdkafka's own bytes: request frames kcat sent (pinned in a fixture), decoded with the generated
// decoders; and, when kcat is installed, a live exchange in which kcat reads our ApiVersions (flexible
// v3, with tagged fields) and Metadata responses.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../../../src/protocol/codec/reader.js';
import { Writer } from '../../../../src/protocol/codec/writer.js';
import {
  API_SPECS,
  ApiKey,
  decodeApiVersionsRequest,
  decodeMetadataRequest,
  decodeRequestHeader,
  encodeApiVersionsRequest,
  encodeApiVersionsResponse,
  encodeMetadataRequest,
  encodeMetadataResponse,
  encodeRequestHeader,
  encodeResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  type RequestHeader,
} from '../../../../src/protocol/messages/index.js';
import { encode } from './helpers.js';

const FIXTURE = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../fixtures/protocol/librdkafka-2.0.2-kcat-metadata.hex',
);

function fixtureFrames(): Buffer[] {
  return readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => Buffer.from(l, 'hex'));
}

/** Splits a request frame into its header and a reader positioned at the body. */
function readHeader(frame: Buffer): { header: RequestHeader; headerVersion: number; r: Reader } {
  const apiKey = frame.readInt16BE(0);
  const apiVersion = frame.readInt16BE(2);
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const r = new Reader(frame);
  return { header: decodeRequestHeader(r, headerVersion), headerVersion, r };
}

describe('request frames captured from librdkafka 2.0.2', () => {
  const frames = fixtureFrames();

  it('ApiVersions v3: header v2 with a classic client id, compact body', () => {
    const frame = frames[0]!;
    const { header, headerVersion, r } = readHeader(frame);
    expect(headerVersion).toBe(2);
    expect(header).toMatchObject({
      requestApiKey: 18,
      requestApiVersion: 3,
      correlationId: 1,
      clientId: 'rdkafka',
    });
    const body = decodeApiVersionsRequest(r, 3);
    expect(r.remaining).toBe(0);
    expect(body).toMatchObject({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
    const w = new Writer();
    encodeRequestHeader(w, header, 2);
    encodeApiVersionsRequest(w, body, 3);
    expect(w.toBuffer()).toEqual(frame);
  });

  it('Metadata v4: header v1, empty and null topic lists', () => {
    const decoded = frames.slice(1).map((frame) => {
      const { header, headerVersion, r } = readHeader(frame);
      expect(headerVersion).toBe(1);
      expect(header).toMatchObject({ requestApiKey: 3, requestApiVersion: 4, clientId: 'rdkafka' });
      const body = decodeMetadataRequest(r, 4);
      expect(r.remaining).toBe(0);
      expect(
        Buffer.concat([encode(encodeRequestHeader, header, 1), encode(encodeMetadataRequest, body, 4)]),
      ).toEqual(frame);
      return body;
    });
    expect(decoded[0]).toMatchObject({ topics: [], allowAutoTopicCreation: false });
    expect(decoded[1]).toMatchObject({ topics: null, allowAutoTopicCreation: true });
  });
});

const kcatAvailable = spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!kcatAvailable)('live kcat -L against a stub broker', () => {
  it('reads our ApiVersions and Metadata responses', async () => {
    const seen: { header: RequestHeader; body: unknown }[] = [];
    const server = net.createServer((socket) => {
      let pending = Buffer.alloc(0);
      socket.on('error', () => {});
      socket.on('data', (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
          const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
          pending = pending.subarray(4 + frame.length);
          const { header, r } = readHeader(frame);
          const { requestApiKey: apiKey, requestApiVersion: version } = header;
          const spec = API_SPECS.get(apiKey)!;
          seen.push({ header, body: spec.decodeRequest(r, version) });
          const w = new Writer();
          w.writeInt32(0); // size, patched below
          encodeResponseHeader(
            w,
            { correlationId: header.correlationId },
            responseHeaderVersion(apiKey, version),
          );
          if (apiKey === ApiKey.ApiVersions) {
            encodeApiVersionsResponse(
              w,
              {
                apiKeys: [...API_SPECS.values()].map((s) => ({
                  apiKey: s.apiKey,
                  minVersion: s.minVersion,
                  maxVersion: s.maxVersion,
                })),
                finalizedFeaturesEpoch: 3, // a tagged field librdkafka has to skip
              },
              version,
            );
          } else if (apiKey === ApiKey.Metadata) {
            const { port } = server.address() as net.AddressInfo;
            encodeMetadataResponse(
              w,
              {
                brokers: [{ nodeId: 1, host: '127.0.0.1', port }],
                clusterId: 'fluxmq-test',
                controllerId: 1,
                topics: [
                  {
                    name: 'orders',
                    partitions: [
                      { partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] },
                      { partitionIndex: 1, leaderId: 1, replicaNodes: [1], isrNodes: [1] },
                    ],
                  },
                ],
              },
              version,
            );
          } else {
            socket.destroy();
            return;
          }
          const out = w.toBuffer();
          out.writeInt32BE(out.length - 4, 0);
          socket.write(out);
        }
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const { port } = server.address() as net.AddressInfo;
      const output = await new Promise<string>((ok, fail) => {
        const kcat = spawn('kcat', ['-b', `127.0.0.1:${port}`, '-L', '-J', '-m', '5']);
        let stdout = '';
        let stderr = '';
        kcat.stdout.on('data', (d) => (stdout += d));
        kcat.stderr.on('data', (d) => (stderr += d));
        kcat.on('error', fail);
        kcat.on('exit', (code) =>
          code === 0 ? ok(stdout) : fail(new Error(`kcat exited ${code}: ${stderr}`)),
        );
      });
      const metadata = JSON.parse(output);
      expect(metadata.brokers).toEqual([{ id: 1, name: `127.0.0.1:${port}` }]);
      expect(metadata.topics).toHaveLength(1);
      expect(metadata.topics[0].topic).toBe('orders');
      expect(metadata.topics[0].partitions.map((p: { partition: number }) => p.partition)).toEqual([0, 1]);

      const apiVersions = seen.find((s) => s.header.requestApiKey === ApiKey.ApiVersions)!;
      expect(apiVersions.header.requestApiVersion).toBeGreaterThanOrEqual(3);
      expect(apiVersions.body).toMatchObject({ clientSoftwareName: 'librdkafka' });
      expect(seen.some((s) => s.header.requestApiKey === ApiKey.Metadata)).toBe(true);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });
});
