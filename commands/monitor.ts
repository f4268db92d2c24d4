import { Flags } from '@oclif/core';
import { parseDuration } from '../src/bench/options.js';
import { ClusterCommand } from '../src/cli/base.js';
import { clientSecurity } from '../src/cli/security-flags.js';
import { renderPlain } from '../src/monitor/plain.js';
import { monitorLive, monitorOnce, monitorPlain, type MonitorOptions } from '../src/monitor/run.js';
import type { MonitorSnapshot } from '../src/monitor/types.js';

export default class Monitor extends ClusterCommand {
  static override summary =
    'Watch a running cluster live: brokers, topic rates, consumer lag, request latency.';
  static override description = `A terminal dashboard, the "top" of Kafka. Produce rates come from log end offset deltas and lag from committed offsets, over the Kafka protocol, so those panels work against any Kafka broker. Fetch rates, request latency and errors per API, and broker version and uptime come from FluxMQ's management HTTP port (/metrics, /v1/status): give it with --http, or the monitor looks for it on each broker's host at port 9644.

Keys: tab or arrows move between panels, up/down/PgUp/PgDn scroll, / filters topics and groups, s changes the sort, p pauses, q quits. Without a terminal, plain tables are printed every interval. --once (or --json) prints one snapshot from two polls an interval apart and exits.

Each poll costs the cluster one Metadata request, and per broker one ListOffsets, ListGroups, DescribeLogDirs, DescribeGroups and OffsetFetch (v8+ batches all groups), whatever the number of topics and groups. MB = 10^6 bytes.`;
  static override examples = [
    '<%= config.bin %> monitor',
    '<%= config.bin %> monitor --bootstrap-server broker1:9092 --http http://broker1:9644 --interval 2s',
    '<%= config.bin %> monitor --once --json',
  ];

  static override baseFlags = {
    ...ClusterCommand.baseFlags,
    'request-timeout': Flags.integer({
      summary: 'Milliseconds to wait for each broker response.',
      default: 5000,
      min: 1,
      helpGroup: 'CONNECTION',
    }),
  };

  static override flags = {
    http: Flags.string({
      summary:
        'FluxMQ management HTTP base URL (e.g. http://127.0.0.1:9644); repeat or comma-separate for several brokers.',
      multiple: true,
      delimiter: ',',
      env: 'FLUXMQ_MONITOR_HTTP',
    }),
    'discover-http': Flags.boolean({
      summary: "Look for FluxMQ's management port (9644) on each broker's host.",
      default: true,
      allowNo: true,
      env: 'FLUXMQ_MONITOR_DISCOVER_HTTP',
    }),
    interval: Flags.string({
      summary: 'Time between polls (500ms, 1s, 2m).',
      default: '1s',
      env: 'FLUXMQ_MONITOR_INTERVAL',
    }),
    once: Flags.boolean({
      summary: 'Print one snapshot (from two polls an interval apart) and exit.',
      default: false,
    }),
    filter: Flags.string({
      summary: 'Show only the topics and groups whose names contain this text.',
      default: '',
    }),
    'include-internal': Flags.boolean({
      summary: 'Show internal topics (__consumer_offsets, ...).',
      default: false,
    }),
  };

  async run(): Promise<MonitorSnapshot | null> {
    const { flags } = await this.parse(Monitor);
    let intervalMs: number;
    try {
      intervalMs = parseDuration(flags.interval);
    } catch (err) {
      this.usage((err as Error).message);
    }
    if (intervalMs < 100) this.usage(`--interval must be at least 100ms, got ${flags.interval}`);
    const http = (flags.http ?? []).map((u) => u.trim()).filter((u) => u !== '');
    for (const u of http) {
      if (!/^https?:\/\/[^/]+/.test(u))
        this.usage(`--http expects a URL like http://127.0.0.1:9644, got '${u}'`);
    }
    const opts: MonitorOptions = {
      bootstrap: flags['bootstrap-server'],
      requestTimeoutMs: flags['request-timeout'],
      intervalMs,
      httpUrls: http,
      discoverHttp: flags['discover-http'],
      includeInternal: flags['include-internal'],
      filter: flags.filter,
      security: clientSecurity(flags),
    };
    if (flags.once || this.jsonEnabled()) {
      const snapshot = await monitorOnce(opts);
      this.print(renderPlain(snapshot, flags.filter));
      return snapshot;
    }
    if (process.stdout.isTTY && process.stdin.isTTY) return monitorLive(opts);
    return monitorPlain(opts, (text) => process.stdout.write(text + '\n'));
  }
}
