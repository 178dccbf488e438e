/**
 * heartbeat-ws/react in each engine: a React app (StrictMode, a development build so that
 * StrictMode really mounts every effect twice) that imports `heartbeat-ws/react` by package name,
 * bundled with vite's `build()`, served from 127.0.0.1, talking to a `ws` server on 127.0.0.1
 * that counts the connections it sees.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveStatic, waitFor, type StaticBody, type StaticServer } from '../helpers/browser';
import { describeEngines, type EnginePage as Page } from '../helpers/engines';
import { startTestServer, type TestServer } from '../helpers/ws-server';

const ROOT = path.resolve(__dirname, '../..');
/** Linked into the app's node_modules: this package, and React from this repository's. */
const LINKS = {
  'heartbeat-ws': ROOT,
  react: path.join(ROOT, 'node_modules', 'react'),
  'react-dom': path.join(ROOT, 'node_modules', 'react-dom'),
  scheduler: path.join(ROOT, 'node_modules', 'scheduler'),
};

// No JSX: the app needs no React plugin for vite.
const MAIN = `
import { createElement as h, StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { useHeartbeatSocket } from 'heartbeat-ws/react';

const url = new URLSearchParams(location.search).get('ws');
// ?storm: a url made anew on every render, as \`?t=\${Date.now()}\` does (issue #20, item 1).
const storm = new URLSearchParams(location.search).has('storm');
window.effects = 0;
window.states = [];
window.warnings = [];
const warn = console.warn;
console.warn = (...args) => {
  window.warnings.push(args.join(' '));
  warn(...args);
};

function Live() {
  const { state, lastMessage, send, socket } = useHeartbeatSocket(storm ? url + '&t=' + Date.now() : url, undefined, {
    minReconnectionDelay: 100,
    maxReconnectionDelay: 200,
  });
  // Counts mounts: StrictMode's double mount makes it 2 in development.
  useEffect(() => {
    window.effects++;
    window.socket = socket;
  }, [socket]);
  useEffect(() => {
    window.states.push(state);
  }, [state]);
  return h(
    'main',
    null,
    h('output', { id: 'state' }, state),
    h('output', { id: 'message' }, lastMessage ? String(lastMessage.data) : ''),
    h('button', { id: 'send', onClick: () => send('hello from react') }, 'send'),
  );
}

const root = createRoot(document.getElementById('root'));
root.render(h(StrictMode, null, h(Live)));
window.unmount = () => root.unmount();
`;

interface Bundle {
  dir: string;
  moduleIds: string[];
  files: Record<string, StaticBody>;
}

