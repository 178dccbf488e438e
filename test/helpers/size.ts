/**
 * How this project measures a build's size: the file gzipped at level 9, in bytes. The size
 * budgets (test/package), the bench (test/bench/run.mts, into RESULTS.md) and the check that
 * RESULTS.md matches the current build all use it, so their figures compare.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/** Bytes of `code` gzipped at level 9. */
export const gzippedSize = (code: string | Uint8Array): number => gzipSync(code, { level: 9 }).length;

/** Bytes of the file at `path` gzipped at level 9. */
export const gzippedFileSize = (path: string): number => gzippedSize(readFileSync(path));

/** The minified UMD builds whose sizes RESULTS.md records, by entry. */
export const MINIFIED_BUILDS = {
  core: 'dist/heartbeat-ws.umd.min.js',
  shared: 'dist/shared.umd.min.js',
  react: 'dist/react.umd.min.js',
} as const;
