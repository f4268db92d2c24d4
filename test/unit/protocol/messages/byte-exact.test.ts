// Byte-exact encodings of the headers and of ApiVersions, Metadata, Produce and Fetch, in a classic and
// a flexible version each. The expected bytes are written out by hand from the message schemas and the
// protocol guide's primitive types (int16/int32/int64 big-endian; STRING = int16 length + UTF-8;
// NULLABLE_STRING null = ffff; BYTES/RECORDS = int32 length; ARRAY = int32 count, null = ffffffff;
// flexible versions use COMPACT_* forms with unsigned-varint length+1 (0 = null) and end every struct
// with a tagged-field section: varint count, then tag, size, data for each field).

import { describe, expect, it } from 'vitest';
import { uuidToString } from '../../../../src/protocol/codec/uuid.js';
import {
  decodeApiVersionsRequest,
  decodeApiVersionsResponse,
  decodeFetchRequest,
  decodeFetchResponse,
  decodeMetadataRequest,
  decodeMetadataResponse,
  decodeProduceRequest,
  decodeProduceResponse,
  decodeRequestHeader,
  decodeResponseHeader,
  encodeApiVersionsRequest,
  encodeApiVersionsResponse,
  encodeFetchRequest,
  encodeFetchResponse,
  encodeMetadataRequest,
  encodeMetadataResponse,
  encodeProduceRequest,
  encodeProduceResponse,
  encodeRequestHeader,
  encodeResponseHeader,
  type ApiVersionsResponseInput,
  type FetchRequestInput,
  type FetchResponseInput,
  type MetadataResponseInput,
  type ProduceRequestInput,
  type ProduceResponseInput,
} from '../../../../src/protocol/messages/index.js';
import { decode, encode, hex, type Decoder, type Encoder } from './helpers.js';

/** Encodes to exactly `bytes`, and decodes `bytes` back to an object that re-encodes identically. */
function expectBytes<I, O>(enc: Encoder<I>, dec: Decoder<O>, input: I, version: number, bytes: Buffer): O {
  expect(encode(enc, input, version).toString('hex')).toBe(bytes.toString('hex'));
  const decoded = decode(dec, bytes, version);
  expect(encode(enc as unknown as Encoder<O>, decoded, version).toString('hex')).toBe(bytes.toString('hex'));
  return decoded;
}

const TOPIC_ID_BYTES = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const TOPIC_ID = uuidToString(TOPIC_ID_BYTES);

describe('request and response headers', () => {
  it('RequestHeader v0 (ControlledShutdown v0): no client id', () => {
    const bytes = hex`
      00 07          # request_api_key = 7
      00 00          # request_api_version = 0
      00 00 00 05    # correlation_id = 5
    `;
    const h = expectBytes(
      encodeRequestHeader,
      decodeRequestHeader,
      { requestApiKey: 7, correlationId: 5 },
      0,
      bytes,
    );
    expect(h.clientId).toBe('');
  });

  it('RequestHeader v1: client_id is a NULLABLE_STRING', () => {
    const bytes = hex`
      00 03          # request_api_key = 3 (Metadata)
      00 01          # request_api_version = 1
      00 00 00 07    # correlation_id = 7
      00 03 63 6c 69 # client_id = "cli"
    `;
    const m = { requestApiKey: 3, requestApiVersion: 1, correlationId: 7, clientId: 'cli' };
    expect(expectBytes(encodeRequestHeader, decodeRequestHeader, m, 1, bytes)).toMatchObject(m);
    const nullId = hex`00 03 00 01 00 00 00 07 ffff # client_id = null`;
    expect(decode(decodeRequestHeader, nullId, 1).clientId).toBeNull();
    expect(encode(encodeRequestHeader, { ...m, clientId: null }, 1)).toEqual(nullId);
  });

  it('RequestHeader v2: client_id stays a classic NULLABLE_STRING, then tagged fields', () => {
    const bytes = hex`
      00 12                         # request_api_key = 18 (ApiVersions)
      00 03                         # request_api_version = 3
      00 00 00 01                   # correlation_id = 1
      00 07 72 64 6b 61 66 6b 61    # client_id = "rdkafka" (int16 length, not compact)
      00                            # no tagged fields
    `;
    const m = { requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'rdkafka' };
    expect(expectBytes(encodeRequestHeader, decodeRequestHeader, m, 2, bytes)).toMatchObject(m);
  });

  it('ResponseHeader v0 and v1', () => {
    expectBytes(
      encodeResponseHeader,
      decodeResponseHeader,
      { correlationId: 7 },
      0,
      hex`00 00 00 07 # correlation_id`,
    );
    expectBytes(
      encodeResponseHeader,
      decodeResponseHeader,
      { correlationId: 7 },
      1,
      hex`00 00 00 07 # correlation_id
          00          # no tagged fields`,
    );
  });
});

