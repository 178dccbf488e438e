import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// These tests read dist/, which `npm test` builds first (pretest).
const root = join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dist = (file: string) => join(root, file);
const minified = pkg.unpkg as string;

/** The budget for the minified UMD, gzipped (level 9), in bytes; the README states the figure. */
export const SIZE_BUDGET = 5000;

let consumer: string;
beforeAll(() => {
  // A project that depends on heartbeat-ws by name, as users' apps do.
  consumer = mkdtempSync(join(tmpdir(), 'hbws-consumer-'));
  mkdirSync(join(consumer, 'node_modules'));
  symlinkSync(root, join(consumer, 'node_modules', 'heartbeat-ws'), 'dir');
});
afterAll(() => rmSync(consumer, { recursive: true, force: true }));

const node = (file: string, source: string) => {
  writeFileSync(join(consumer, file), source);
  return execFileSync(process.execPath, [join(consumer, file)], { cwd: consumer, encoding: 'utf8' }).trim();
};

describe('the published package', () => {
  it('has every file package.json names', () => {
    const named = [
      pkg.main,
      pkg.module,
      pkg.types,
      pkg.unpkg,
      pkg.jsdelivr,
      ...JSON.stringify(pkg.exports['.']).match(/\.\/dist\/[^"]+/g)!,
    ];
    for (const file of named) expect(existsSync(dist(file)), file).toBe(true);
    expect(pkg.files).toEqual(['dist']);
    expect(pkg.sideEffects).toBe(false);
    expect(Object.keys(pkg.exports['.'])).toEqual(['types', 'import', 'require', 'default']);
  });

  it('has zero runtime dependencies', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
    for (const file of [pkg.module, pkg.main])
      expect(readFileSync(dist(file), 'utf8')).not.toMatch(/\brequire\(|^import /m);
  });

  it('works with require() from CommonJS', () => {
    expect(
      node('a.cjs', "const m = require('heartbeat-ws'); console.log(typeof m.HeartbeatSocket, m.HeartbeatSocket.OPEN)"),
    ).toBe('function 1');
  });

  it('works with import from ES modules', () => {
    expect(
      node(
        'b.mjs',
        "import { HeartbeatSocket } from 'heartbeat-ws'; console.log(typeof HeartbeatSocket, HeartbeatSocket.CLOSED)",
      ),
    ).toBe('function 3');
  });

  it('defines the global HeartbeatWS namespace when loaded by a <script> tag', () => {
    for (const file of [pkg.main, minified]) {
      const sandbox: Record<string, unknown> = { EventTarget, Event };
      sandbox.globalThis = sandbox;
      runInNewContext(readFileSync(dist(file), 'utf8'), sandbox);
      const ns = sandbox.HeartbeatWS as Record<string, unknown>;
      expect(typeof ns.HeartbeatSocket, file).toBe('function');
      expect(typeof ns.backoffDelay, file).toBe('function');
    }
  });

  it(`keeps the minified UMD within its size budget (${SIZE_BUDGET} bytes gzipped)`, () => {
    const size = gzipSync(readFileSync(dist(minified)), { level: 9 }).length;
    console.log(`${minified}: ${size} bytes gzipped (budget ${SIZE_BUDGET})`);
    expect(size).toBeLessThanOrEqual(SIZE_BUDGET);
  });

  it('passes publint', () => {
    const out = execFileSync(join(root, 'node_modules/.bin/publint'), ['--strict'], { cwd: root, encoding: 'utf8' });
    expect(out).not.toMatch(/Errors?:|Warnings?:/);
  });

  it('passes @arethetypeswrong/cli on the packed tarball', () => {
    // Exits non-zero on any problem; the table goes to the log.
    const out = execFileSync(join(root, 'node_modules/.bin/attw'), ['--pack', '.', '--format', 'ascii'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(out).toContain('No problems found');
  }, 60_000);
});
