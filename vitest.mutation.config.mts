import { defineConfig } from 'vitest/config';
import base from './vitest.config.mjs';

// The unit project alone, for StrykerJS (stryker.config.mjs): its vitest runner takes one config
// and cannot pick a project. No type tests (tsc knows nothing of a mutant), no JSON report, and
// not the documentation checks (they compile the docs' examples; Stryker's sandbox copies no
// images, so their link check fails there, and no mutant of src/ is theirs to catch).
const unit = base.test?.projects?.find(
  (p): p is { test: { name: string; include: string[] } } =>
    typeof p === 'object' && (p as { test?: { name?: string } }).test?.name === 'unit',
);
if (!unit) throw new Error('vitest.config.mts has no unit project');

// Stryker starts vitest once per mutant, and a jsdom environment costs seconds per test file
// (2 to 9 s measured on the shared 2-core machine, against none for node's): the tests of the
// modules that need no DOM (the leaves: test/<module>.test.ts of a module without a page) run
// under node here. They pass under both; the socket, shared and binding tests keep jsdom.
const leaves = ['attempt', 'backoff', 'data', 'fail', 'guard', 'heartbeat', 'match', 'queue', 'replay', 'surface'].map(
  (m) => `test/${m}.test.ts`,
);
const notHere = ['test/docs.test.ts', 'test/readme.test.ts', 'node_modules/**'];

// MUTATION_TEST_FILES=test/a.test.ts,test/b.test.ts limits the run to those files (paths, not
// globs): a module against its own tests (docs/development.md, "Mutation testing"; .ci/mutation-changed).
// Not Stryker's --testFiles: with it, Stryker 9.6 switches a mutant of a module-level value on
// after the module has loaded, so such mutants survive whatever the tests check
// (stryker-mutator/stryker-js#6144).
const only = process.env.MUTATION_TEST_FILES ? process.env.MUTATION_TEST_FILES.split(',') : undefined;
const pick = (files: string[]) => (only ? only.filter((f) => files.includes(f)) : files);

const project = (name: string, environment: string, include: string[], exclude: string[]) => ({
  test: {
    ...unit.test,
    name,
    environment,
    include,
    exclude,
    typecheck: { enabled: false },
    // Not `isolate: false`, though 5 times faster: a module kept from one run to the next keeps
    // the mutant it was loaded with, so a mutant of a module-level value (`const f = () => …`)
    // would never be switched on, and would survive.
  },
});

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      project('leaves', 'node', pick(leaves), notHere),
      project('dom', 'jsdom', only ? only.filter((f) => !leaves.includes(f)) : unit.test.include, [
        ...notHere,
        ...leaves,
      ]),
    ].filter((p) => p.test.include.length > 0),
  },
});
