import { randomBytes } from 'node:crypto';

// Kafka UUIDs (topic ids) travel as 16 raw bytes and are shown by Kafka's tools in URL-safe base64
// without padding (22 characters). The all-zero UUID means "no id".

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function uuidToString(bytes: Buffer): string {
  return bytes.toString('base64url');
}

export function uuidToBytes(id: string): Buffer {
  const b = Buffer.from(id, 'base64url');
  if (b.length !== 16) throw new RangeError(`not a Kafka UUID: ${JSON.stringify(id)}`);
  return b;
}

export function randomUuid(): string {
  // Kafka never hands out the zero UUID or the reserved METADATA_TOPIC_ID (1); random bytes make both vanishingly unlikely, but check anyway.
  for (;;) {
    const b = randomBytes(16);
    const s = uuidToString(b);
    if (s !== ZERO_UUID && !s.startsWith('AAAAAAAAAAAAAAAAAAAAA')) return s;
  }
}
