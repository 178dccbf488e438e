/**
 * Declarative JSON recognisers: `{ type: 'pong' }` instead of a function. A leaf, pure and tiny
 * (it ships in the core bundle).
 */

/** A JSON shape to look for: a plain object whose fields a message must have, nested alike. */
export type JsonPattern = { readonly [field: string]: unknown };

/**
 * The JSON value of a text message; false for binary, undefined for text that is not JSON
 * (neither matches a pattern). Never throws:
 * a server's non-JSON chatter is just not a match.
 */
export const parse = (data: unknown): unknown => {
  try {
    return typeof data === 'string' && JSON.parse(data);
  } catch {
    // Not JSON: no pattern matches it.
  }
};

/**
 * Whether `value` has every field of `pattern` with an equal value, nested objects compared the
 * same way (partial match: other fields of `value` are ignored).
 */
export const matches = (pattern: unknown, value: unknown): boolean =>
  // Object(x) === x: x is an object (or array), not null or a primitive.
  Object(pattern) === pattern
    ? Object(value) === value &&
      Object.keys(pattern as object).every((key) => matches((pattern as never)[key], (value as never)[key]))
    : pattern === value;
