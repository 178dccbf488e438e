// Mutation testing (`npm run test:mutation`, docs/development.md "Mutation testing"): StrykerJS
// mutates src/ and runs the unit project (vitest.mutation.config.mts) against each mutant, only
// the tests that cover it. Incremental: reports/stryker-incremental.json (not committed) keeps
// the results, so a rerun tests only the mutants of changed code or changed tests.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.mts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  // Every module with logic; re-export files and type-only files have nothing to mutate.
  mutate: ['src/**/*.ts', '!src/index.ts', '!src/internal.ts', '!src/events.ts', '!src/shared/index.ts'],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // The machine is shared (2 cores): one test process. `--concurrency 2` on a machine of your own.
  concurrency: 1,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: [
    'dist',
    'docs/api',
    'test-results',
    'reports',
    'test/browser',
    'test/package',
    'test/interop',
    'test/integration',
    'demo',
  ],
};
