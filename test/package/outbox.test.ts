/**
 * The `heartbeat-ws/outbox` entry as users get it: by require(), by import, and by a <script>
 * tag (global `HeartbeatWSOutbox`, beside the core's), with its own size budget. Reads dist/,
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
const entry = pkg.exports['./outbox'];
const dist = (file: string) => join(root, file);
const MINIFIED = './dist/outbox.umd.min.js';

/**
 * The budget for the outbox minified UMD, gzipped (level 9), in bytes: what indexedDbOutbox()
 * adds to a page that already loads the core. 1,664 B when set (indexedDbOutbox, deleteOutbox,
 * the batched writes, Blobs kept as bytes, the recovery under Web Locks at the first attempt, the
 * argument checks).
 * The core's side of it (option `outbox`: the first attempt waiting for the recovery, each
 * message's tracker handed to the outbox) costs the core's UMD 129 B (5,739 to 5,868 B).
 */
export const OUTBOX_SIZE_BUDGET = 1700;

let consumer: string;
beforeAll(() => {
  consumer = mkdtempSync(join(tmpdir(), 'hbws-outbox-'));
  mkdirSync(join(consumer, 'node_modules'));
  symlinkSync(root, join(consumer, 'node_modules', 'heartbeat-ws'), 'dir');
});
afterAll(() => rmSync(consumer, { recursive: true, force: true }));

const node = (file: string, source: string) => {
  writeFileSync(join(consumer, file), source);
  return execFileSync(process.execPath, [join(consumer, file)], { cwd: consumer, encoding: 'utf8' }).trim();
};

// Node has neither IndexedDB nor Web Locks: the outbox warns once and the socket keeps its queue
// in memory, which is what a page in a sandboxed iframe gets.
const USE = `console.warn = (...args) => console.log('warned', String(args[0]).includes('memory only'));
const socket = new HeartbeatSocket('ws://127.0.0.1:9/', [], { startClosed: true, WebSocket: class {}, outbox: indexedDbOutbox('orders') });
socket.send('x');
console.log(typeof deleteOutbox, socket.stats.queued);`;

describe('the heartbeat-ws/outbox entry', () => {
  it('has every file its exports name, types first', () => {
    expect(Object.keys(entry)).toEqual(['types', 'import', 'require', 'default']);
    for (const file of JSON.stringify(entry).match(/\.\/dist\/[^"]+/g)!)
      expect(existsSync(dist(file)), file).toBe(true);
    expect(pkg.typesVersions['*'].outbox).toEqual([entry.types.require]);
  });

  it('works with require() from CommonJS', () => {
    expect(
      node(
        'a.cjs',
        `const { HeartbeatSocket } = require('heartbeat-ws');\nconst { indexedDbOutbox, deleteOutbox } = require('heartbeat-ws/outbox');\n${USE}`,
      ),
    ).toBe('function 1\nwarned true');
  });

  it('works with import from ES modules, and carries no copy of the core', () => {
    expect(
      node(
        'b.mjs',
        `import { HeartbeatSocket } from 'heartbeat-ws';\nimport { indexedDbOutbox, deleteOutbox } from 'heartbeat-ws/outbox';\n${USE}`,
      ),
    ).toBe('function 1\nwarned true');
    for (const file of [entry.import, entry.require, MINIFIED])
      expect(readFileSync(dist(file), 'utf8'), file).not.toMatch(/class HeartbeatSocket\b|HeartbeatSocket\s*=/);
  });

  it('costs nothing to users of the core entry alone', () => {
    for (const file of [pkg.module, pkg.main, pkg.unpkg])
      expect(readFileSync(dist(file), 'utf8')).not.toMatch(/indexedDB\.open|deleteOutbox/);
  });

  it('defines the global HeartbeatWSOutbox when loaded by a <script> tag beside the core', async () => {
    for (const file of [entry.require, MINIFIED]) {
      // What a page has that the core and this entry use on this path.
      const sandbox: Record<string, unknown> = {
        ...{ EventTarget, Event, CustomEvent, DOMException, URL, console, setTimeout, clearTimeout, queueMicrotask },
      };
      sandbox.globalThis = sandbox;
      runInNewContext(readFileSync(dist(pkg.unpkg), 'utf8'), sandbox);
      runInNewContext(readFileSync(dist(file), 'utf8'), sandbox);
      const ns = sandbox.HeartbeatWSOutbox as Record<string, unknown>;
      expect(typeof ns.indexedDbOutbox, file).toBe('function');
      expect(typeof ns.deleteOutbox, file).toBe('function');
      // It runs there: without IndexedDB, a socket on it starts, in memory, once the outbox says so.
      const result = runInNewContext(
        `console = { warn() {} };
         const s = new HeartbeatWS.HeartbeatSocket('ws://127.0.0.1:9/', [], { WebSocket: class { constructor() { throw new Error('attempt'); } }, outbox: HeartbeatWSOutbox.indexedDbOutbox('o'), maxRetries: 0 });
         new Promise((resolve) => s.addEventListener('giveup', () => resolve(s.state)))`,
        sandbox,
      );
      expect(await result, file).toBe('closed');
    }
  });

  it(`keeps the outbox minified UMD within its size budget (${OUTBOX_SIZE_BUDGET} bytes gzipped)`, () => {
    const size = gzippedFileSize(dist(MINIFIED));
    console.log(`${MINIFIED}: ${size} bytes gzipped (budget ${OUTBOX_SIZE_BUDGET})`);
    expect(size).toBeLessThanOrEqual(OUTBOX_SIZE_BUDGET);
  });
});
