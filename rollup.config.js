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
 * Members of the core's internal parts that the minified UMD renames. Never a name a user reads:
 * test/package/package.test.ts fails when one appears in the published declarations (as `rtt`,
 * the `heartbeat` event's detail, once did).
 */
export const MANGLED =
  /^(receive|woke|alive|dead|pong|drain|prepend|take|phase|ws|queue|count|detach|release|wrote|confirmAll|requeue|opened|emit|sync|start|stop|bytes|received|ended|errored|failed|address|binary|submit|shut|restart|retries|measure|check|tap|withdraw|backlog)$/;

const umd = { format: 'umd', name: 'HeartbeatWS', exports: 'named' };
// The entry points' minified UMDs (the core adds property mangling of its internals).
const minify = {
  ecma: 2022,
  compress: { passes: 3, unsafe_arrows: true, unsafe_methods: true },
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
          plugins: [terser(minify)],
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
