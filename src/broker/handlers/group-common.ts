// Small helpers shared by the group coordinator handlers.

import type { RequestContext } from '../handler.js';

/** The client's address as Kafka reports it in DescribeGroups ("/127.0.0.1"). */
export function clientHost(ctx: RequestContext): string {
  const addr = ctx.connection.remoteAddress;
  const colon = addr.lastIndexOf(':');
  let host = colon > 0 ? addr.slice(0, colon) : addr;
  if (host.startsWith('::ffff:')) host = host.slice('::ffff:'.length);
  return `/${host}`;
}
