/**
 * Throws a programmer's mistake at once: `heartbeat-ws: <name> must be <expected>, got <got>`.
 * Every constructor and argument check of the package goes through here. A leaf.
 */
export const fail = (Kind: typeof TypeError, name: string, expected: string, got: unknown): never => {
  throw new Kind(
    `heartbeat-ws: ${name} must be ${expected}, got ${
      typeof got === 'string'
        ? JSON.stringify(got)
        : typeof got === 'function'
          ? 'a function'
          : // An object without a prototype has no toString: String() of it would throw.
            String(Object(got).toString ? got : {})
    }`,
  );
};

/** `value`, when it is a function; else throws as {@link fail}, naming it `name`. */
export const fn = <T>(name: string, value: T): T =>
  typeof value === 'function' ? value : fail(TypeError, name, 'a function', value);
