// Cross-checks the classic (non-flexible) versions against KafkaJS's own protocol code: its request
// encoders produce bytes our decoders must read and our encoders must reproduce; its response decoders
// must read what our encoders write.

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../../../src/protocol/codec/reader.js';
import {
  decodeApiVersionsRequest,
  decodeFetchRequest,
  decodeMetadataRequest,
  decodeProduceRequest,
  decodeRequestHeader,
  encodeApiVersionsRequest,
  encodeApiVersionsResponse,
  encodeFetchRequest,
  encodeFetchResponse,
  encodeMetadataRequest,
  encodeMetadataResponse,
  encodeProduceRequest,
  encodeProduceResponse,
  encodeRequestHeader,
  requestHeaderVersion,
} from '../../../../src/protocol/messages/index.js';
import { decode, encode } from './helpers.js';

const require = createRequire(import.meta.url);
// KafkaJS ships no types for its protocol internals.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Untyped = any;
const kafkajs = (path: string): Untyped => require(`kafkajs/src/protocol/${path}`);

interface KafkaJsRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<{ buffer: Buffer }>;
}

async function requestBody(path: string, args: unknown): Promise<{ request: KafkaJsRequest; body: Buffer }> {
  const request: KafkaJsRequest = kafkajs(`requests/${path}/request.js`)(args);
  return { request, body: (await request.encode()).buffer };
}

/** A record batch encoded by KafkaJS (its Fetch decoder insists on real batches). */
async function kafkajsRecordBatch(): Promise<Buffer> {
  const { RecordBatch } = kafkajs('recordBatch/v0/index.js');
  const Record = kafkajs('recordBatch/record/v0/index.js');
  const batch = await RecordBatch({
    firstTimestamp: 1_700_000_000_000,
    maxTimestamp: 1_700_000_000_000,
    lastOffsetDelta: 0,
    records: [Record({ key: Buffer.from('k'), value: Buffer.from('v') })],
  });
  return batch.buffer;
}

describe('requests encoded by KafkaJS', () => {
  it('request header v1 (KafkaJS frames every request with it)', async () => {
    const createRequest = kafkajs('request.js');
    const { request } = await requestBody('metadata/v1', { topics: ['a'] });
    const framed: Buffer = (await createRequest({ correlationId: 42, clientId: 'my-app', request })).buffer;
    const frame = framed.subarray(4);
    expect(framed.readInt32BE(0)).toBe(frame.length);
    expect(requestHeaderVersion(request.apiKey, request.apiVersion)).toBe(1);
    const r = new Reader(frame);
    const header = decodeRequestHeader(r, 1);
    expect(header).toMatchObject({
      requestApiKey: 3,
      requestApiVersion: 1,
      correlationId: 42,
      clientId: 'my-app',
    });
    const ours = encode(encodeRequestHeader, header, 1);
    expect(frame.subarray(0, r.offset)).toEqual(ours);
  });

  it.each([0, 1, 2])('ApiVersions v%i', async (v) => {
    const { body } = await requestBody(`apiVersions/v${v}`, {});
    decode(decodeApiVersionsRequest, body, v);
    expect(encode(encodeApiVersionsRequest, {}, v)).toEqual(body);
  });

  // KafkaJS writes an empty topic list as a null array ("all topics").
  it.each([
    [1, ['alpha', 'beta'], true],
    [1, [], true],
    [4, ['alpha'], false],
    [4, [], true],
  ] as const)('Metadata v%i topics %j', async (v, topics, allowAutoTopicCreation) => {
    const { body } = await requestBody(`metadata/v${v}`, { topics, allowAutoTopicCreation });
    const decoded = decode(decodeMetadataRequest, body, v);
    expect(decoded.topics === null ? null : decoded.topics.map((t) => t.name)).toEqual(
      topics.length === 0 ? null : topics,
    );
    if (v >= 4) expect(decoded.allowAutoTopicCreation).toBe(allowAutoTopicCreation);
    const input = {
      topics: topics.length === 0 ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation,
    };
    expect(encode(encodeMetadataRequest, input, v)).toEqual(body);
  });

  it('Produce v3', async () => {
    const { body } = await requestBody('produce/v3', {
      acks: -1,
      timeout: 30000,
      transactionalId: 'tx-1',
      topicData: [
        {
          topic: 'orders',
          partitions: [{ partition: 2, messages: [{ key: 'k', value: 'v', timestamp: 1_700_000_000_000 }] }],
        },
      ],
    });
    const decoded = decode(decodeProduceRequest, body, 3);
    expect(decoded).toMatchObject({ transactionalId: 'tx-1', acks: -1, timeoutMs: 30000 });
    expect(decoded.topicData).toHaveLength(1);
    const partition = decoded.topicData[0]!.partitionData[0]!;
    expect(decoded.topicData[0]!.name).toBe('orders');
    expect(partition.index).toBe(2);
    // the records field is KafkaJS's record batch: magic byte 2 at offset 16
    expect(partition.records!.readInt8(16)).toBe(2);
    expect(encode(encodeProduceRequest, decoded, 3)).toEqual(body);
  });

  it('Fetch v4', async () => {
    const args = {
      replicaId: -1,
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: 10485760,
      isolationLevel: 1,
      topics: [
        { topic: 'orders', partitions: [{ partition: 0, fetchOffset: '12345678901', maxBytes: 1048576 }] },
      ],
    };
    const { body } = await requestBody('fetch/v4', args);
    const decoded = decode(decodeFetchRequest, body, 4);
    expect(decoded).toMatchObject({
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 10485760,
      isolationLevel: 1,
    });
    expect(decoded.topics[0]).toMatchObject({
      topic: 'orders',
      partitions: [{ partition: 0, fetchOffset: 12345678901, partitionMaxBytes: 1048576 }],
    });
    expect(encode(encodeFetchRequest, decoded, 4)).toEqual(body);
  });
});

