// The API registry and the header version rules.

import { describe, expect, it } from 'vitest';
import {
  API_SPECS,
  ApiKey,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../../../src/protocol/messages/index.js';

describe('API_SPECS', () => {
  it('has one entry per api key, named as in ApiKey', () => {
    expect(API_SPECS.size).toBe(Object.keys(ApiKey).length);
    for (const [name, key] of Object.entries(ApiKey)) {
      const spec = API_SPECS.get(key)!;
      expect(spec.apiKey).toBe(key);
      expect(spec.name).toBe(name);
      expect(spec.minVersion).toBeLessThanOrEqual(spec.maxVersion);
    }
  });

  it('carries the schema facts', () => {
    expect(API_SPECS.get(ApiKey.Produce)).toMatchObject({
      name: 'Produce',
      minVersion: 0,
      maxVersion: 11,
      firstFlexibleVersion: 9,
      latestVersionUnstable: false,
      listeners: ['zkBroker', 'broker'],
    });
    expect(ApiKey).toMatchObject({
      Produce: 0,
      Fetch: 1,
      Metadata: 3,
      ApiVersions: 18,
      DescribeTopicPartitions: 75,
    });
    expect(API_SPECS.get(ApiKey.SaslHandshake)!.firstFlexibleVersion).toBe(Infinity);
    expect(API_SPECS.get(ApiKey.ShareFetch)!.latestVersionUnstable).toBe(true);
  });
});

describe('header versions', () => {
  it('request header: v2 when flexible, v1 otherwise, v0 for ControlledShutdown v0', () => {
    expect(requestHeaderVersion(ApiKey.Produce, 8)).toBe(1);
    expect(requestHeaderVersion(ApiKey.Produce, 9)).toBe(2);
    expect(requestHeaderVersion(ApiKey.ApiVersions, 3)).toBe(2);
    expect(requestHeaderVersion(ApiKey.SaslHandshake, 1)).toBe(1);
    expect(requestHeaderVersion(ApiKey.ControlledShutdown, 0)).toBe(0);
    expect(requestHeaderVersion(ApiKey.ControlledShutdown, 1)).toBe(1);
    expect(requestHeaderVersion(ApiKey.ControlledShutdown, 3)).toBe(2);
  });

  it('response header: v1 when flexible, v0 otherwise, always v0 for ApiVersions', () => {
    expect(responseHeaderVersion(ApiKey.Metadata, 8)).toBe(0);
    expect(responseHeaderVersion(ApiKey.Metadata, 9)).toBe(1);
    expect(responseHeaderVersion(ApiKey.ApiVersions, 3)).toBe(0);
    expect(responseHeaderVersion(ApiKey.ApiVersions, 4)).toBe(0);
  });

  it('rejects unknown api keys', () => {
    expect(() => requestHeaderVersion(1000, 0)).toThrow(RangeError);
    expect(() => responseHeaderVersion(-1, 0)).toThrow(RangeError);
  });
});