describe('ApiVersions', () => {
  it('request v0 is empty', () => {
    expectBytes(encodeApiVersionsRequest, decodeApiVersionsRequest, {}, 0, Buffer.alloc(0));
  });

  it('request v3 carries the client software as COMPACT_STRINGs', () => {
    const bytes = hex`
      0b 6c 69 62 72 64 6b 61 66 6b 61   # client_software_name: length 10 + 1, "librdkafka"
      06 32 2e 30 2e 32                  # client_software_version: length 5 + 1, "2.0.2"
      00                                 # no tagged fields
    `;
    const m = { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' };
    expect(expectBytes(encodeApiVersionsRequest, decodeApiVersionsRequest, m, 3, bytes)).toMatchObject(m);
  });

  it('response v0', () => {
    const bytes = hex`
      00 00                  # error_code = 0
      00 00 00 02            # api_keys: 2 entries
      00 00  00 00  00 09    #   Produce 0..9
      00 12  00 00  00 03    #   ApiVersions 0..3
    `;
    const m: ApiVersionsResponseInput = {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 0, maxVersion: 9 },
        { apiKey: 18, minVersion: 0, maxVersion: 3 },
      ],
    };
    expect(expectBytes(encodeApiVersionsResponse, decodeApiVersionsResponse, m, 0, bytes)).toMatchObject(m);
  });

  it('response v3 with tagged fields in ascending tag order, defaults left out', () => {
    const bytes = hex`
      00 00                  # error_code = 0
      02                     # api_keys: compact array, 1 entry
      00 12 00 00 00 04 00   #   ApiVersions 0..4, no tagged fields
      00 00 00 00            # throttle_time_ms = 0
      03                     # 3 tagged fields (finalized_features is empty: the default, not sent)
      00 14                  # tag 0 supported_features, 20 bytes:
      02                     #   compact array, 1 entry
      0e 6b 72 61 66 74 2e 76 65 72 73 69 6f 6e  # name "kraft.version" (13 + 1)
      00 00 00 01 00         #   min_version 0, max_version 1, no tagged fields
      01 08 00 00 00 00 00 00 00 07  # tag 1 finalized_features_epoch, 8 bytes: 7
      03 01 01               # tag 3 zk_migration_ready, 1 byte: true
    `;
    const m: ApiVersionsResponseInput = {
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
      supportedFeatures: [{ name: 'kraft.version', minVersion: 0, maxVersion: 1 }],
      finalizedFeaturesEpoch: 7,
      zkMigrationReady: true,
    };
    const decoded = expectBytes(encodeApiVersionsResponse, decodeApiVersionsResponse, m, 3, bytes);
    expect(decoded).toMatchObject({ ...m, finalizedFeatures: [], throttleTimeMs: 0 });
    expect(decoded.unknownTaggedFields).toBeUndefined();
  });
});