async function bundleApp(): Promise<Bundle> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'heartbeat-ws-react-'));
  mkdirSync(path.join(dir, 'src'));
  mkdirSync(path.join(dir, 'node_modules'));
  for (const [name, target] of Object.entries(LINKS)) symlinkSync(target, path.join(dir, 'node_modules', name), 'dir');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'react-app', private: true, type: 'module' }));
  writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html>\n<meta charset="utf-8">\n<title>react</title>\n<div id="root"></div>\n<script type="module" src="/src/main.js"></script>\n',
  );
  writeFileSync(path.join(dir, 'src', 'main.js'), MAIN);

  const result = await build({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    mode: 'development',
    // React's development build: StrictMode double-mounts only there.
    define: { 'process.env.NODE_ENV': JSON.stringify('development') },
    // Links stay where they are, so dist/react.mjs finds `heartbeat-ws` in the app; `react` is
    // taken from the app too (this repository's own node_modules, behind the link, has a copy).
    resolve: { preserveSymlinks: true, dedupe: ['react', 'react-dom'] },
    build: { outDir: path.join(dir, 'out'), emptyOutDir: true, minify: false },
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

const text = (page: Page, id: string) =>
  page.evaluate((id: string) => document.getElementById(id)?.textContent ?? null, id);

describeEngines('heartbeat-ws/react, bundled with vite', (engine) => {
  let bundle: Bundle;
  let http: StaticServer;
  let server: TestServer;

  beforeAll(async () => {
    bundle = await bundleApp();
    http = await serveStatic(bundle.files);
    server = await startTestServer({ maxLifetimeMs: 60_000 });
  });

  afterAll(async () => {
    await server?.close();
    await http?.close();
    if (bundle) {
      // The links first, so that nothing can reach through them into this repository.
      for (const name of Object.keys(LINKS)) unlinkSync(path.join(bundle.dir, 'node_modules', name));
      rmSync(bundle.dir, { recursive: true, force: true });
    }
  });

  it('bundles the published entry points: dist/react.mjs over dist/heartbeat-ws.mjs, one copy each', () => {
    const ours = bundle.moduleIds
      .filter((id) => id.includes(`${path.sep}dist${path.sep}`) && id.includes('heartbeat-ws'))
      .map((id) => path.basename(id))
      .sort();
    expect(ours).toEqual(['heartbeat-ws.mjs', 'react.mjs']);
  });

  it('holds one connection through StrictMode, renders state and messages, and closes on unmount', async () => {
    const page = await engine.newPage();
    const wsUrl = `${server.url}/?client=react`;
    await page.goto(`${http.url}/?ws=${encodeURIComponent(wsUrl)}`);

    await waitFor(
      'the state "open"',
      async () => (await text(page, 'state')) === 'open' || (await page.errors()).length > 0,
    );
    expect(await page.errors()).toEqual([]);
    // StrictMode did mount twice (a development build), and the server saw one connection.
    expect(await page.evaluate(() => (window as unknown as { effects: number }).effects)).toBe(2);
    expect(server.connections).toHaveLength(1);
    expect(server.maxLive('react')).toBe(1);

    await page.evaluate(() => (document.getElementById('send') as HTMLButtonElement).click());
    await waitFor('the echo', async () => (await text(page, 'message')) === 'hello from react');
    expect(server.texts('react')).toEqual(['hello from react']);

    // A dropped connection re-renders as reconnecting, then open again, still one at a time.
    server.closeAll(4000, 'bye');
    await waitFor('a reconnect', () => server.connections.length === 2);
    await waitFor('the state "open" again', async () => (await text(page, 'state')) === 'open');
    expect(server.maxLive('react')).toBe(1);
    const states = await page.evaluate(() => (window as unknown as { states: string[] }).states);
    expect(states.join(' ')).toMatch(/^connecting (connecting )?open reconnecting (connecting )?open$/);

    const closed = await page.evaluate(() => {
      const w = window as unknown as { unmount: () => void; socket: { readyState: number } };
      w.unmount();
      return new Promise<number>((resolve) => setTimeout(() => resolve(w.socket.readyState), 0));
    });
    expect(closed).toBeGreaterThanOrEqual(2); // CLOSING or CLOSED
    await waitFor('the server to see the close', () => server.live('react').length === 0);
    expect(server.connections).toHaveLength(2);
    expect(await page.errors()).toEqual([]);
    await page.close();
  });

  it('reaches open with a few connections, not one per render, when every render makes a new url, and warns once (issue #20, item 1)', async () => {
    const page = await engine.newPage();
    const wsUrl = `${server.url}/?client=storm`;
    await page.goto(`${http.url}/?storm&ws=${encodeURIComponent(wsUrl)}`);
    await waitFor(
      'the state "open"',
      async () => (await text(page, 'state')) === 'open' || (await page.errors()).length > 0,
    );
    // A second and a half more: the hook's check a second after a held url renders once more.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await text(page, 'state')).toBe('open');
    const mine = server.connections.filter((c) => c.key === 'storm');
    expect(mine.length).toBeLessThanOrEqual(4);
    expect(server.live('storm')).toHaveLength(1);
    expect(server.maxLive('storm')).toBe(1);
    const warnings = await page.evaluate(() => (window as unknown as { warnings: string[] }).warnings);
    expect(warnings.filter((w) => w.startsWith('heartbeat-ws/react: the url changes on every render'))).toHaveLength(1);
    expect(await page.errors()).toEqual([]);
    await page.close();
    await waitFor('the server to see the close', () => server.live('storm').length === 0);
  });
});
