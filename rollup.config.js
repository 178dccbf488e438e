import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

// One source, three runtimes: the ES module for bundlers and <script type="module">, the UMD
// (global `HeartbeatWS`) for <script src> and require(). The package has no "type" field, so
// Node reads the UMD's `.js` as CommonJS and the `.mjs` as ESM, and CDNs serve both as JavaScript.
const ts = () =>
  typescript({
    tsconfig: './tsconfig.json',
    include: ['src/**/*.ts'],
    compilerOptions: { noEmit: false, declaration: false, types: [] },
  });

/**
 * Members of the internal parts (the core's, then the shared socket's) that the minified UMDs
 * rename. Never a name a user reads: test/package/package.test.ts fails when one appears in the
 * published declarations (as `rtt`, the `heartbeat` event's detail, once did). Never a field of
 * what tabs post to each other either (relay.ts): a tab running the ES module and one running
 * the UMD must read each other's messages.
 */
export const MANGLED =
  /^(receive|woke|alive|dead|pong|drain|prepend|take|phase|ws|queue|count|detach|release|wrote|confirmAll|requeue|opened|emit|sync|start|stop|bytes|received|ended|errored|failed|address|binary|submit|shut|restart|retries|measure|check|tap|withdraw|link|guard|log|remove|view|leader|ask|accept|snapshot|leave|settle|all|forget|drained|raw|leaderOptions|first|shared|post|flush|done|backlog|discard)$/;

const umd = { format: 'umd', name: 'HeartbeatWS', exports: 'named' };
// The entry points' minified UMDs (the core adds property mangling of its internals). They are
// what a <script> tag loads in production: `process.env.NODE_ENV` is 'production' there, as a
// bundler's production build makes it, so the development-only warnings (src/dev.ts) are
// compiled out. The non-minified UMDs (require(), a <script> tag in development) keep them.
const minify = {
  ecma: 2022,
  compress: {
    // Measured on every entry (test/package budgets): the settings that give the fewest gzipped
    // bytes. Not `unsafe_methods`: with `arrows` (the default) it turns each `m: () => x` into
    // `m() { return x }` and back on every pass, so the odd passes left a third of them long.
    // `inline: 1` inlines only simple functions: those with arguments were left as IIFEs, longer.
    passes: 4,
    inline: 1,
    unsafe_arrows: true,
    global_defs: { 'process.env.NODE_ENV': 'production' },
  },
  format: { ascii_only: true },
};

export default [
  // The ES module carries, beside the public surface, what the other entry points build on
  // (src/internal.ts): heartbeat-ws/shared's ES module imports it from here, so a bundle holds
  // one copy. The UMD (what a <script> tag loads, size-gated) carries only the public surface.
  { input: 'src/internal.ts', plugins: [ts()], output: { file: 'dist/heartbeat-ws.mjs', format: 'es' } },
  {
    input: 'src/index.ts',
    plugins: [ts()],
    output: [
      { ...umd, file: 'dist/heartbeat-ws.umd.js' },
      {
        ...umd,
        file: 'dist/heartbeat-ws.umd.min.js',
        plugins: [
          terser({
            ...minify,
            // Members of the internal parts (heartbeat hooks, queue, state machine) get short
            // names. Only names that nothing outside the bundle reads, and that no DOM or `ws`
            // object used here has: a public member must never be listed (`url`, `send`, `probe`…).
            // Names terser knows from the DOM (start, stop, count, bytes…) too: these are ours.
            mangle: { properties: { builtins: true, regex: MANGLED } },
          }),
        ],
      },
    ],
  },
  {
    input: 'src/index.ts',
    plugins: [dts({ compilerOptions: { types: [] } })],
    output: [
      { file: 'dist/heartbeat-ws.d.ts', format: 'es' },
      { file: 'dist/heartbeat-ws.d.mts', format: 'es' },
    ],
  },
  ...sharedBuilds(),
  ...reactEntry(),
  ...addOnBuilds('request', 'HeartbeatWSRequest'),
  ...addOnBuilds('outbox', 'HeartbeatWSOutbox'),
  ...vueBuilds(),
  ...svelteBuilds(),
];

// heartbeat-ws/shared (SharedHeartbeatSocket). Its ES module imports the core's ES module
// rather than carrying a copy, so a bundle that imports both holds one HeartbeatSocket and the
// core alone pays nothing for it. The UMD (global `HeartbeatWSShared`) carries the core, so one
// <script> tag or require() is enough. Declarations carry the core's types they name.
function sharedBuilds() {
  const sharedCore = (id) => /[\\/]src[\\/]internal(\.ts)?$/.test(id) || id === '../internal';
  const sharedUmd = { format: 'umd', name: 'HeartbeatWSShared', exports: 'named' };
  return [
    {
      input: 'src/shared/index.ts',
      plugins: [ts()],
      external: sharedCore,
      output: { file: 'dist/shared.mjs', format: 'es', paths: (id) => (sharedCore(id) ? './heartbeat-ws.mjs' : id) },
    },
    {
      input: 'src/shared/index.ts',
      plugins: [ts()],
      output: [
        { ...sharedUmd, file: 'dist/shared.umd.js' },
        {
          ...sharedUmd,
          file: 'dist/shared.umd.min.js',
          // The core it carries, and the tab's own internals, mangled as in the core's UMD.
          plugins: [terser({ ...minify, mangle: { properties: { builtins: true, regex: MANGLED } } })],
        },
      ],
    },
    {
      input: 'src/shared/index.ts',
      plugins: [dts({ compilerOptions: { types: [] } })],
      output: [
        { file: 'dist/shared.d.ts', format: 'es' },
        { file: 'dist/shared.d.mts', format: 'es' },
      ],
    },
  ];
}

