// The brokers a client is told about (Metadata, DescribeCluster): each live broker's endpoint on the
// listener the request came in on, as Kafka answers, so clients stay on the listener they
// bootstrapped from. A single broker lists itself.

import type { RequestContext } from '../handler.js';

export interface BrokerEntry {
  id: number;
  host: string;
  port: number;
  rack: string | null;
}

export function brokersForListener(ctx: RequestContext): BrokerEntry[] {
  const { broker } = ctx;
  const image = broker.cluster?.image();
  if (image) {
    const out: BrokerEntry[] = [];
    for (const reg of image.brokers.values()) {
      // a broker without that listener is left out; the inter-broker listener never falls back
      const e =
        reg.endpoints.find((x) => x.listener === ctx.connection.listener) ??
        (ctx.connection.interBroker ? undefined : reg.endpoints[0]);
      if (e) out.push({ id: reg.id, host: e.host, port: e.port, rack: reg.rack });
    }
    return out.sort((a, b) => a.id - b.id);
  }
  const endpoint =
    broker.endpoints.find((e) => e.listener === ctx.connection.listener) ?? broker.endpoints[0];
  return endpoint ? [{ id: broker.nodeId, host: endpoint.host, port: endpoint.port, rack: null }] : [];
}
