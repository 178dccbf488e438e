/**
 * The `heartbeat-ws/request` entry as users get it: by require(), by import, and by a <script>
 * tag (global `HeartbeatWSRequest`, after the core's), with its own size budget. Reads dist/,
 * which `npm test` builds first (pretest). The package-wide checks (publint, attw on the packed
 * tarball) are in package.test.ts and cover this entry too.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzippedFileSize } from '../helpers/size';

const root = join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const entry = pkg.exports['./request'];
const dist = (file: string) => join(root, file);
const MINIFIED = './dist/request.umd.min.js';

/**
 * The budget for the request minified UMD, gzipped (level 9), in bytes: what requests() adds to
 * a page that already loads the core (or shared). 1,351 B when set (request, deliver, dispose,
 * DropError, the argument checks).
 */
export const REQUEST_SIZE_BUDGET = 1400;

let consumer: string;
beforeAll(() => {
  consumer = mkdtempSync(join(tmpdir(), 'hbws-request-'));
  mkdirSync(join(consumer, 'node_modules'));
  symlinkSync(root, join(consumer, 'node_modules', 'heartbeat-ws'), 'dir');
});
afterAll(() => rmSync(consumer, { recursive: true, force: true }));

const node = (file: string, source: string) => {
  writeFileSync(join(consumer, file), source);
  return execFileSync(process.execPath, [join(consumer, file)], { cwd: consumer, encoding: 'utf8' }).trim();
};

// A socket that never connects: a message sent now waits in its queue, and dispose() takes it back.
const USE = `const socket = new HeartbeatSocket('ws://127.0.0.1:9/', [], { startClosed: true, WebSocket: class {} });
const api = requests(socket);
api.request({ q: 1 }).catch((e) => console.log(typeof requests, e.name, socket.stats.queued, new DropError('overflow', 'x').name));
api.dispose();`;

describe('the heartbeat-ws/request entry', () => {
  it('has every file its exports name, types first', () => {
    expect(Object.keys(entry)).toEqual(['types', 'import', 'require', 'default']);
    for (const file of JSON.stringify(entry).match(/\.\/dist\/[^"]+/g)!)
      expect(existsSync(dist(file)), file).toBe(true);
    expect(pkg.typesVersions['*'].request).toEqual([entry.types.require]);
  });

  it('works with require() from CommonJS', () => {
    expect(
      node(
        'a.cjs',
        `const { HeartbeatSocket } = require('heartbeat-ws');\nconst { requests, DropError } = require('heartbeat-ws/request');\n${USE}`,
      ),
    ).toBe('function AbortError 0 DropError');
  });

  it('works with import from ES modules, and carries no copy of the core', () => {
    expect(
      node(
        'b.mjs',
        `import { HeartbeatSocket } from 'heartbeat-ws';\nimport { requests, DropError } from 'heartbeat-ws/request';\n${USE}`,
      ),
    ).toBe('function AbortError 0 DropError');
    for (const file of [entry.import, entry.require, MINIFIED])
      expect(readFileSync(dist(file), 'utf8'), file).not.toMatch(/class HeartbeatSocket\b|HeartbeatSocket\s*=/);
  });

  it('costs nothing to users of the core entry alone', () => {
    for (const file of [pkg.module, pkg.main, pkg.unpkg])
      expect(readFileSync(dist(file), 'utf8')).not.toMatch(/DropError|requests\(/);
  });

  it('defines the global HeartbeatWSRequest when loaded by a <script> tag after the core', async () => {
    for (const file of [entry.require, MINIFIED]) {
      // What a page has that the core and this entry use on this path.
      const sandbox: Record<string, unknown> = {
        ...{ EventTarget, Event, CustomEvent, DOMException, URL, console, setTimeout, clearTimeout, queueMicrotask },
      };
      sandbox.globalThis = sandbox;
      runInNewContext(readFileSync(dist(pkg.unpkg), 'utf8'), sandbox);
      runInNewContext(readFileSync(dist(file), 'utf8'), sandbox);
      const ns = sandbox.HeartbeatWSRequest as Record<string, unknown>;
      expect(typeof ns.requests, file).toBe('function');
      expect(typeof ns.DropError, file).toBe('function');
      // It runs there: a request on a socket that never connects, disposed.
      const result = runInNewContext(
        `const s = new HeartbeatWS.HeartbeatSocket('ws://127.0.0.1:9/', [], { startClosed: true, WebSocket: class {} });
         const api = HeartbeatWSRequest.requests(s);
         const p = api.request({ q: 1 }).catch((e) => e.name);
         api.dispose();
         p`,
        sandbox,
      );
      expect(await result, file).toBe('AbortError');
    }
  });

  it(`keeps the request minified UMD within its size budget (${REQUEST_SIZE_BUDGET} bytes gzipped)`, () => {
    const size = gzippedFileSize(dist(MINIFIED));
    console.log(`${MINIFIED}: ${size} bytes gzipped (budget ${REQUEST_SIZE_BUDGET})`);
    expect(size).toBeLessThanOrEqual(REQUEST_SIZE_BUDGET);
  });
});
