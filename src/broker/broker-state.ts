// Everything a request handler may use, wired once when the broker starts.

import type { Logger } from '../observability/logger.js';
import type { LogManager } from '../storage/index.js';
import type { Dispatcher } from './dispatcher.js';
import type { FetchPurgatory } from './purgatory.js';
import type { BrokerSettings } from './settings.js';
import type { TopicManager } from './topics.js';

export interface BrokerEndpoint {
  listener: string;
  host: string;
  port: number;
}

export interface BrokerState {
  nodeId: number;
  clusterId: string;
  settings: BrokerSettings;
  logger: Logger;
  logs: LogManager;
  topics: TopicManager;
  purgatory: FetchPurgatory;
  dispatcher: Dispatcher;
  /** Endpoints handed to clients in Metadata (filled once listeners are bound). */
  endpoints: BrokerEndpoint[];
  /** The leader epoch of every partition on a single broker. */
  leaderEpoch: number;
}
