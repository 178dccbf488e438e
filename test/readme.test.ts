import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/options';

const readme = readFileSync(join(__dirname, '../README.md'), 'utf8');
const reference = readFileSync(join(__dirname, '../docs/reference.md'), 'utf8');

/** Rows `| \`name\` | \`default\` | …` of the table under a heading of docs/reference.md. */
function table(heading: string): Map<string, string> {
  const start = reference.indexOf(`\n${heading}\n`);
  expect(start, `docs/reference.md has a "${heading}" section`).toBeGreaterThan(-1);
  const rows = new Map<string, string>();
  for (const line of reference.slice(start).split('\n').slice(2)) {
    if (line.startsWith('#')) break;
    const m = /^\| `([^`]+)` \| `?([^|`]+?)`? \|/.exec(line);
    if (m) rows.set(m[1] as string, m[2] as string);
  }
  return rows;
}

const show = (v: unknown) =>
  typeof v === 'string' ? `'${v}'` : v === Number.POSITIVE_INFINITY ? 'Infinity' : String(v);

describe('README', () => {
  it('documents every option with the default the code uses', () => {
    const rows = table('## Options');
    const { heartbeat, ...top } = DEFAULTS;
    for (const [name, value] of Object.entries(top)) expect(rows.get(name), name).toBe(show(value));
    expect(rows.get('heartbeat')).toBe('false');
    const hb = table('## `heartbeat`');
    for (const [name, value] of Object.entries(heartbeat)) expect(hb.get(name), `heartbeat.${name}`).toBe(show(value));
    for (const name of ['isPong', 'isServerPing']) expect(hb.has(name), name).toBe(true);
    for (const name of ['WebSocket', 'shouldReconnect', 'clock', 'random']) expect(rows.has(name), name).toBe(true);
  });

  it("names in its API section every addition the reference marks, and every addition's event", () => {
    const api = readme.slice(readme.indexOf('\n## API\n'), readme.indexOf('\n## Documentation\n'));
    expect(api.length).toBeGreaterThan(100);
    const added = [...reference.matchAll(/^\| `([\w.]+)(?:\([^)]*\))?` \| \*\(addition/gm)].map((m) => m[1] as string);
    expect(added).toEqual(expect.arrayContaining(['state', 'clearQueue', 'probe', 'track', 'stats']));
    for (const name of added) expect(api, name).toContain(`\`${name}`);
    for (const event of ['reconnecting', 'heartbeat', 'drop', 'giveup', 'statechange'])
      expect(api).toContain(`\`${event}\``);
  });

  it('states the two commands', () => {
    expect(readme).toContain('npm ci && npm test');
    expect(readme).toContain('npm ci && npm run demo');
  });
});