describe('Metadata', () => {
  it('request v1: topic names, or null for all topics', () => {
    const bytes = hex`
      00 00 00 01        # topics: 1 entry
      00 03 66 6f 6f     #   name "foo"
    `;
    const decoded = expectBytes(
      encodeMetadataRequest,
      decodeMetadataRequest,
      { topics: [{ name: 'foo' }] },
      1,
      bytes,
    );
    expect(decoded.topics).toEqual([
      { name: 'foo', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', unknownTaggedFields: undefined },
    ]);
    expectBytes(
      encodeMetadataRequest,
      decodeMetadataRequest,
      { topics: null },
      1,
      hex`ff ff ff ff # topics = null`,
    );
  });

  it('request v12: topic id and nullable compact name', () => {
    const bytes = hex`
      02                                                # topics: compact array, 1 entry
      00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f   #   topic_id
      04 66 6f 6f                                       #   name "foo" (3 + 1)
      00                                                #   no tagged fields
      00                                                # allow_auto_topic_creation = false
      01                                                # include_topic_authorized_operations = true
      00                                                # no tagged fields
    `;
    const m = {
      topics: [{ topicId: TOPIC_ID, name: 'foo' }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: true,
    };
    expect(expectBytes(encodeMetadataRequest, decodeMetadataRequest, m, 12, bytes)).toMatchObject(m);
  });

  it('response v1', () => {
    const bytes = hex`
      00 00 00 01        # brokers: 1 entry
      00 00 00 01        #   node_id = 1
      00 01 68           #   host = "h"
      00 00 23 84        #   port = 9092
      ff ff              #   rack = null
      00 00 00 01        # controller_id = 1
      00 00 00 01        # topics: 1 entry
      00 00              #   error_code = 0
      00 01 74           #   name = "t"
      00                 #   is_internal = false
      00 00 00 01        #   partitions: 1 entry
      00 00              #     error_code = 0
      00 00 00 00        #     partition_index = 0
      00 00 00 01        #     leader_id = 1
      00 00 00 01 00 00 00 01   # replica_nodes = [1]
      00 00 00 01 00 00 00 01   # isr_nodes = [1]
    `;
    const m: MetadataResponseInput = {
      brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null }],
      controllerId: 1,
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] }] },
      ],
    };
    const decoded = expectBytes(encodeMetadataResponse, decodeMetadataResponse, m, 1, bytes);
    expect(decoded).toMatchObject(m);
    // fields added after v1 take their schema defaults
    expect(decoded.clusterId).toBeNull();
    expect(decoded.topics[0]!.topicAuthorizedOperations).toBe(-2147483648);
    expect(decoded.topics[0]!.partitions[0]!.leaderEpoch).toBe(-1);
  });

  it('response v12', () => {
    const bytes = hex`
      00 00 00 00        # throttle_time_ms = 0
      02                 # brokers: 1 entry
      00 00 00 01        #   node_id = 1
      02 68              #   host = "h"
      00 00 23 84        #   port = 9092
      03 72 31           #   rack = "r1"
      00                 #   no tagged fields
      02 63              # cluster_id = "c"
      00 00 00 01        # controller_id = 1
      02                 # topics: 1 entry
      00 00              #   error_code = 0
      02 74              #   name = "t"
      00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f   # topic_id
      00                 #   is_internal = false
      02                 #   partitions: 1 entry
      00 00              #     error_code = 0
      00 00 00 00        #     partition_index = 0
      00 00 00 01        #     leader_id = 1
      00 00 00 05        #     leader_epoch = 5
      03 00 00 00 01 00 00 00 02   # replica_nodes = [1, 2]
      02 00 00 00 01               # isr_nodes = [1]
      01                 #     offline_replicas = []
      00                 #     no tagged fields
      80 00 00 00        #   topic_authorized_operations = INT32_MIN (not requested)
      00                 #   no tagged fields
      00                 # no tagged fields
    `;
    const m: MetadataResponseInput = {
      brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: 'r1' }],
      clusterId: 'c',
      controllerId: 1,
      topics: [
        {
          name: 't',
          topicId: TOPIC_ID,
          partitions: [
            { partitionIndex: 0, leaderId: 1, leaderEpoch: 5, replicaNodes: [1, 2], isrNodes: [1] },
          ],
        },
      ],
    };
    expect(expectBytes(encodeMetadataResponse, decodeMetadataResponse, m, 12, bytes)).toMatchObject(m);
  });
});

