// Tagged fields and nullable structs, byte by byte, plus the codec helpers they rely on.

import { describe, expect, it } from 'vitest';
import { ProtocolDecodeError, Reader } from '../../../../src/protocol/codec/reader.js';
import { Writer } from '../../../../src/protocol/codec/writer.js';
import {
  decodeConsumerGroupMemberMetadataValue,
  decodeDescribeTopicPartitionsRequest,
  decodeFetchRequest,
  decodeProduceRequest,
  encodeConsumerGroupMemberMetadataValue,
  encodeDescribeTopicPartitionsRequest,
  encodeFetchRequest,
  type ConsumerGroupMemberMetadataValueInput,
} from '../../../../src/protocol/messages/index.js';
import { decode, encode, hex } from './helpers.js';

describe('tagged fields', () => {
  // FetchRequest v12 knows tag 0 (cluster_id); tag 1 (replica_state) only exists from v15, so in v12 it
  // is an unknown tag like any other.
  const fetchV12 = hex`
    ff ff ff ff  00 00 01 f4  00 00 00 01  7f ff ff ff   # replica_id, max_wait_ms, min_bytes, max_bytes
    00  00 00 00 00  ff ff ff ff                         # isolation_level, session_id, session_epoch
    01  01  01                                           # topics = [], forgotten_topics_data = [], rack_id = ""
    03                                                   # 3 tagged fields, ascending:
    00 02 02 63                                          #   tag 0 cluster_id = "c"
    01 01 aa                                             #   tag 1 (unknown in v12): 1 byte
    05 00                                                #   tag 5 (unknown): empty
  `;

  it('keeps unknown tags and writes them in ascending order around the known ones', () => {
    const decoded = decode(decodeFetchRequest, fetchV12, 12);
    expect(decoded.clusterId).toBe('c');
    expect(decoded.replicaState).toMatchObject({ replicaId: -1, replicaEpoch: -1 });
    expect(decoded.unknownTaggedFields).toEqual([
      { tag: 1, data: Buffer.from([0xaa]) },
      { tag: 5, data: Buffer.alloc(0) },
    ]);
    expect(encode(encodeFetchRequest, decoded, 12)).toEqual(fetchV12);
    // the same message built from scratch
    const built = encode(
      encodeFetchRequest,
      {
        clusterId: 'c',
        maxWaitMs: 500,
        minBytes: 1,
        unknownTaggedFields: [
          { tag: 1, data: Buffer.from([0xaa]) },
          { tag: 5, data: Buffer.alloc(0) },
        ],
      },
      12,
    );
    expect(built).toEqual(fetchV12);
  });

  it('sends a tagged struct only when it differs from its default (FetchRequest v15 replica_state)', () => {
    const base = { maxWaitMs: 500, minBytes: 1 };
    const plain = encode(
      encodeFetchRequest,
      { ...base, replicaState: { replicaId: -1, replicaEpoch: -1 } },
      15,
    );
    expect(plain.subarray(-1)).toEqual(hex`00 # no tagged fields`);
    const withState = encode(
      encodeFetchRequest,
      { ...base, replicaState: { replicaId: 3, replicaEpoch: 9 } },
      15,
    );
    expect(withState.subarray(-16)).toEqual(hex`
      01                         # 1 tagged field
      01 0d                      # tag 1 replica_state, 13 bytes:
      00 00 00 03                #   replica_id = 3
      00 00 00 00 00 00 00 09    #   replica_epoch = 9
      00                         #   no tagged fields
    `);
    expect(decode(decodeFetchRequest, withState, 15).replicaState).toMatchObject({
      replicaId: 3,
      replicaEpoch: 9,
    });
  });

  it('reads a nullable tagged struct with its presence marker', () => {
    const bytes = hex`
      00                         # instance_id = null
      00                         # rack_id = null
      02 63                      # client_id = "c"
      02 68                      # client_host = "h"
      02 02 74                   # subscribed_topic_names = ["t"]
      00                         # subscribed_topic_regex = null
      ff ff ff ff                # rebalance_timeout_ms = -1
      00                         # server_assignor = null
      01                         # 1 tagged field
      00 11                      # tag 0 classic_member_metadata, 17 bytes:
      01                         #   present
      00 00 af c8                #   session_timeout_ms = 45000
      02                         #   supported_protocols: 1 entry
      06 72 61 6e 67 65          #     name = "range"
      03 01 02                   #     metadata = 01 02
      00                         #     no tagged fields
      00                         #   no tagged fields
    `;
    const m: ConsumerGroupMemberMetadataValueInput = {
      instanceId: null,
      rackId: null,
      clientId: 'c',
      clientHost: 'h',
      subscribedTopicNames: ['t'],
      subscribedTopicRegex: null,
      serverAssignor: null,
      classicMemberMetadata: {
        sessionTimeoutMs: 45000,
        supportedProtocols: [{ name: 'range', metadata: Buffer.from([1, 2]) }],
      },
    };
    expect(encode(encodeConsumerGroupMemberMetadataValue, m, 0)).toEqual(bytes);
    expect(decode(decodeConsumerGroupMemberMetadataValue, bytes, 0)).toMatchObject(m);
    // null is the default: nothing is sent
    const none = encode(encodeConsumerGroupMemberMetadataValue, { ...m, classicMemberMetadata: null }, 0);
    expect(none).toEqual(Buffer.concat([bytes.subarray(0, 15), hex`00 # no tagged fields`]));
    expect(decode(decodeConsumerGroupMemberMetadataValue, none, 0).classicMemberMetadata).toBeNull();
  });

  it('rejects a known tagged field that overruns its declared size', () => {
    const bad = Buffer.from(fetchV12);
    bad[bad.length - 8] = 0x01; // cluster_id declared 1 byte but its compact string takes 2
    expect(() => decodeFetchRequest(new Reader(bad), 12)).toThrow(ProtocolDecodeError);
  });
});

