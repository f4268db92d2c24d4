// A RecordBatch v2 written out by hand from the "Record Batch" section of Kafka's implementation
// docs (5.3.1 header, 5.3.2 record, 5.3.2.1 header), not produced by our encoder.
//
// Two records, baseTimestamp 1700000000000 ms (0x0000018BCFE56800):
//   offset 0: key null, value "hello", headers [h = "x"], timestampDelta 0
//   offset 1: key "k", value null, headers [n = null], timestampDelta 5
// Varints are zig-zag: 0 -> 00, -1 -> 01, 1 -> 02, 5 -> 0a, 10 -> 14, 15 -> 1e.

import { hex } from './helpers.js';

export const FIXTURE_CRC = 0x20d7bbe6;

export const FIXTURE_BATCH = hex(`
  0000000000000000   // baseOffset int64 = 0
  0000004c           // batchLength int32 = 76 (49 header bytes after this field + 27 record bytes)
  ffffffff           // partitionLeaderEpoch int32 = -1
  02                 // magic int8 = 2
  20d7bbe6           // crc uint32: CRC-32C of attributes..end
  0000               // attributes int16: no compression, create time, not transactional, not control
  00000001           // lastOffsetDelta int32 = 1
  0000018bcfe56800   // baseTimestamp int64 = 1700000000000
  0000018bcfe56805   // maxTimestamp int64 = 1700000000005
  ffffffffffffffff   // producerId int64 = -1
  ffff               // producerEpoch int16 = -1
  ffffffff           // baseSequence int32 = -1
  00000002           // recordsCount int32 = 2
  // record 0
  1e                 // length varint = 15
  00                 // attributes int8 = 0
  00                 // timestampDelta varlong = 0
  00                 // offsetDelta varint = 0
  01                 // keyLength varint = -1 (null key)
  0a                 // valueLength varint = 5
  68656c6c6f         // value "hello"
  02                 // headersCount varint = 1
  02 68              // headerKeyLength = 1, headerKey "h"
  02 78              // headerValueLength = 1, value "x"
  // record 1
  14                 // length varint = 10
  00                 // attributes int8 = 0
  0a                 // timestampDelta varlong = 5
  02                 // offsetDelta varint = 1
  02 6b              // keyLength varint = 1, key "k"
  01                 // valueLength varint = -1 (null value)
  02                 // headersCount varint = 1
  02 6e              // headerKeyLength = 1, headerKey "n"
  01                 // headerValueLength = -1 (null header value)
`);

/** The same content as a BatchInput for our encoder. */
export const FIXTURE_INPUT = {
  records: [
    { key: null, value: 'hello', headers: [{ key: 'h', value: Buffer.from('x') }], timestamp: 1700000000000 },
    { key: 'k', value: null, headers: [{ key: 'n', value: null }], timestamp: 1700000000005 },
  ],
};