// heartbeat-ws/react: the hook alone. React and the core stay imports (`heartbeat-ws`, resolved
// from the user's node_modules), so a page that uses both loads one HeartbeatSocket class and
// non-React users never load this file.
function reactEntry() {
  const coreAsPackage = {
    name: 'core-as-package',
    resolveId: (source, importer) =>
      source === '../index' && /[\\/]src[\\/]react[\\/]/.test(importer ?? '')
        ? { id: 'heartbeat-ws', external: true }
        : null,
  };
  const external = ['react', 'heartbeat-ws'];
  const reactUmd = {
    ...umd,
    name: 'HeartbeatWSReact',
    file: 'dist/react.umd.js',
    globals: { react: 'React', 'heartbeat-ws': 'HeartbeatWS' },
  };
  return [
    {
      input: 'src/react/index.ts',
      external,
      plugins: [coreAsPackage, ts()],
      output: [
        { file: 'dist/react.mjs', format: 'es' },
        reactUmd,
        // What the hook adds to a page, minified: gated by its own size budget (test/package).
        { ...reactUmd, file: 'dist/react.umd.min.js', plugins: [terser(minify)] },
      ],
    },
    {
      input: 'src/react/index.ts',
      external,
      plugins: [coreAsPackage, dts({ compilerOptions: { types: [] } })],
      output: [
        { file: 'dist/react.d.ts', format: 'es' },
        { file: 'dist/react.d.mts', format: 'es' },
      ],
    },
  ];
}

// heartbeat-ws/request (requests(), DropError) and heartbeat-ws/outbox (indexedDbOutbox(),
// deleteOutbox()). Each works through the core's extension points (the outbox through its option
// `outbox`) alone and carries no part of the core: its ES module would import the core's ES module
// for anything it took from it (the same external as shared's, so a bundle holds one core), and
// its UMD (global `HeartbeatWSRequest`, `HeartbeatWSOutbox`) loads beside the core's or shared's,
// without a copy of either.
function addOnBuilds(entry, global) {
  const core = (id) => /[\\/]src[\\/]internal(\.ts)?$/.test(id) || id === '../internal';
  const umd = { format: 'umd', name: global, exports: 'named' };
  return [
    {
      input: `src/${entry}/index.ts`,
      plugins: [ts()],
      external: core,
      output: [
        { file: `dist/${entry}.mjs`, format: 'es', paths: (id) => (core(id) ? './heartbeat-ws.mjs' : id) },
        { ...umd, file: `dist/${entry}.umd.js` },
        // What the entry adds to a page, minified: gated by its own size budget (test/package).
        { ...umd, file: `dist/${entry}.umd.min.js`, plugins: [terser(minify)] },
      ],
    },
    {
      input: `src/${entry}/index.ts`,
      plugins: [dts({ compilerOptions: { types: [] } })],
      output: [
        { file: `dist/${entry}.d.ts`, format: 'es' },
        { file: `dist/${entry}.d.mts`, format: 'es' },
      ],
    },
  ];
}

// heartbeat-ws/vue and heartbeat-ws/svelte: the bindings alone (with src/bindings/, which they
// share, bundled into each). The core stays an import (`heartbeat-ws`, resolved from the user's
// node_modules), as for React, so a page that uses a binding loads one HeartbeatSocket class.
function bindingBuilds(name, global, globals) {
  const coreAsPackage = {
    name: 'core-as-package',
    resolveId: (source, importer) =>
      source === '../index' && /[\\/]src[\\/](vue|svelte|bindings)[\\/]/.test(importer ?? '')
        ? { id: 'heartbeat-ws', external: true }
        : null,
  };
  const external = [...Object.keys(globals), 'heartbeat-ws'];
  const bindingUmd = {
    ...umd,
    name: global,
    file: `dist/${name}.umd.js`,
    globals: { ...globals, 'heartbeat-ws': 'HeartbeatWS' },
  };
  return [
    {
      input: `src/${name}/index.ts`,
      external,
      plugins: [coreAsPackage, ts()],
      output: [
        { file: `dist/${name}.mjs`, format: 'es' },
        bindingUmd,
        // What the binding adds to a page, minified: gated by its own size budget (test/package).
        { ...bindingUmd, file: `dist/${name}.umd.min.js`, plugins: [terser(minify)] },
      ],
    },
    {
      input: `src/${name}/index.ts`,
      external,
      plugins: [coreAsPackage, dts({ compilerOptions: { types: [] } })],
      output: [
        { file: `dist/${name}.d.ts`, format: 'es' },
        { file: `dist/${name}.d.mts`, format: 'es' },
      ],
    },
  ];
}

// heartbeat-ws/vue (global HeartbeatWSVue, after Vue's global build and the core's UMD).
function vueBuilds() {
  return bindingBuilds('vue', 'HeartbeatWSVue', { vue: 'Vue' });
}

// heartbeat-ws/svelte (global HeartbeatWSSvelte): imports nothing from Svelte (a store is its
// `subscribe` method), so it needs only the core.
function svelteBuilds() {
  return bindingBuilds('svelte', 'HeartbeatWSSvelte', {});
}
