import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseListeners } from '../../../src/config/listeners.js';
import { ConfigError, envNameOf, loadConfig } from '../../../src/config/load.js';

function file(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fluxmq-config-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('loadConfig', () => {
  it('uses defaults when nothing is given', () => {
    const c = loadConfig({ env: {} });
    expect(c.get('num.partitions')).toBe(1);
    expect(c.get('auto.create.topics.enable')).toBe(true);
    expect(c.get('listeners')).toBe('PLAINTEXT://127.0.0.1:9092');
    expect(c.source('num.partitions')).toBe('default');
  });

  it('applies flags over environment over file over defaults', () => {
    const path = file(
      'broker.toml',
      '"num.partitions" = 3\n"message.max.bytes" = 2000\n[log]\ndirs = "/from/file"\n',
    );
    const c = loadConfig({
      file: path,
      env: { FLUXMQ_NUM_PARTITIONS: '4', FLUXMQ_LOG_DIRS: '/from/env' },
      flags: { 'log.dirs': '/from/flag' },
    });
    expect(c.get('message.max.bytes')).toBe(2000);
    expect(c.source('message.max.bytes')).toBe('file');
    expect(c.get('num.partitions')).toBe(4);
    expect(c.source('num.partitions')).toBe('env');
    expect(c.get('log.dirs')).toBe('/from/flag');
    expect(c.source('log.dirs')).toBe('flag');
  });

  it('reads YAML with nested keys and Kafka .properties with aliases', () => {
    const y = loadConfig({
      env: {},
      file: file(
        'b.yaml',
        'num.partitions: 6\nlog:\n  segment.bytes: 1048576\nauto.create.topics.enable: false\n',
      ),
    });
    expect(y.get('num.partitions')).toBe(6);
    expect(y.get('log.segment.bytes')).toBe(1048576);
    expect(y.get('auto.create.topics.enable')).toBe(false);
    const p = loadConfig({
      env: {},
      file: file('server.properties', '# comment\nbroker.id=7\nlog.roll.hours=2\nlog.dir = /x\n'),
    });
    expect(p.get('node.id')).toBe(7);
    expect(p.get('log.roll.ms')).toBe(2 * 3600 * 1000);
    expect(p.get('log.dirs')).toBe('/x');
  });

  it('fails fast naming the key and the allowed values', () => {
    expect(() => loadConfig({ env: { FLUXMQ_NUM_PARTITIONS: 'many' } })).toThrow(
      /FLUXMQ_NUM_PARTITIONS.*expected an integer/,
    );
    expect(() => loadConfig({ env: {}, flags: { 'num.partitions': 0 } })).toThrow(/num.partitions.*>= 1/);
    expect(() => loadConfig({ env: {}, flags: { 'log.level': 'loud' } })).toThrow(
      /log.level.*one of: trace, debug/,
    );
    expect(() => loadConfig({ env: {}, flags: { 'auto.create.topics.enable': 'maybe' } })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ env: {}, file: file('bad.toml', 'this is = = not toml') })).toThrow(
      /not valid TOML/,
    );
    expect(() => loadConfig({ env: {}, file: file('b.json', '{}') })).toThrow(/unknown format/);
    expect(() => loadConfig({ env: {}, file: '/nonexistent/broker.toml' })).toThrow(
      /cannot read config file/,
    );
  });

  it('warns about unknown keys instead of failing', () => {
    const c = loadConfig({ env: {}, file: file('x.properties', 'zookeeper.connect=localhost:2181\n') });
    expect(c.warnings).toEqual([
      expect.stringContaining("'zookeeper.connect' is not a known configuration key"),
    ]);
  });

  it('names environment variables after the key', () => {
    expect(envNameOf('auto.create.topics.enable')).toBe('FLUXMQ_AUTO_CREATE_TOPICS_ENABLE');
  });
});

describe('parseListeners', () => {
  it('parses Kafka listener URIs', () => {
    expect(parseListeners('PLAINTEXT://0.0.0.0:9092')).toEqual([
      { name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '0.0.0.0', port: 9092 },
    ]);
    expect(parseListeners('PLAINTEXT://:9092')[0]!.host).toBe('');
    expect(parseListeners('PLAINTEXT://[::1]:9092')[0]!.host).toBe('::1');
  });

  it('rejects malformed listeners and names without a security protocol with a clear message', () => {
    expect(() => parseListeners('localhost:9092')).toThrow(/not a listener URI/);
    expect(parseListeners('SSL://:9093')[0]!.securityProtocol).toBe('SSL');
    expect(() => parseListeners('INTERNAL://:9093', 'listeners', new Map())).toThrow(
      /INTERNAL.*listener.security.protocol.map/,
    );
    expect(() => parseListeners('PLAINTEXT://:99999')).toThrow(/out of range/);
  });
});
