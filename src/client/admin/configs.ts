// Configs of topics and brokers: DescribeConfigs, and IncrementalAlterConfigs (SET, DELETE,
// APPEND, SUBTRACT) where the broker has it, else the legacy AlterConfigs, which replaces the whole
// set: the current dynamic values are read first and the change is applied to them. Broker
// resources go to that broker; '' (the cluster-wide default) and topics go to any broker.

import {
  ApiKey,
  type AlterConfigsResponse,
  type DescribeConfigsResponse,
  type IncrementalAlterConfigsResponse,
} from '../../protocol/messages/index.js';
import type { ClusterClient, Target } from '../cluster.js';
import { check } from '../errors.js';
import {
  CONFIG_SOURCE_NAMES,
  CONFIG_TYPE_NAMES,
  type ConfigAlteration,
  type ConfigEntry,
  type ConfigResource,
  type ConfigSourceName,
  type ResourceConfigs,
} from './types.js';

const RESOURCE_TYPE = { topic: 2, broker: 4 } as const;
const OPERATION = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

function targetOf(r: ConfigResource): Target {
  return r.type === 'broker' && /^\d+$/.test(r.name) ? Number(r.name) : 'any';
}

function label(r: ConfigResource): string {
  if (r.type === 'topic') return `topic '${r.name}'`;
  return r.name === '' ? 'the cluster-wide broker default' : `broker ${r.name}`;
}

function sourceName(code: number): ConfigSourceName {
  return CONFIG_SOURCE_NAMES[code] ?? 'UNKNOWN';
}

export interface DescribeConfigsOptions {
  /** Only these keys. */
  keys?: string[];
  synonyms?: boolean;
  documentation?: boolean;
}

export async function describeConfigs(
  client: ClusterClient,
  resources: ConfigResource[],
  opts: DescribeConfigsOptions = {},
): Promise<ResourceConfigs[]> {
  const byTarget = new Map<Target, ConfigResource[]>();
  for (const r of resources) {
    const t = targetOf(r);
    let list = byTarget.get(t);
    if (!list) byTarget.set(t, (list = []));
    list.push(r);
  }
  const found = new Map<string, ResourceConfigs>();
  const key = (type: string, name: string) => `${type}\u0000${name}`;
  for (const [target, list] of byTarget) {
    const { response, version } = await client.request<DescribeConfigsResponse>(
      target,
      ApiKey.DescribeConfigs,
      () => ({
        resources: list.map((r) => ({
          resourceType: RESOURCE_TYPE[r.type],
          resourceName: r.name,
          configurationKeys: opts.keys && opts.keys.length > 0 ? opts.keys : null,
        })),
        includeSynonyms: opts.synonyms ?? false,
        includeDocumentation: opts.documentation ?? false,
      }),
    );
    for (const res of response.results) {
      const r = list.find((x) => RESOURCE_TYPE[x.type] === res.resourceType && x.name === res.resourceName);
      if (!r) continue;
      check(res.errorCode, `describe the configs of ${label(r)}`, res.errorMessage);
      const configs: ConfigEntry[] = res.configs.map((c) => {
        // v0 has no source: only whether the value is the default
        const source =
          version >= 1
            ? sourceName(c.configSource)
            : c.isDefault
              ? 'DEFAULT_CONFIG'
              : r.type === 'topic'
                ? 'DYNAMIC_TOPIC_CONFIG'
                : 'STATIC_BROKER_CONFIG';
        return {
          name: c.name,
          value: c.value,
          source,
          readOnly: c.readOnly,
          sensitive: c.isSensitive,
          isDefault: source === 'DEFAULT_CONFIG',
          type: version >= 3 ? (CONFIG_TYPE_NAMES[c.configType] ?? 'UNKNOWN') : 'UNKNOWN',
          documentation: version >= 3 ? c.documentation : null,
          synonyms: (c.synonyms ?? []).map((s) => ({
            name: s.name,
            value: s.value,
            source: sourceName(s.source),
          })),
        };
      });
      configs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      found.set(key(r.type, r.name), { type: r.type, name: r.name, configs });
    }
  }
  return resources.map((r) => {
    const f = found.get(key(r.type, r.name));
    if (!f) throw new Error(`DescribeConfigs answered without ${label(r)}`);
    return f;
  });
}

/** The values set on the resource itself (what legacy AlterConfigs replaces). */
function dynamicValues(r: ConfigResource, configs: ConfigEntry[]): Record<string, string> {
  const own: ConfigSourceName =
    r.type === 'topic'
      ? 'DYNAMIC_TOPIC_CONFIG'
      : r.name === ''
        ? 'DYNAMIC_DEFAULT_BROKER_CONFIG'
        : 'DYNAMIC_BROKER_CONFIG';
  const out: Record<string, string> = {};
  for (const c of configs) if (c.source === own && c.value !== null) out[c.name] = c.value;
  return out;
}

function applyLocally(
  current: Record<string, string>,
  all: ConfigEntry[],
  changes: ConfigAlteration[],
): Record<string, string> {
  const next = { ...current };
  for (const c of changes) {
    if (c.op === 'set') next[c.name] = c.value ?? '';
    else if (c.op === 'delete') delete next[c.name];
    else {
      const base = (next[c.name] ?? all.find((e) => e.name === c.name)?.value ?? '')
        .split(',')
        .filter((x) => x !== '');
      const items = (c.value ?? '').split(',').filter((x) => x !== '');
      next[c.name] = (
        c.op === 'append'
          ? [...base, ...items.filter((x) => !base.includes(x))]
          : base.filter((x) => !items.includes(x))
      ).join(',');
    }
  }
  return next;
}

/** Applies `changes` to a resource's configs. */
export async function alterConfigs(
  client: ClusterClient,
  resource: ConfigResource,
  changes: ConfigAlteration[],
  validateOnly = false,
): Promise<{ resource: ConfigResource; changes: ConfigAlteration[]; validateOnly: boolean; api: string }> {
  const target = targetOf(resource);
  const what = `alter the configs of ${label(resource)}`;
  if (await client.supports(target, ApiKey.IncrementalAlterConfigs)) {
    const { response } = await client.request<IncrementalAlterConfigsResponse>(
      target,
      ApiKey.IncrementalAlterConfigs,
      () => ({
        resources: [
          {
            resourceType: RESOURCE_TYPE[resource.type],
            resourceName: resource.name,
            configs: changes.map((c) => ({
              name: c.name,
              configOperation: OPERATION[c.op],
              value: c.op === 'delete' ? null : (c.value ?? ''),
            })),
          },
        ],
        validateOnly,
      }),
    );
    const r = response.responses[0];
    check(r?.errorCode, what, r?.errorMessage);
    return { resource, changes, validateOnly, api: 'IncrementalAlterConfigs' };
  }
  const [current] = await describeConfigs(client, [resource]);
  const next = applyLocally(dynamicValues(resource, current!.configs), current!.configs, changes);
  const { response } = await client.request<AlterConfigsResponse>(target, ApiKey.AlterConfigs, () => ({
    resources: [
      {
        resourceType: RESOURCE_TYPE[resource.type],
        resourceName: resource.name,
        configs: Object.entries(next).map(([name, value]) => ({ name, value })),
      },
    ],
    validateOnly,
  }));
  const r = response.responses[0];
  check(r?.errorCode, what, r?.errorMessage);
  return { resource, changes, validateOnly, api: 'AlterConfigs' };
}
