// The Node.js flags the `fluxmq` launcher runs with are written once, on its first line
// (`#!/usr/bin/env -S node <flags>`). A broker that fluxmq starts itself (`fluxmq dev cluster`)
// gets the same flags from here, so it runs exactly as `fluxmq serve` does.

import { readFileSync } from 'node:fs';

const ENV_NODE_SHEBANG = /^#!\S*\benv\s+-S\s+node\s+(.+)$/;

/** The flags after `node` on the launcher's `#!` line; none when the line names no flags. */
export function launcherNodeFlags(launcher: string): string[] {
  const first = readFileSync(launcher, 'utf8').split('\n', 1)[0]!.trim();
  const m = ENV_NODE_SHEBANG.exec(first);
  return m ? m[1]!.trim().split(/\s+/) : [];
}
