/**
 * test/bench/RESULTS.md is what the docs quote (docs/performance.md, docs/comparison.md): it
 * must be a run of the current build. `npm run bench` records the sizes of the minified UMD
 * builds it measured; these must be the sizes of dist/ as `npm test` builds it (pretest), or the
 * table is stale: run `npm run bench` again (and update the figures the docs quote from it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gzippedFileSize, MINIFIED_BUILDS } from '../helpers/size';

const root = join(__dirname, '../..');
const results = readFileSync(join(root, 'test/bench/RESULTS.md'), 'utf8');

/** The sizes RESULTS.md records, by entry: `<entry> <file> <n> B` in its "Sizes" line. */
function recordedSizes(): Record<string, number> {
  const line = results.split('\n').find((l) => l.startsWith('- Sizes ('));
  if (!line) throw new Error('test/bench/RESULTS.md has no "- Sizes (" line: it predates the bench that records them');
  const sizes: Record<string, number> = {};
  for (const [entry, file] of Object.entries(MINIFIED_BUILDS)) {
    const match = new RegExp(`\\b${entry} ${file.replace(/\./g, '\\.')} ([\\d,]+) B`).exec(line);
    if (match) sizes[entry] = Number(match[1]!.replace(/,/g, ''));
  }
  return sizes;
}

describe('test/bench/RESULTS.md', () => {
  it('records the sizes of the current build: a table of an older build cannot stay', () => {
    const built = Object.fromEntries(
      Object.entries(MINIFIED_BUILDS).map(([entry, file]) => [entry, gzippedFileSize(join(root, file))]),
    );
    expect(recordedSizes(), 'RESULTS.md is stale: run `npm run bench`').toEqual(built);
  });

  it('names the commit it measured, and the docs that quote it name the same one', () => {
    const commit = /\(commit ([0-9a-f]{40})\)/.exec(results)?.[1];
    expect(commit, 'RESULTS.md names the full commit it measured').toBeDefined();
    for (const doc of ['docs/performance.md', 'docs/comparison.md']) {
      const text = readFileSync(join(root, doc), 'utf8');
      expect(text, `${doc} quotes RESULTS.md of commit ${commit!.slice(0, 7)}`).toContain(
        `RESULTS.md](../test/bench/RESULTS.md) (commit ${commit!.slice(0, 7)})`,
      );
    }
  });
});
