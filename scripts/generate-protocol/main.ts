// Regenerates src/protocol/messages from Kafka's message schemas.
//
//   npm run generate:protocol                      # schemas from ../shared/kafka-protocol
//   npm run generate:protocol -- --schemas DIR     # another messages/ folder
//   npm run generate:protocol -- --check           # exit 1 if the committed files are stale

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateProtocolFiles, listGeneratedFiles, OUTPUT_DIR } from './generate.js';

interface Args {
  schemasDir?: string;
  internalDirs?: string[];
  check: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { check: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--schemas') args.schemasDir = argv[++i];
    else if (a === '--internal') (args.internalDirs ??= []).push(argv[++i]!);
    else if (a === '--check') args.check = true;
    else throw new Error(`unknown argument ${a} (expected --schemas DIR, --internal DIR, --check)`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const files = await generateProtocolFiles(args);
  const existing = new Set(listGeneratedFiles());
  const stale = [...existing].filter((p) => !files.has(p));
  const changed = [...files].filter(
    ([p, text]) => !existing.has(p) || readFileSync(join(OUTPUT_DIR, p), 'utf8') !== text,
  );
  if (args.check) {
    for (const p of stale) console.log(`extra: ${p}`);
    for (const [p] of changed) console.log(`${existing.has(p) ? 'stale' : 'missing'}: ${p}`);
    if (stale.length > 0 || changed.length > 0) process.exit(1);
    console.log(`${files.size} generated files are up to date`);
    return;
  }
  for (const [p, text] of changed) {
    mkdirSync(dirname(join(OUTPUT_DIR, p)), { recursive: true });
    writeFileSync(join(OUTPUT_DIR, p), text);
  }
  for (const p of stale) rmSync(join(OUTPUT_DIR, p));
  console.log(`${files.size} files, ${changed.length} written, ${stale.length} removed`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
