/**
 * The `heartbeat-ws/vue` and `heartbeat-ws/svelte` entries as users get them: by require(), by
 * import, and by a <script> tag (globals `HeartbeatWSVue`, `HeartbeatWSSvelte`), each with its
 * own size budget. Reads dist/, which `npm test` builds first (pretest). The package-wide checks
 * (publint, attw on the packed tarball) are in package.test.ts and cover these entries too.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzippedFileSize } from '../helpers/size';

const root = join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dist = (file: string) => join(root, file);

/**
 * The budget for heartbeat-ws/vue's minified UMD, gzipped (level 9): what the composable adds on
 * top of the core and Vue. 1,223 B when set (with the shared binding, src/bindings/live.ts).
 * 1,298 B (+42 B): options second, without protocols, as the constructor takes them.
 * 1,450 B (+152 B): options.HeartbeatSocket, as the React hook takes it (src/bindings/hook.ts):
 * the class taken out of the options, the url as given to a class other than HeartbeatSocket,
 * the start through the shared socket's hook, and the TypeError of a url ref with it.
 * 1,476 B (+26 B): a review of it: a shared socket never started within a task leaves its
 * channel (it joins when made), and one stopped leaves at once, not once the connection moves.
 */
export const VUE_SIZE_BUDGET = 1476;

/**
 * The budget for heartbeat-ws/svelte's minified UMD, gzipped (level 9): what the store adds on top
 * of the core (it imports nothing from Svelte). 1,217 B when set (with src/bindings/live.ts).
 * 1,287 B (+41 B): options second, without protocols, as the constructor takes them.
 * 1,443 B (+156 B): options.HeartbeatSocket, as the React hook takes it (src/bindings/hook.ts):
 * the class taken out of the options, the url as given to a class other than HeartbeatSocket,
 * the start through the shared socket's hook, and the TypeError of a store url with it.
 * 1,472 B (+29 B): a review of it: a shared socket never started within a task leaves its
 * channel (it joins when made), and one stopped leaves at once, not once the connection moves.
 */
export const SVELTE_SIZE_BUDGET = 1472;

const LINKED = ['vue', '@vue'];
let consumer: string;
beforeAll(() => {
  consumer = mkdtempSync(join(tmpdir(), 'hbws-frameworks-'));
  mkdirSync(join(consumer, 'node_modules'));
  symlinkSync(root, join(consumer, 'node_modules', 'heartbeat-ws'), 'dir');
  // Vue is the optional peer of heartbeat-ws/vue; the app brings its own.
  for (const name of LINKED) symlinkSync(join(root, 'node_modules', name), join(consumer, 'node_modules', name), 'dir');
});
afterAll(() => {
  // The links first, so that nothing can reach through them into this package.
  for (const name of ['heartbeat-ws', ...LINKED]) unlinkSync(join(consumer, 'node_modules', name));
  rmSync(consumer, { recursive: true, force: true });
});

const node = (file: string, source: string) => {
  writeFileSync(join(consumer, file), source);
  return execFileSync(process.execPath, [join(consumer, file)], { cwd: consumer, encoding: 'utf8' }).trim();
};

// Outside a component, in an effect scope / with one subscriber; startClosed keeps it shut.
const USE_VUE = `const scope = effectScope();
const live = scope.run(() => useHeartbeatSocket('ws://127.0.0.1:9/', undefined, { startClosed: true, WebSocket: class {} }));
console.log(typeof useHeartbeatSocket, live.state.value, live.socket.constructor.name);
scope.stop();`;
const USE_SVELTE = `const live = heartbeatSocketStore('ws://127.0.0.1:9/', undefined, { startClosed: true, WebSocket: class {} });
let state;
live.subscribe((value) => (state = value.state))();
console.log(typeof heartbeatSocketStore, state, live.socket.constructor.name);`;

const ENTRIES = [
  {
    name: 'vue',
    global: 'HeartbeatWSVue',
    fn: 'useHeartbeatSocket',
    budget: VUE_SIZE_BUDGET,
    cjs: `const { effectScope } = require('vue');\nconst { useHeartbeatSocket } = require('heartbeat-ws/vue');\n${USE_VUE}`,
    esm: `import { effectScope } from 'vue';\nimport { useHeartbeatSocket } from 'heartbeat-ws/vue';\n${USE_VUE}`,
  },
  {
    name: 'svelte',
    global: 'HeartbeatWSSvelte',
    fn: 'heartbeatSocketStore',
    budget: SVELTE_SIZE_BUDGET,
    cjs: `const { heartbeatSocketStore } = require('heartbeat-ws/svelte');\n${USE_SVELTE}`,
    esm: `import { heartbeatSocketStore } from 'heartbeat-ws/svelte';\n${USE_SVELTE}`,
  },
];

for (const { name, global, fn, budget, cjs, esm } of ENTRIES) {
  describe(`the heartbeat-ws/${name} entry`, () => {
    const entry = pkg.exports[`./${name}`];
    const minified = `dist/${name}.umd.min.js`;

    it('has every file its exports name, types first; its framework is an optional peer', () => {
      expect(Object.keys(entry)).toEqual(['types', 'import', 'require', 'default']);
      for (const file of JSON.stringify(entry).match(/\.\/dist\/[^"]+/g)!)
        expect(existsSync(dist(file)), file).toBe(true);
      expect(pkg.typesVersions['*'][name]).toEqual([entry.types.require]);
      expect(pkg.peerDependencies[name]).toBeDefined();
      expect(pkg.peerDependenciesMeta[name]).toEqual({ optional: true });
      expect(pkg.dependencies).toBeUndefined();
    });

    it('works with require() from CommonJS and with import from ES modules', () => {
      expect(node(`${name}.cjs`, cjs)).toBe('function closed HeartbeatSocket');
      expect(node(`${name}.mjs`, esm)).toBe('function closed HeartbeatSocket');
    });

    it("imports the core's ES module rather than carrying a copy of it", () => {
      const code = readFileSync(dist(entry.import), 'utf8');
      expect(code).toMatch(/^import \{[^}]*\bHeartbeatSocket\b[^}]*\} from 'heartbeat-ws';/m);
      expect(code).not.toMatch(/class HeartbeatSocket\b/);
    });

    it('costs nothing to users of the core entry alone', () => {
      for (const file of [pkg.module, pkg.main, pkg.unpkg])
        expect(readFileSync(dist(file), 'utf8')).not.toMatch(new RegExp(`${fn}|from '${name}'|require\\('${name}'\\)`));
    });

    it(`defines the global ${global} after the core's UMD, as <script> tags load them`, () => {
      for (const file of [entry.require, `./${minified}`]) {
        // Vue's global build would define Vue; the binding reads it only when called.
        const sandbox: Record<string, unknown> = { EventTarget, Event, Vue: {} };
        sandbox.globalThis = sandbox;
        runInNewContext(readFileSync(dist(pkg.unpkg), 'utf8'), sandbox);
        runInNewContext(readFileSync(dist(file), 'utf8'), sandbox);
        expect(typeof (sandbox[global] as Record<string, unknown>)[fn], file).toBe('function');
      }
    });

    it(`keeps the minified UMD within its own size budget (${budget} bytes gzipped)`, () => {
      const size = gzippedFileSize(dist(minified));
      console.log(`${minified}: ${size} bytes gzipped (budget ${budget})`);
      expect(size).toBeLessThanOrEqual(budget);
    });
  });
}
