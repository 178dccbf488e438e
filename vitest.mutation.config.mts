import { defineConfig } from 'vitest/config';
import base from './vitest.config.mjs';

// The unit project alone, for StrykerJS (stryker.config.mjs): its vitest runner takes one config
// and cannot pick a project. No type tests (tsc knows nothing of a mutant), no JSON report, and
// not the documentation checks (they compile the docs' examples; Stryker's sandbox copies no
// images, so their link check fails there, and no mutant of src/ is theirs to catch).
const unit = base.test?.projects?.find(
  (p): p is { test: { name: string } } =>
    typeof p === 'object' && (p as { test?: { name?: string } }).test?.name === 'unit',
);
if (!unit) throw new Error('vitest.config.mts has no unit project');

export default defineConfig({
  test: {
    ...unit.test,
    name: undefined,
    exclude: ['test/docs.test.ts', 'test/readme.test.ts', 'node_modules/**'],
    typecheck: { enabled: false },
    reporters: ['default'],
  },
});