describe('Produce', () => {
  const records = Buffer.from('abc');

  it('request v3', () => {
    const bytes = hex`
      ff ff              # transactional_id = null
      ff ff              # acks = -1
      00 00 75 30        # timeout_ms = 30000
      00 00 00 01        # topic_data: 1 entry
      00 01 74           #   name = "t"
      00 00 00 01        #   partition_data: 1 entry
      00 00 00 00        #     index = 0
      00 00 00 03 61 62 63   # records: int32 length 3, bytes
    `;
    const m: ProduceRequestInput = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
    };
    const decoded = expectBytes(encodeProduceRequest, decodeProduceRequest, m, 3, bytes);
    expect(decoded).toMatchObject(m);
    // records are a view into the input, not a copy
    expect(decoded.topicData[0]!.partitionData[0]!.records!.buffer).toBe(bytes.buffer);
  });

  it('request v9', () => {
    const bytes = hex`
      03 74 78           # transactional_id = "tx" (2 + 1)
      00 01              # acks = 1
      00 00 03 e8        # timeout_ms = 1000
      02                 # topic_data: 1 entry
      02 74              #   name = "t"
      02                 #   partition_data: 1 entry
      00 00 00 00        #     index = 0
      04 61 62 63        #     records: compact length 3 + 1, bytes
      00                 #     no tagged fields
      00                 #   no tagged fields
      00                 # no tagged fields
    `;
    const m: ProduceRequestInput = {
      transactionalId: 'tx',
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
    };
    expect(expectBytes(encodeProduceRequest, decodeProduceRequest, m, 9, bytes)).toMatchObject(m);
  });

  it('response v3', () => {
    const bytes = hex`
      00 00 00 01                # responses: 1 entry
      00 01 74                   #   name = "t"
      00 00 00 01                #   partition_responses: 1 entry
      00 00 00 00                #     index = 0
      00 00                      #     error_code = 0
      00 00 00 00 00 00 00 2a    #     base_offset = 42
      ff ff ff ff ff ff ff ff    #     log_append_time_ms = -1
      00 00 00 00                # throttle_time_ms = 0
    `;
    const m: ProduceResponseInput = {
      responses: [{ name: 't', partitionResponses: [{ index: 0, baseOffset: 42 }] }],
    };
    const decoded = expectBytes(encodeProduceResponse, decodeProduceResponse, m, 3, bytes);
    expect(decoded.responses[0]!.partitionResponses[0]).toMatchObject({
      baseOffset: 42,
      logAppendTimeMs: -1,
    });
  });

  it('response v9', () => {
    const bytes = hex`
      02                         # responses: 1 entry
      02 74                      #   name = "t"
      02                         #   partition_responses: 1 entry
      00 00 00 00                #     index = 0
      00 00                      #     error_code = 0
      00 00 00 00 00 00 00 2a    #     base_offset = 42
      ff ff ff ff ff ff ff ff    #     log_append_time_ms = -1
      00 00 00 00 00 00 00 00    #     log_start_offset = 0
      02                         #     record_errors: 1 entry
      00 00 00 01                #       batch_index = 1
      02 78                      #       batch_index_error_message = "x"
      00                         #       no tagged fields
      00                         #     error_message = null
      00                         #     no tagged fields
      00                         #   no tagged fields
      00 00 00 00                # throttle_time_ms = 0
      00                         # no tagged fields
    `;
    const m: ProduceResponseInput = {
      responses: [
        {
          name: 't',
          partitionResponses: [
            {
              index: 0,
              baseOffset: 42,
              logStartOffset: 0,
              recordErrors: [{ batchIndex: 1, batchIndexErrorMessage: 'x' }],
            },
          ],
        },
      ],
    };
    expect(expectBytes(encodeProduceResponse, decodeProduceResponse, m, 9, bytes)).toMatchObject(m);
  });

  it('response v10 with a tagged struct and a tagged array', () => {
    const bytes = hex`
      02                         # responses: 1 entry
      02 74                      #   name = "t"
      02                         #   partition_responses: 1 entry
      00 00 00 00                #     index = 0
      00 06                      #     error_code = 6 (NOT_LEADER_OR_FOLLOWER)
      ff ff ff ff ff ff ff ff    #     base_offset = -1
      ff ff ff ff ff ff ff ff    #     log_append_time_ms = -1
      ff ff ff ff ff ff ff ff    #     log_start_offset = -1
      01                         #     record_errors = []
      00                         #     error_message = null
      01                         #     1 tagged field
      00 09                      #     tag 0 current_leader, 9 bytes:
      00 00 00 02 00 00 00 03 00 #       leader_id 2, leader_epoch 3, no tagged fields
      00                         #   no tagged fields
      00 00 00 00                # throttle_time_ms = 0
      01                         # 1 tagged field
      00 0d                      # tag 0 node_endpoints, 13 bytes:
      02                         #   compact array, 1 entry
      00 00 00 02 02 68 00 00 23 84   # node_id 2, host "h", port 9092
      00 00                      #   rack = null, no tagged fields
    `;
    const m: ProduceResponseInput = {
      responses: [
        {
          name: 't',
          partitionResponses: [
            { index: 0, errorCode: 6, baseOffset: -1, currentLeader: { leaderId: 2, leaderEpoch: 3 } },
          ],
        },
      ],
      nodeEndpoints: [{ nodeId: 2, host: 'h', port: 9092 }],
    };
    expect(expectBytes(encodeProduceResponse, decodeProduceResponse, m, 10, bytes)).toMatchObject(m);
  });
});

