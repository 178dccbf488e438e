import { defineConfig } from 'vitest/config';

// `npm run test:hidden`: the heartbeat in really hidden pages of Chromium, Firefox and WebKit,
// with their timer throttling on, measured at the server (test/hidden/). Not part of `npm test`:
// it waits about 3 minutes while the pages sleep. The engines run at the same time, one browser
// each; each engine's figures go to test-results/hidden-<engine>.json.
export default defineConfig({
  test: {
    name: 'hidden',
    include: ['test/hidden/**/*.test.ts'],
    environment: 'node',
    testTimeout: 6 * 60_000,
    hookTimeout: 60_000,
  },
});