describe('responses decoded by KafkaJS', () => {
  const response = (path: string): { decode(b: Buffer): Promise<Untyped> } =>
    kafkajs(`requests/${path}/response.js`);

  it('ApiVersions v0', async () => {
    const apiKeys = [
      { apiKey: 0, minVersion: 0, maxVersion: 9 },
      { apiKey: 18, minVersion: 0, maxVersion: 4 },
    ];
    const bytes = encode(encodeApiVersionsResponse, { errorCode: 0, apiKeys }, 0);
    expect(await response('apiVersions/v0').decode(bytes)).toEqual({ errorCode: 0, apiVersions: apiKeys });
  });

  it('ApiVersions v2', async () => {
    const apiKeys = [{ apiKey: 3, minVersion: 0, maxVersion: 12 }];
    const bytes = encode(encodeApiVersionsResponse, { apiKeys, throttleTimeMs: 5 }, 2);
    // KafkaJS reports a v2+ throttle time as clientSideThrottleTime (KIP-219)
    expect(await response('apiVersions/v2').decode(bytes)).toEqual({
      errorCode: 0,
      apiVersions: apiKeys,
      throttleTime: 0,
      clientSideThrottleTime: 5,
    });
  });

  it('Metadata v1', async () => {
    const bytes = encode(
      encodeMetadataResponse,
      {
        brokers: [
          { nodeId: 1, host: 'broker-1', port: 9092, rack: 'r1' },
          { nodeId: 2, host: 'broker-2', port: 9093, rack: null },
        ],
        controllerId: 2,
        topics: [
          {
            errorCode: 0,
            name: 'orders',
            isInternal: false,
            partitions: [
              { errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1, 2], isrNodes: [2, 1] },
            ],
          },
        ],
      },
      1,
    );
    expect(await response('metadata/v1').decode(bytes)).toEqual({
      brokers: [
        { nodeId: 1, host: 'broker-1', port: 9092, rack: 'r1' },
        { nodeId: 2, host: 'broker-2', port: 9093, rack: null },
      ],
      controllerId: 2,
      topicMetadata: [
        {
          topicErrorCode: 0,
          topic: 'orders',
          isInternal: false,
          partitionMetadata: [
            { partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1, 2], isr: [2, 1] },
          ],
        },
      ],
    });
  });

  it('Produce v3', async () => {
    const bytes = encode(
      encodeProduceResponse,
      {
        responses: [
          {
            name: 'orders',
            partitionResponses: [
              { index: 2, errorCode: 0, baseOffset: 9007199254740991, logAppendTimeMs: 1_700_000_000_000 },
            ],
          },
        ],
        throttleTimeMs: 7,
      },
      3,
    );
    expect(await response('produce/v3').decode(bytes)).toEqual({
      topics: [
        {
          topicName: 'orders',
          partitions: [
            { partition: 2, errorCode: 0, baseOffset: '9007199254740991', logAppendTime: '1700000000000' },
          ],
        },
      ],
      throttleTime: 7,
    });
  });

  it('Fetch v4', async () => {
    const records = await kafkajsRecordBatch();
    const bytes = encode(
      encodeFetchResponse,
      {
        throttleTimeMs: 3,
        responses: [
          {
            topic: 'orders',
            partitions: [
              {
                partitionIndex: 0,
                errorCode: 0,
                highWatermark: 1,
                lastStableOffset: 1,
                abortedTransactions: [{ producerId: 1000, firstOffset: 0 }],
                records,
              },
            ],
          },
        ],
      },
      4,
    );
    const decoded = await response('fetch/v4').decode(bytes);
    expect(decoded.throttleTime).toBe(3);
    const partition = decoded.responses[0].partitions[0];
    expect(decoded.responses[0].topicName).toBe('orders');
    expect(partition).toMatchObject({
      partition: 0,
      errorCode: 0,
      highWatermark: '1',
      lastStableOffset: '1',
      abortedTransactions: [{ producerId: '1000', firstOffset: '0' }],
    });
    expect(partition.messages).toHaveLength(1);
    expect(partition.messages[0].key.toString()).toBe('k');
    expect(partition.messages[0].value.toString()).toBe('v');
  });
});
