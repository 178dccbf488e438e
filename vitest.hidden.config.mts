import { defineConfig } from 'vitest/config';

// `npm run test:hidden`: the heartbeat in really hidden pages of Chromium, Firefox and WebKit,
// with their timer throttling on, measured at the server (test/hidden/). Not part of `npm test`:
// it waits about 3 minutes while the pages sleep (.ci/run starts it beside `npm test`). The
// engines run at the same time, one browser each; each engine's figures go to
// test-results/hidden-<engine>.json.
export default defineConfig({
  test: {
    name: 'hidden',
    include: ['test/hidden/**/*.test.ts'],
    environment: 'node',
    // The pages stay hidden HIDDEN_SECONDS (default 140); launch, setup and the return to visible take about 30 s.
    testTimeout: (Number(process.env.HIDDEN_SECONDS || 140) + 220) * 1000,
    hookTimeout: 60_000,
  },
});
