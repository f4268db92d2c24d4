#!/usr/bin/env -S node --initial-old-space-size=256
// The Node.js flags above are part of how fluxmq runs, as Kafka's start scripts set the JVM's heap
// (-Xms): V8 keeps a small heap's old-generation limit close to its live size, so a broker or
// bench holding ~20 MB ran a full mark-compact several times a second, each taking all of V8's
// worker threads. A 256 MB floor under the limit stopped them, also in a broker that had taken
// gigabytes (64 MB did not there) (BENCHMARKS.md, end-to-end latency).
// src/dev/launcher-flags.ts reads them from this line for the processes fluxmq starts itself.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
