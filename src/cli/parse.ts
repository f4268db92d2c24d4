// Parsing of command-line values (key=value pairs, topic:partitions, dates) with errors that say
// what was expected. Bad input is a usage error (exit code 2).

export class UsageError extends Error {
  override name = 'UsageError';
}

/** `key=value` (the value may contain '='); `what` names the flag in errors. */
export function parsePair(text: string, what: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${what} expects key=value, got '${text}'`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1)];
}

export function parsePairs(texts: string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of texts ?? []) {
    const [k, v] = parsePair(t, what);
    out[k] = v;
  }
  return out;
}

/** `orders` (every partition) or `orders:0,2`. */
export function parseTopicPartitions(text: string): { topic: string; partitions?: number[] } {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { topic: text };
  const topic = text.slice(0, colon);
  const partitions = text
    .slice(colon + 1)
    .split(',')
    .map((s) => s.trim());
  if (topic === '' || partitions.some((p) => !/^\d+$/.test(p))) {
    throw new UsageError(`--topic expects TOPIC or TOPIC:PARTITION[,PARTITION...], got '${text}'`);
  }
  return { topic, partitions: partitions.map(Number) };
}

/** An ISO-8601 date-time (`2024-05-01T12:00:00Z`, `2024-05-01`) or milliseconds since the epoch. */
export function parseDateTime(text: string, what: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `${what} expects an ISO-8601 date-time such as 2024-05-01T12:00:00Z, or milliseconds since the epoch; got '${text}'`,
    );
  }
  return ms;
}
