import { defineConfig } from 'vitest/config';

// Three kinds of test, one run: pure parts and the class against a fake WebSocket (jsdom),
// integration against a real `ws` server on loopback (node), and real browsers (node, driving
// Chromium, Firefox and WebKit through test/helpers/engines.ts; each browser suite runs once per
// engine as "<engine>: …"). The JSON report feeds the totals line of .ci/run, per engine too.
export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    // `npm test` runs with --coverage: src/ must stay at 95 % of lines and branches or the run fails.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/index.ts'],
      reporter: ['text-summary'],
      reportsDirectory: 'test-results/coverage',
      thresholds: { lines: 95, branches: 95 },
    },
    projects: [
      {
        test: {
          name: 'unit',
          // test/<module>.test.ts tests src/<module>.ts, test/env/ and test/shared/ mirror src/env/ and src/shared/.
          include: ['test/*.test.ts', 'test/env/*.test.ts', 'test/shared/*.test.ts'],
          environment: 'jsdom',
          setupFiles: ['test/helpers/setup-unit.ts'],
          // Type tests (test/*.test-d.ts): vitest runs tsc over them and reports each failing
          // expectTypeOf or @ts-expect-error as a failed test of the run, by name.
          typecheck: { enabled: true, include: ['test/*.test-d.ts'], tsconfig: 'test/tsconfig.types.json' },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          // Foreign server stacks (Python's websockets, faye-websocket) in child processes.
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One browser at a time on a 2-core machine keeps timing bounds honest: the engines of a
          // file run one after the other, each sharing one browser across the file's tests.
          fileParallelism: false,
        },
      },
    ],
  },
});