describe('nullable structs outside tagged fields', () => {
  it('DescribeTopicPartitionsRequest cursor: int8 -1 for null, 1 before a value', () => {
    const nullCursor = hex`
      02 02 74 00                # topics: [{ name: "t" }]
      00 00 07 d0                # response_partition_limit = 2000 (the default)
      ff                         # cursor = null
      00                         # no tagged fields
    `;
    expect(encode(encodeDescribeTopicPartitionsRequest, { topics: [{ name: 't' }] }, 0)).toEqual(nullCursor);
    expect(decode(decodeDescribeTopicPartitionsRequest, nullCursor, 0).cursor).toBeNull();
    const withCursor = hex`
      02 02 74 00  00 00 07 d0
      01                         # cursor present
      02 74  00 00 00 03  00     #   topic_name "t", partition_index 3, no tagged fields
      00
    `;
    const m = { topics: [{ name: 't' }], cursor: { topicName: 't', partitionIndex: 3 } };
    expect(encode(encodeDescribeTopicPartitionsRequest, m, 0)).toEqual(withCursor);
    expect(decode(decodeDescribeTopicPartitionsRequest, withCursor, 0)).toMatchObject(m);
  });
});

describe('codec details the generated code relies on', () => {
  it('Writer keeps earlier bytes when it grows mid-message', () => {
    const w = new Writer(1);
    for (let i = 0; i < 100; i++) w.writeInt32(i).writeInt8(-1).writeBool(true).writeUnsignedVarint(300);
    const r = new Reader(w.toBuffer());
    for (let i = 0; i < 100; i++) {
      expect([r.readInt32(), r.readInt8(), r.readBool(), r.readUnsignedVarint()]).toEqual([i, -1, true, 300]);
    }
  });

  it('decoded records are views into the input (no copy)', () => {
    const w = new Writer();
    const records = Buffer.alloc(10_000, 7); // above the Writer's zero-copy threshold
    // ProduceRequest v3: transactional_id null, acks -1, timeout_ms 1000, one topic "t", partition 0
    w.writeInt16(-1).writeInt16(-1).writeInt32(1000).writeInt32(1);
    w.writeString('t').writeInt32(1).writeInt32(0).writeBytes(records);
    const input = w.toBuffer();
    const decoded = decode(decodeProduceRequest, input, 3);
    const got = decoded.topicData[0]!.partitionData[0]!.records!;
    expect(got).toEqual(records);
    expect(got.buffer).toBe(input.buffer);
  });
});
