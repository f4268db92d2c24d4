import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/load.js';

describe('HTTP and metrics configuration keys', () => {
  it('defaults to 127.0.0.1:9644 with per-partition series on', () => {
    const c = loadConfig({ env: {} });
    expect(c.get('http.port')).toBe(9644);
    expect(c.get('http.host')).toBe('127.0.0.1');
    expect(c.get('metrics.partition.level')).toBe(true);
    expect(c.source('http.port')).toBe('default');
  });

  it('takes FLUXMQ_* twins below flags, and port 0 to turn HTTP off', () => {
    const env = {
      FLUXMQ_HTTP_PORT: '0',
      FLUXMQ_HTTP_HOST: '0.0.0.0',
      FLUXMQ_METRICS_PARTITION_LEVEL: 'false',
    };
    const fromEnv = loadConfig({ env });
    expect(fromEnv.get('http.port')).toBe(0);
    expect(fromEnv.source('http.port')).toBe('env');
    expect(fromEnv.get('http.host')).toBe('0.0.0.0');
    expect(fromEnv.get('metrics.partition.level')).toBe(false);
    expect(loadConfig({ env, flags: { 'http.port': 9645 } }).get('http.port')).toBe(9645);
  });

  it('rejects a port outside 0-65535, naming the key', () => {
    expect(() => loadConfig({ env: {}, flags: { 'http.port': 70000 } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, flags: { 'http.port': 70000 } })).toThrow(/http.port.*0 to 65535/);
  });
});
