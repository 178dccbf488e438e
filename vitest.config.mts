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
          // Vitest gives a run one worker less than the cores: one on this 2-core machine, so
          // every file ran in turn. The unit files (fake timers) and the package files (npm pack,
          // tsc) have no wall-clock bounds: they run two at a time, in a group of their own
          // after the timed projects (groupOrder 0), never beside a browser. 288 → 198 s for
          // the non-browser projects.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
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
          maxWorkers: 1, // wall-clock bounds: one file at a time, on any machine
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
          maxWorkers: 1, // wall-clock bounds: one file at a time, on any machine
          include: ['test/interop/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'package',
          // Beside the unit files (see there); a group's projects must agree on maxWorkers.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
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
