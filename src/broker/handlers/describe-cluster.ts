// DescribeCluster (key 60), v0-v1. A single broker is also the controller; in cluster mode the
// brokers (with their racks) and the controller come from the cluster's metadata. v1 asks for an
// endpoint type: brokers (1) are answered; controllers (2) get MISMATCHED_ENDPOINT_TYPE, as a Kafka
// broker answers on its broker listener, and other types UNSUPPORTED_ENDPOINT_TYPE. Authorized
// operations are not computed (no ACLs).

import { ErrorCode } from '../../protocol/errors.js';
import {
  ApiKey,
  type DescribeClusterRequest,
  type DescribeClusterResponseInput,
} from '../../protocol/messages/index.js';
import type { ApiHandler, RequestContext } from '../handler.js';
import { brokersForListener } from './broker-endpoints.js';

const BROKERS = 1;
const CONTROLLERS = 2;
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

type Brokers = NonNullable<DescribeClusterResponseInput['brokers']>;

function liveBrokers(ctx: RequestContext): Brokers {
  return brokersForListener(ctx).map((b) => ({ brokerId: b.id, host: b.host, port: b.port, rack: b.rack }));
}

function answer(
  ctx: RequestContext,
  errorCode: number,
  errorMessage: string | null,
): DescribeClusterResponseInput {
  const { broker } = ctx;
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    endpointType: BROKERS,
    clusterId: broker.clusterId,
    controllerId: broker.cluster ? broker.cluster.image().controllerId : broker.nodeId,
    brokers: errorCode === ErrorCode.NONE ? liveBrokers(ctx) : [],
    clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

export const describeClusterHandler: ApiHandler<DescribeClusterRequest, DescribeClusterResponseInput> = {
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    if (ctx.header.apiVersion >= 1 && req.endpointType === CONTROLLERS) {
      return answer(
        ctx,
        ErrorCode.MISMATCHED_ENDPOINT_TYPE,
        'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER',
      );
    }
    if (ctx.header.apiVersion >= 1 && req.endpointType !== BROKERS) {
      return answer(ctx, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, `Unknown endpoint type ${req.endpointType}.`);
    }
    return answer(ctx, ErrorCode.NONE, null);
  },
  errorResponse(_req, errorCode, ctx) {
    return answer(ctx, errorCode, null);
  },
};
