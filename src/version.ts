// FluxMQ's version, shared by the broker (start-up log) and the clients (ApiVersions software version).
export const FLUXMQ_VERSION = '0.1.0';
