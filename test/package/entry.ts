/**
 * What the tests of the package's extra entries (request.test.ts, outbox.test.ts, shared.test.ts)
 * share: a consumer project that resolves `heartbeat-ws` to this package, a `node(file, source)`
 * runner in it, `dist()` paths, and the standard cases for an entry loaded beside the core.
 * Reads dist/, which `npm test` builds first (pretest).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzippedFileSize } from '../helpers/size';

export const root = join(__dirname, '../..');
export const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
export const dist = (file: string) => join(root, file);

/**
 * A consumer project for the current suite (made before it, removed after it), and `node(file,
 * source)`: writes `source` to `file` in it, runs it with this Node, and returns what it printed.
 */
export function consumerProject(name: string) {
  let consumer: string;
  beforeAll(() => {
    consumer = mkdtempSync(join(tmpdir(), `hbws-${name}-`));
    mkdirSync(join(consumer, 'node_modules'));
    symlinkSync(root, join(consumer, 'node_modules', 'heartbeat-ws'), 'dir');
  });
  afterAll(() => rmSync(consumer, { recursive: true, force: true }));

  return (file: string, source: string) => {
    writeFileSync(join(consumer, file), source);
    return execFileSync(process.execPath, [join(consumer, file)], { cwd: consumer, encoding: 'utf8' }).trim();
  };
}

/** The case: the entry `./<name>` has every file its exports name, types first. */
export function itHasItsFiles(name: string) {
  const entry = pkg.exports[`./${name}`];
  it('has every file its exports name, types first', () => {
    expect(Object.keys(entry)).toEqual(['types', 'import', 'require', 'default']);
    for (const file of JSON.stringify(entry).match(/\.\/dist\/[^"]+/g)!)
      expect(existsSync(dist(file)), file).toBe(true);
    expect(pkg.typesVersions['*'][name]).toEqual([entry.types.require]);
  });
}

/** The case: the entry's minified UMD within its size budget, gzipped. */
export function itKeepsSizeBudget(name: string, minified: string, budget: number) {
  it(`keeps the ${name} minified UMD within its size budget (${budget} bytes gzipped)`, () => {
    const size = gzippedFileSize(dist(minified));
    console.log(`${minified}: ${size} bytes gzipped (budget ${budget})`);
    expect(size).toBeLessThanOrEqual(budget);
  });
}

export interface EntryBesideCore {
  /** `request` for `heartbeat-ws/request`. */
  name: string;
  /** The names it exports, as the test imports them: `requests, DropError`. */
  imports: string;
  /** What the consumer runs, after importing the core's HeartbeatSocket and `imports`. */
  use: string;
  /** What `use` prints. */
  output: string;
  /** What none of the core's builds may contain (the entry's own code). */
  absentFromCore: RegExp;
  /** `./dist/<name>.umd.min.js`. */
  minified: string;
  budget: number;
  /** The <script> tag case: its global, how it is loaded ("after the core"), the functions it holds, */
  global: string;
  loaded: string;
  functions: string[];
  /** and a script run in the page beside the core and the entry, with what it resolves to. */
  run: string;
  result: unknown;
}

/**
 * The standard cases of an entry that users load beside the core: by require(), by import (with
 * no copy of the core), at no cost to users of the core alone, by a <script> tag after the core's,
 * and within its size budget.
 */
export function describeEntryBesideCore(e: EntryBesideCore) {
  const entry = pkg.exports[`./${e.name}`];

  describe(`the heartbeat-ws/${e.name} entry`, () => {
    const node = consumerProject(e.name);

    itHasItsFiles(e.name);

    it('works with require() from CommonJS', () => {
      expect(
        node(
          'a.cjs',
          `const { HeartbeatSocket } = require('heartbeat-ws');\nconst { ${e.imports} } = require('heartbeat-ws/${e.name}');\n${e.use}`,
        ),
      ).toBe(e.output);
    });

    it('works with import from ES modules, and carries no copy of the core', () => {
      expect(
        node(
          'b.mjs',
          `import { HeartbeatSocket } from 'heartbeat-ws';\nimport { ${e.imports} } from 'heartbeat-ws/${e.name}';\n${e.use}`,
        ),
      ).toBe(e.output);
      for (const file of [entry.import, entry.require, e.minified])
        expect(readFileSync(dist(file), 'utf8'), file).not.toMatch(/class HeartbeatSocket\b|HeartbeatSocket\s*=/);
    });

    it('costs nothing to users of the core entry alone', () => {
      for (const file of [pkg.module, pkg.main, pkg.unpkg])
        expect(readFileSync(dist(file), 'utf8')).not.toMatch(e.absentFromCore);
    });

    it(`defines the global ${e.global} when loaded by a <script> tag ${e.loaded}`, async () => {
      for (const file of [entry.require, e.minified]) {
        // What a page has that the core and this entry use on this path.
        const sandbox: Record<string, unknown> = {
          ...{ EventTarget, Event, CustomEvent, DOMException, URL, console, setTimeout, clearTimeout, queueMicrotask },
        };
        sandbox.globalThis = sandbox;
        runInNewContext(readFileSync(dist(pkg.unpkg), 'utf8'), sandbox);
        runInNewContext(readFileSync(dist(file), 'utf8'), sandbox);
        const ns = sandbox[e.global] as Record<string, unknown>;
        for (const fn of e.functions) expect(typeof ns[fn], file).toBe('function');
        expect(await runInNewContext(e.run, sandbox), file).toBe(e.result);
      }
    });

    itKeepsSizeBudget(e.name, e.minified, e.budget);
  });
}
