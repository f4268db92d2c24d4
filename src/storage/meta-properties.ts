// meta.properties, Kafka's identity file of a data directory, in Java properties format:
//
//   #
//   #Tue Jan 02 10:00:00 UTC 2024
//   cluster.id=q1Sh-9_ISia_zwGINzRvyQ
//   node.id=1
//   version=1
//
// Version 1 (KRaft) requires cluster.id and node.id. Version 0 (ZooKeeper era) has broker.id and an
// optional cluster.id; it is read (broker.id as the node id) and rewritten as version 1.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StorageError } from './errors.js';
import { errnoCode, writeFileAtomicSync } from './file-io.js';

export const META_PROPERTIES_FILE = 'meta.properties';

export interface MetaProperties {
  version: number;
  /** Empty only when read from a version 0 file without one. */
  clusterId: string;
  nodeId: number;
}

/** A new cluster id as Kafka makes them: 16 random bytes, URL-safe base64 without padding (22 chars). */
export function generateClusterId(): string {
  return randomBytes(16).toString('base64url');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** java.util.Date#toString in UTC: "Tue Jan 02 10:00:00 UTC 2024". */
function javaDateString(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return (
    `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`
  );
}

function escapeProperty(s: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' || c === '=' || c === ':' || c === '#' || c === '!') out += `\\${c}`;
    else if (c === ' ' && (isKey || i === 0)) out += '\\ ';
    else if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\f') out += '\\f';
    else out += c;
  }
  return out;
}

export function formatMetaProperties(meta: MetaProperties, date = new Date()): string {
  const props: [string, string][] = [
    ['cluster.id', meta.clusterId],
    ['node.id', String(meta.nodeId)],
    ['version', String(meta.version)],
  ];
  let text = `#\n#${javaDateString(date)}\n`;
  for (const [k, v] of props) text += `${escapeProperty(k, true)}=${escapeProperty(v, false)}\n`;
  return text;
}

/** Java properties text -> key/value map (comments, separators, escapes and continuation lines). */
export function parseProperties(text: string): Map<string, string> {
  const props = new Map<string, string>();
  const rawLines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < rawLines.length; i++) {
    let line = rawLines[i].replace(/^[ \t\f]+/, '');
    if (line === '' || line[0] === '#' || line[0] === '!') continue;
    // an odd number of trailing backslashes continues the line
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < rawLines.length) {
      line = line.slice(0, -1) + rawLines[++i].replace(/^[ \t\f]+/, '');
    }
    let k = 0;
    while (k < line.length && !'=: \t\f'.includes(line[k])) k += line[k] === '\\' ? 2 : 1;
    const key = line.slice(0, k);
    let v = k;
    while (v < line.length && ' \t\f'.includes(line[v])) v++;
    if (v < line.length && (line[v] === '=' || line[v] === ':')) v++;
    while (v < line.length && ' \t\f'.includes(line[v])) v++;
    props.set(unescapeProperty(key), unescapeProperty(line.slice(v)));
  }
  return props;
}

function unescapeProperty(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
  });
}

/** Parses meta.properties text; throws StorageError when required keys are missing or invalid. */
export function parseMetaProperties(text: string, file = META_PROPERTIES_FILE): MetaProperties {
  const props = parseProperties(text);
  const bad = (why: string): StorageError => new StorageError(`invalid ${file}: ${why}`);
  const version = Number(props.get('version'));
  if (version !== 0 && version !== 1) throw bad(`unsupported version "${props.get('version') ?? ''}"`);
  const idKey = version === 1 ? 'node.id' : 'broker.id';
  const nodeId = Number(props.get(idKey));
  if (!props.has(idKey) || !Number.isSafeInteger(nodeId) || nodeId < 0)
    throw bad(`missing or invalid ${idKey}`);
  const clusterId = props.get('cluster.id') ?? '';
  if (version === 1 && clusterId === '') throw bad('missing cluster.id');
  return { version, clusterId, nodeId };
}

/** The data dir's meta.properties, or null when there is none. */
export function readMetaProperties(dir: string): MetaProperties | null {
  const file = path.join(dir, META_PROPERTIES_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw new StorageError(`cannot read ${file}: ${String(err)}`, { cause: err });
  }
  return parseMetaProperties(text, file);
}

export function writeMetaProperties(dir: string, meta: MetaProperties): void {
  const file = path.join(dir, META_PROPERTIES_FILE);
  try {
    writeFileAtomicSync(file, formatMetaProperties(meta));
  } catch (err) {
    throw new StorageError(`cannot write ${file}: ${String(err)}`, { cause: err });
  }
}
