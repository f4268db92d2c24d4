import { describe, expect, it } from 'vitest';
import { ClusterClient, parseBootstrap } from '../../../src/client/cluster.js';
import { UnreachableError } from '../../../src/client/errors.js';

describe('bootstrap servers', () => {
  it('parses host:port lists, IPv6 and the default port', () => {
    expect(parseBootstrap('127.0.0.1:9092, kafka2:19092,[::1]:9093,kafka3')).toEqual([
      { host: '127.0.0.1', port: 9092 },
      { host: 'kafka2', port: 19092 },
      { host: '::1', port: 9093 },
      { host: 'kafka3', port: 9092 },
    ]);
  });

  it('refuses bad addresses with a message showing the expected form', () => {
    expect(() => parseBootstrap('kafka:notaport')).toThrow(/expected host:port/);
    expect(() => parseBootstrap('kafka:70000')).toThrow(UnreachableError);
    expect(() => parseBootstrap(' , ')).toThrow(/no bootstrap server/);
  });

  it('says which servers it tried and what to do when none answers', async () => {
    const err = await ClusterClient.connect({
      bootstrap: '127.0.0.1:1,127.0.0.1:2',
      connectTimeoutMs: 2000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toMatch(/127\.0\.0\.1:1.*127\.0\.0\.1:2/);
    expect((err as Error).message).toContain('--bootstrap-server');
  });
});
