// Resolves the broker configuration. Precedence, highest first: command-line flags, FLUXMQ_*
// environment variables, the config file (TOML, YAML or Kafka .properties), then defaults.
// A bad value fails fast with a message naming the key, where it came from and what is allowed;
// an unknown key is reported as a warning (as Kafka does) so a server.properties can be reused.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseProperties } from 'dot-properties';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import {
  CONFIG_ALIASES,
  CONFIG_ALIAS_SCALES,
  CONFIG_KEY_BY_NAME,
  CONFIG_KEYS,
  type ConfigKey,
  type ConfigValue,
} from './schema.js';

export type ConfigSource = 'default' | 'file' | 'env' | 'flag';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ResolvedConfig {
  get<T extends ConfigValue>(name: string): T;
  source(name: string): ConfigSource;
  /** Every known key with its value and source. */
  entries(): { name: string; value: ConfigValue; source: ConfigSource }[];
  /** Unknown keys and other notes for the log. */
  warnings: string[];
  /**
   * Kafka's per-listener JAAS settings (`listener.name.<listener>.<mechanism>.sasl.jaas.config`),
   * which are not fixed keys: listener and mechanism lower-cased, the value as given.
   */
  jaas: JaasSetting[];
}

export interface JaasSetting {
  listener: string;
  mechanism: string;
  value: string;
  /** The key as written and where it came from, for error messages. */
  origin: string;
}

const JAAS_KEY = /^listener\.name\.([^.]+)\.([^.]+)\.sasl\.jaas\.config$/i;

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from flags, by Kafka config name (undefined = not given). */
  flags?: Record<string, ConfigValue | undefined>;
}

export function loadConfig(opts: LoadOptions = {}): ResolvedConfig {
  const values = new Map<string, ConfigValue>();
  const sources = new Map<string, ConfigSource>();
  const warnings: string[] = [];
  const jaas = new Map<string, JaasSetting>();
  for (const key of CONFIG_KEYS) {
    values.set(key.name, key.default);
    sources.set(key.name, 'default');
  }

  const apply = (rawName: string, raw: unknown, source: ConfigSource, origin: string): void => {
    const { name, scale } = canonicalName(rawName);
    const key = CONFIG_KEY_BY_NAME.get(name);
    const jaasKey = key ? null : JAAS_KEY.exec(rawName);
    if (jaasKey) {
      const [listener, mechanism] = [jaasKey[1]!.toLowerCase(), jaasKey[2]!.toLowerCase()];
      jaas.set(`${listener} ${mechanism}`, {
        listener,
        mechanism,
        value: String(raw),
        origin: `${origin}: ${rawName}`,
      });
      return;
    }
    if (!key) {
      warnings.push(`${origin}: '${rawName}' is not a known configuration key; ignored`);
      return;
    }
    let value = coerce(key, raw, `${origin}: ${rawName}`);
    if (scale !== 1 && typeof value === 'number' && value > 0) value *= scale; // -1 stays -1 (forever)
    const problem = key.validate?.(value);
    if (problem)
      throw new ConfigError(`${origin}: invalid value ${JSON.stringify(raw)} for '${rawName}': ${problem}`);
    values.set(name, value);
    sources.set(name, source);
  };

  if (opts.file) {
    for (const [name, raw] of Object.entries(readConfigFile(opts.file))) apply(name, raw, 'file', opts.file);
  }

  const env = opts.env ?? process.env;
  for (const key of CONFIG_KEYS) {
    const envName = envNameOf(key.name);
    const raw = env[envName];
    if (raw !== undefined && raw !== '') apply(key.name, raw, 'env', `environment variable ${envName}`);
  }

  for (const [name, raw] of Object.entries(opts.flags ?? {})) {
    if (raw !== undefined) apply(name, raw, 'flag', 'command line');
  }

  return {
    get: <T extends ConfigValue>(name: string) => {
      if (!values.has(name)) throw new Error(`unknown config key ${name}`);
      return values.get(name) as T;
    },
    source: (name) => sources.get(name) ?? 'default',
    entries: () =>
      CONFIG_KEYS.map((k) => ({ name: k.name, value: values.get(k.name)!, source: sources.get(k.name)! })),
    warnings,
    jaas: [...jaas.values()],
  };
}

/** `num.partitions` -> `FLUXMQ_NUM_PARTITIONS`. */
export function envNameOf(name: string): string {
  return 'FLUXMQ_' + name.toUpperCase().replace(/[.-]/g, '_');
}

function canonicalName(name: string): { name: string; scale: number } {
  const alias = CONFIG_ALIASES.get(name);
  if (!alias) return { name, scale: 1 };
  return { name: alias, scale: CONFIG_ALIAS_SCALES.get(name) ?? 1 };
}

function coerce(key: ConfigKey, raw: unknown, where: string): ConfigValue {
  switch (key.type) {
    case 'int':
    case 'long': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw)
            ? Number(raw)
            : NaN;
      if (!Number.isSafeInteger(n))
        throw new ConfigError(`${where}: expected an integer, got ${JSON.stringify(raw)}`);
      if (key.type === 'int' && (n > 2147483647 || n < -2147483648)) {
        throw new ConfigError(`${where}: ${n} does not fit in a 32-bit integer`);
      }
      return n;
    }
    case 'double': {
      const n =
        typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n))
        throw new ConfigError(`${where}: expected a number, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (s === 'true') return true;
      if (s === 'false') return false;
      throw new ConfigError(`${where}: expected true or false, got ${JSON.stringify(raw)}`);
    }
    case 'list':
      return Array.isArray(raw) ? raw.map(String).join(',') : String(raw);
    case 'string':
      if (typeof raw === 'object' && raw !== null) throw new ConfigError(`${where}: expected a string`);
      return String(raw);
  }
}

/** Reads a TOML, YAML or .properties file into flat dotted keys (`[log] dirs = ...` -> `log.dirs`). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  const ext = extname(path).toLowerCase();
  let doc: unknown;
  try {
    if (ext === '.toml') doc = parseToml(text);
    else if (ext === '.yaml' || ext === '.yml') doc = parseYaml(text);
    else if (ext === '.properties') doc = parseProperties(text);
    else
      throw new ConfigError(
        `config file ${path}: unknown format '${ext}' (use .toml, .yaml, .yml or .properties)`,
      );
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(
      `config file ${path} is not valid ${ext.slice(1).toUpperCase()}: ${(err as Error).message}`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(`config file ${path}: expected a table of keys`);
  return flatten(doc as Record<string, unknown>);
}

function flatten(
  obj: Record<string, unknown>,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
      flatten(v as Record<string, unknown>, name, out);
    } else {
      out[name] = v;
    }
  }
  return out;
}
