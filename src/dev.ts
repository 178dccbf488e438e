/**
 * Development-only diagnostics: warnings about mistakes that still work (a misspelt option is
 * ignored), so they never throw. Each call site guards its call the same way, inline, so that
 * a production build carries none of this module:
 *
 *     try {
 *       if (process.env.NODE_ENV !== 'production') warnX(…);
 *     } catch {
 *       warnX(…); // no `process` at all: a page running the file as it is (no bundler)
 *     }
 *
 * A bundler's production build (Vite, webpack, esbuild, Rollup with a replace plugin) turns the
 * condition into `false`, its minifier drops the `if`, then the empty `try` with its `catch`,
 * then this module. The minified UMDs (for a <script> tag in production) are built with the same
 * replacement (rollup.config.js); the other files keep it, so a development build, Node, and a
 * page loading `heartbeat-ws.mjs` or a non-minified UMD without a bundler warn. A leaf.
 */

/**
 * How alike two names are, from 0 to 1: the pairs of adjacent letters of `a` found in `b`, over
 * both lengths (a Dice coefficient, tiny where an edit distance is not).
 */
function alike(a: string, b: string): number {
  let shared = 0;
  for (let i = 1; i < a.length;) shared += +b.includes(a[i - 1]! + a[i++]);
  return (2 * shared) / (a.length + b.length);
}

/**
 * The warnings about unknown options given so far: a tab sharing its connection, or a hook
 * remaking its socket, checks the same options again, and each is said once, whatever other
 * sockets said in between.
 */
const warned = /* @__PURE__ */ new Set<string>();

/** Where what is not an option goes instead: WebSocket's argument, the `ws` package's option. */
const INSTEAD = /* @__PURE__ */ new Map([
  ['options.protocols', 'protocols go second: new HeartbeatSocket(url, protocols, options)'],
  ['options.headers', 'a browser sends no headers: docs/recipes.md, auth'],
]);

/**
 * Names in one console warning the options and `heartbeat` fields that are not options: those
 * `resolved` (the resolved options) has no key for, and those neither `beat` (the heartbeat's
 * defaults) nor the two recognisers name. Each comes with the known name nearest to it at either
 * level: a misspelt or misplaced option is otherwise ignored without a word (the heartbeat off
 * for `hearbeat: true`; a top-level `isPong` is `options.heartbeat.isPong`).
 */
export function warnUnknown(options: object, resolved: object, beat: object): void {
  const top = Object.keys(resolved);
  const fields = [...Object.keys(beat), 'isPong', 'isServerPing'];
  const unknown = (given: unknown, names: string[], prefix: string): string[] =>
    typeof given === 'object' && given
      ? Object.keys(given)
          .filter((key) => !names.includes(key))
          .map((key) => prefix + key)
      : [];
  const all = [
    ...unknown(options, top, 'options.'),
    ...unknown((options as { heartbeat?: unknown }).heartbeat, fields, 'options.heartbeat.'),
  ];
  const candidates = [...top, ...fields.map((key) => 'heartbeat.' + key)];
  const warning =
    all.length &&
    'heartbeat-ws: unknown ' +
      all
        .map((name) => {
          const instead = INSTEAD.get(name);
          if (instead) return `${name} (${instead})`;
          let best = 0.5;
          let near = '';
          for (const candidate of candidates) {
            const score = alike(name.replace(/.*\./, ''), candidate.replace(/.*\./, ''));
            if (score >= best) [best, near] = [score, candidate];
          }
          return near ? `${name} (options.${near}?)` : name;
        })
        .join(', ');
  if (warning && !warned.has(warning)) {
    warned.add(warning);
    console.warn(warning);
  }
}
