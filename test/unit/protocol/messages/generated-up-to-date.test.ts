// The committed src/protocol/messages must be exactly what the generator produces from the schemas.
// A checkout without the schema folder skips this test.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCHEMAS_DIR,
  generateProtocolFiles,
  listGeneratedFiles,
  OUTPUT_DIR,
} from '../../../../scripts/generate-protocol/generate.js';

describe('generated protocol code', () => {
  it(
    'matches the generator output (run `npm run generate:protocol` to update)',
    { timeout: 120_000 },
    async (ctx) => {
      if (!existsSync(DEFAULT_SCHEMAS_DIR)) {
        ctx.skip(
          'the Kafka schema folder (../shared/kafka-protocol/messages) is not present in this checkout',
        );
      }
      const generated = await generateProtocolFiles();
      const committed = listGeneratedFiles();
      expect(committed, 'generated file list').toEqual([...generated.keys()].sort());
      const stale = [...generated].filter(
        ([path, text]) => readFileSync(join(OUTPUT_DIR, path), 'utf8') !== text,
      );
      expect(
        stale.map(([path]) => path),
        'files that differ from the generator output',
      ).toEqual([]);
    },
  );
});
