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

const umd = { format: 'umd', name: 'HeartbeatWS', exports: 'named' };

export default [
  {
    input: 'src/index.ts',
    plugins: [ts()],
    output: [
      { file: 'dist/heartbeat-ws.mjs', format: 'es' },
      { ...umd, file: 'dist/heartbeat-ws.umd.js' },
      {
        ...umd,
        file: 'dist/heartbeat-ws.umd.min.js',
        plugins: [
          terser({
            ecma: 2022,
            compress: { passes: 3, unsafe_arrows: true, unsafe_methods: true },
            // Members of the internal parts (heartbeat hooks, queue, state machine) get short
            // names. Only names that nothing outside the bundle reads, and that no DOM or `ws`
            // object used here has: a public member must never be listed (`url`, `send`, `probe`…).
            mangle: {
              properties: {
                regex: /^(receive|woke|alive|dead|pong|drain|prepend|take|phase|guard|ws|queue)$/,
              },
            },
            format: { ascii_only: true },
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
];
