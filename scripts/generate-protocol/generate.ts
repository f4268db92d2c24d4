// Generates every protocol module in memory: Map<path relative to src/protocol/messages, formatted source>.

import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { emitIndex, emitInternalIndex } from './emit-index.js';
import { emitMessageModule, exportedNames } from './emit-message.js';
import { kebabCase } from './names.js';
import { loadMessages, type MessageSpec } from './schema.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const OUTPUT_DIR = join(PROJECT_ROOT, 'src/protocol/messages');
export const DEFAULT_SCHEMAS_DIR = resolve(PROJECT_ROOT, '../shared/kafka-protocol/messages');

export interface GenerateOptions {
  /** Folder of Kafka's message schemas (messages/*.json). */
  schemasDir?: string;
  /** Folders of internal record schemas; by default the coordinator folders next to schemasDir. */
  internalDirs?: string[];
}

export function defaultInternalDirs(schemasDir: string): string[] {
  return ['group-coordinator', 'transaction-coordinator'].map((d) => resolve(schemasDir, '../internal', d));
}

function checkUniqueExports(messages: readonly MessageSpec[]): void {
  const owner = new Map<string, string>();
  for (const m of messages) {
    for (const name of exportedNames(m)) {
      const other = owner.get(name);
      if (other !== undefined)
        throw new Error(`exported name ${name} is generated for both ${other} and ${m.name}`);
      owner.set(name, m.name);
    }
  }
}

export async function generateProtocolFiles(options: GenerateOptions = {}): Promise<Map<string, string>> {
  const schemasDir = resolve(options.schemasDir ?? DEFAULT_SCHEMAS_DIR);
  if (!existsSync(schemasDir)) throw new Error(`schema folder not found: ${schemasDir}`);
  const messages = loadMessages(schemasDir);
  const internal = (options.internalDirs ?? defaultInternalDirs(schemasDir))
    .filter((d) => existsSync(d))
    .flatMap((d) => loadMessages(d))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  checkUniqueExports([...messages, ...internal]);

  const sources = new Map<string, string>();
  for (const m of messages) sources.set(`${kebabCase(m.name)}.ts`, emitMessageModule(m, '../codec'));
  for (const m of internal)
    sources.set(`internal/${kebabCase(m.name)}.ts`, emitMessageModule(m, '../../codec'));
  if (internal.length > 0) sources.set('internal/index.ts', emitInternalIndex(internal));
  sources.set('index.ts', emitIndex(messages, internal.length > 0));

  const config = (await prettier.resolveConfig(join(OUTPUT_DIR, 'index.ts'))) ?? {};
  const out = new Map<string, string>();
  for (const [path, source] of [...sources].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    try {
      out.set(path, await prettier.format(source, { ...config, parser: 'typescript' }));
    } catch (err) {
      throw new Error(`formatting ${path} failed: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Every .ts file under the output folder, relative to it. */
export function listGeneratedFiles(dir = OUTPUT_DIR): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  try {
    walk(dir);
  } catch {
    return [];
  }
  return out.sort();
}
