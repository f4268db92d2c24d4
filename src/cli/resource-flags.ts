// The flags that pick a config resource: --topic, --broker or --broker-defaults (exactly one).

import { Flags } from '@oclif/core';
import type { ConfigResource } from '../client/admin/index.js';

const ONE = ['topic', 'broker', 'broker-defaults'];

export const resourceFlags = {
  topic: Flags.string({ char: 't', summary: 'A topic.', exactlyOne: ONE }),
  broker: Flags.integer({ summary: 'A broker, by id.', exactlyOne: ONE, min: 0 }),
  'broker-defaults': Flags.boolean({ summary: 'The cluster-wide broker defaults.', exactlyOne: ONE }),
};

export function configResource(flags: {
  topic?: string;
  broker?: number;
  'broker-defaults'?: boolean;
}): ConfigResource {
  if (flags.topic !== undefined) return { type: 'topic', name: flags.topic };
  if (flags.broker !== undefined) return { type: 'broker', name: String(flags.broker) };
  return { type: 'broker', name: '' };
}
