// The table of API handlers by key. ApiVersions is derived from it, so the broker advertises exactly
// what it serves.

import type { ApiHandler } from './handler.js';

export interface AdvertisedApi {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export class Dispatcher {
  private readonly handlers = new Map<number, ApiHandler>();

  constructor(handlers: ApiHandler[]) {
    for (const h of handlers) {
      if (this.handlers.has(h.apiKey)) throw new Error(`two handlers for API key ${h.apiKey}`);
      if (h.minVersion > h.maxVersion)
        throw new Error(`handler for API key ${h.apiKey} has an empty version range`);
      this.handlers.set(h.apiKey, h);
    }
  }

  get(apiKey: number): ApiHandler | undefined {
    return this.handlers.get(apiKey);
  }

  advertised(): AdvertisedApi[] {
    return [...this.handlers.values()]
      .map((h) => ({
        apiKey: h.apiKey,
        minVersion: h.advertisedMinVersion ?? h.minVersion,
        maxVersion: h.maxVersion,
      }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }
}