describe('Fetch', () => {
  it('request v4', () => {
    const bytes = hex`
      ff ff ff ff                # replica_id = -1 (a consumer)
      00 00 01 f4                # max_wait_ms = 500
      00 00 00 01                # min_bytes = 1
      03 20 00 00                # max_bytes = 52428800
      01                         # isolation_level = 1 (read committed)
      00 00 00 01                # topics: 1 entry
      00 01 74                   #   topic = "t"
      00 00 00 01                #   partitions: 1 entry
      00 00 00 00                #     partition = 0
      00 00 00 00 00 00 00 07    #     fetch_offset = 7
      00 10 00 00                #     partition_max_bytes = 1048576
    `;
    const m: FetchRequestInput = {
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1,
      topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 7, partitionMaxBytes: 1048576 }] }],
    };
    expect(expectBytes(encodeFetchRequest, decodeFetchRequest, m, 4, bytes)).toMatchObject(m);
  });

  it('request v13: topic ids, a tagged nullable string', () => {
    const bytes = hex`
      ff ff ff ff                # replica_id = -1
      00 00 01 f4                # max_wait_ms = 500
      00 00 00 01                # min_bytes = 1
      03 20 00 00                # max_bytes = 52428800
      00                         # isolation_level = 0
      00 00 00 00                # session_id = 0
      ff ff ff ff                # session_epoch = -1
      02                         # topics: 1 entry
      00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f   # topic_id
      02                         #   partitions: 1 entry
      00 00 00 00                #     partition = 0
      ff ff ff ff                #     current_leader_epoch = -1
      00 00 00 00 00 00 00 07    #     fetch_offset = 7
      ff ff ff ff                #     last_fetched_epoch = -1
      ff ff ff ff ff ff ff ff    #     log_start_offset = -1
      00 10 00 00                #     partition_max_bytes = 1048576
      00                         #     no tagged fields
      00                         #   no tagged fields
      01                         # forgotten_topics_data = []
      01                         # rack_id = ""
      01                         # 1 tagged field
      00 02 02 63                # tag 0 cluster_id, 2 bytes: "c"
    `;
    const m: FetchRequestInput = {
      clusterId: 'c',
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      topics: [
        { topicId: TOPIC_ID, partitions: [{ partition: 0, fetchOffset: 7, partitionMaxBytes: 1048576 }] },
      ],
    };
    const decoded = expectBytes(encodeFetchRequest, decodeFetchRequest, m, 13, bytes);
    expect(decoded).toMatchObject({ ...m, replicaId: -1, sessionEpoch: -1, rackId: '' });
    // without a cluster id (the null default) the tag is not sent
    const noCluster = encode(encodeFetchRequest, { ...m, clusterId: null }, 13);
    expect(noCluster.subarray(-1)).toEqual(hex`00 # no tagged fields`);
  });

  it('response v4', () => {
    const bytes = hex`
      00 00 00 00                # throttle_time_ms = 0
      00 00 00 01                # responses: 1 entry
      00 01 74                   #   topic = "t"
      00 00 00 01                #   partitions: 1 entry
      00 00 00 00                #     partition_index = 0
      00 00                      #     error_code = 0
      00 00 00 00 00 00 00 0a    #     high_watermark = 10
      00 00 00 00 00 00 00 0a    #     last_stable_offset = 10
      ff ff ff ff                #     aborted_transactions = null
      00 00 00 03 61 62 63       #     records: 3 bytes
    `;
    const m: FetchResponseInput = {
      responses: [
        {
          topic: 't',
          partitions: [
            {
              partitionIndex: 0,
              highWatermark: 10,
              lastStableOffset: 10,
              abortedTransactions: null,
              records: Buffer.from('abc'),
            },
          ],
        },
      ],
    };
    expect(expectBytes(encodeFetchResponse, decodeFetchResponse, m, 4, bytes)).toMatchObject(m);
  });

  it('response v12: tagged structs are sent only when they differ from their defaults', () => {
    const bytes = hex`
      00 00 00 00                # throttle_time_ms = 0
      00 00                      # error_code = 0
      00 00 00 00                # session_id = 0
      02                         # responses: 1 entry
      02 74                      #   topic = "t"
      02                         #   partitions: 1 entry
      00 00 00 00                #     partition_index = 0
      00 00                      #     error_code = 0
      00 00 00 00 00 00 00 0a    #     high_watermark = 10
      00 00 00 00 00 00 00 0a    #     last_stable_offset = 10
      00 00 00 00 00 00 00 00    #     log_start_offset = 0
      02                         #     aborted_transactions: 1 entry
      00 00 00 00 00 00 00 05    #       producer_id = 5
      00 00 00 00 00 00 00 03    #       first_offset = 3
      00                         #       no tagged fields
      ff ff ff ff                #     preferred_read_replica = -1
      04 61 62 63                #     records: 3 bytes
      01                         #     1 tagged field (diverging_epoch, snapshot_id are defaults)
      01 09                      #     tag 1 current_leader, 9 bytes:
      00 00 00 01 00 00 00 02 00 #       leader_id 1, leader_epoch 2, no tagged fields
      00                         #   no tagged fields
      00                         # no tagged fields
    `;
    const m: FetchResponseInput = {
      responses: [
        {
          topic: 't',
          partitions: [
            {
              partitionIndex: 0,
              highWatermark: 10,
              lastStableOffset: 10,
              logStartOffset: 0,
              currentLeader: { leaderId: 1, leaderEpoch: 2 },
              abortedTransactions: [{ producerId: 5, firstOffset: 3 }],
              records: Buffer.from('abc'),
            },
          ],
        },
      ],
    };
    const decoded = expectBytes(encodeFetchResponse, decodeFetchResponse, m, 12, bytes);
    expect(decoded).toMatchObject(m);
    expect(decoded.responses[0]!.partitions[0]!.divergingEpoch).toMatchObject({ epoch: -1, endOffset: -1 });
    expect(decoded.responses[0]!.partitions[0]!.snapshotId).toMatchObject({ endOffset: -1, epoch: -1 });
  });
});
