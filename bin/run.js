#!/usr/bin/env -S node --initial-old-space-size=64
// The Node.js flags above are part of how fluxmq runs, as Kafka's start scripts set the JVM's heap
// (-Xms): V8 sizes a small heap's old-generation limit from its live size, so a broker or bench
// holding ~20 MB would run a full mark-compact several times a second, each taking all of V8's
// worker threads; starting the limit at 64 MB stops that (BENCHMARKS.md, end-to-end latency).
// src/dev/launcher-flags.ts reads them from this line for the processes fluxmq starts itself.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
