/**
 * The SDK as a bundled app uses it: `import { HeartbeatSocket } from 'heartbeat-ws'`, resolved by
 * package name through package.json `exports` (a fixture app whose node_modules/heartbeat-ws is a
 * link to this package), bundled with vite's `build()`, served from 127.0.0.1 and run in each engine.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveStatic, type StaticBody, type StaticServer } from '../helpers/browser';
import { describeEngines } from '../helpers/engines';
import { ECHO_CLIENT_BODY, runEchoScenario } from '../helpers/browser-echo';
import { startTestServer, type TestServer } from '../helpers/ws-server';

const ROOT = path.resolve(__dirname, '../..');

interface Bundle {
  dir: string;
  /** Modules that went into the bundle, as absolute paths. */
  moduleIds: string[];
  /** The built files, by URL path. */
  files: Record<string, StaticBody>;
}

async function bundleFixture(): Promise<Bundle> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'heartbeat-ws-bundler-'));
  mkdirSync(path.join(dir, 'src'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(ROOT, path.join(dir, 'node_modules', 'heartbeat-ws'), 'dir');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'fixture-app', private: true, type: 'module' }));
  writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html>\n<meta charset="utf-8">\n<title>bundled</title>\n<script type="module" src="/src/main.js"></script>\n',
  );
  writeFileSync(
    path.join(dir, 'src', 'main.js'),
    `import { HeartbeatSocket } from 'heartbeat-ws';\n${ECHO_CLIENT_BODY}`,
  );

  const result = await build({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    build: { outDir: path.join(dir, 'out'), emptyOutDir: true, minify: true },
  });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => ('output' in r ? r.output : []));
  const moduleIds = outputs.flatMap((o) => (o.type === 'chunk' ? o.moduleIds : []));

  const files: Record<string, StaticBody> = {};
  const walk = (sub: string) => {
    for (const entry of readdirSync(path.join(dir, 'out', sub), { withFileTypes: true })) {
      const rel = path.posix.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else files[`/${rel}`] = { file: path.join(dir, 'out', rel) };
    }
  };
  walk('');
  files['/'] = { file: path.join(dir, 'out', 'index.html') };
  return { dir, moduleIds, files };
}

describeEngines('an app that imports heartbeat-ws by package name, bundled with vite', (engine) => {
  let bundle: Bundle;
  let http: StaticServer;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    bundle = await bundleFixture();
    http = await serveStatic(bundle.files);
  });

  afterAll(async () => {
    for (const s of servers) await s.close();
    await http?.close();
    if (bundle) {
      // The link first, so that nothing can reach through it into this package.
      unlinkSync(path.join(bundle.dir, 'node_modules', 'heartbeat-ws'));
      rmSync(bundle.dir, { recursive: true, force: true });
    }
  });

  it('resolves the package through exports["."].import to the ES module build', () => {
    const sdk = bundle.moduleIds.filter((id) => id.includes('heartbeat-ws') && !id.startsWith(bundle.dir));
    expect(sdk).toEqual([path.join(ROOT, 'dist', 'heartbeat-ws.mjs')]);
  });

  it('connects, echoes, survives a server restart and flushes what was sent while down, in order', async () => {
    const server = await startTestServer({ maxLifetimeMs: 60_000 });
    servers.push(server);
    const page = await engine.newPage();
    await runEchoScenario(page, `${http.url}/`, server);
    // the page ran the bundle, not a copy of the SDK from anywhere else
    expect(http.requests.some((r) => /^\/assets\/.+\.js$/.test(r))).toBe(true);
    expect(await page.errors()).toEqual([]);
    await page.close();
  });
});
