/**
 * The SDK as a page without a build step uses it: dist/heartbeat-ws.umd.min.js through a plain
 * `<script src>`, then the `HeartbeatWS` global, against a real `ws` server on 127.0.0.1.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveStatic, type StaticServer } from '../helpers/browser';
import { describeEngines } from '../helpers/engines';
import { ECHO_CLIENT_BODY, runEchoScenario } from '../helpers/browser-echo';
import { startTestServer, type TestServer } from '../helpers/ws-server';

const MIN_JS = path.resolve(__dirname, '../../dist/heartbeat-ws.umd.min.js');

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>script tag</title>
<script src="/dist/heartbeat-ws.umd.min.js"></script>
<script>
const { HeartbeatSocket } = HeartbeatWS;
${ECHO_CLIENT_BODY}
</script>`;

describeEngines('the minified UMD file loaded by a <script src> tag', (engine) => {
  let http: StaticServer;
  const servers: TestServer[] = [];
  const wsServer = async () => {
    const s = await startTestServer({ maxLifetimeMs: 60_000 });
    servers.push(s);
    return s;
  };

  beforeAll(async () => {
    http = await serveStatic({ '/': PAGE, '/dist/heartbeat-ws.umd.min.js': { file: MIN_JS } });
  });

  afterAll(async () => {
    for (const s of servers) await s.close();
    await http?.close();
  });

  it('defines the HeartbeatWS global as a namespace with the HeartbeatSocket class', async () => {
    const page = await engine.newPage();
    const server = await wsServer();
    await page.goto(`${http.url}/?ws=${encodeURIComponent(server.url)}`);
    const shape = await page.evaluate(() => {
      const ns = (window as unknown as { HeartbeatWS: Record<string, unknown> }).HeartbeatWS;
      const Cls = ns.HeartbeatSocket as { OPEN?: number; prototype: object };
      return {
        type: typeof Cls,
        OPEN: Cls.OPEN,
        isEventTarget: Cls.prototype instanceof EventTarget,
        backoffDelay: typeof ns.backoffDelay,
      };
    });
    expect(shape).toEqual({ type: 'function', OPEN: 1, isEventTarget: true, backoffDelay: 'function' });
    expect(http.requests).toContain('/dist/heartbeat-ws.umd.min.js');
    expect(await page.errors()).toEqual([]);
    await page.close();
  });

  it('connects, echoes, survives a server restart and flushes what was sent while down, in order', async () => {
    const page = await engine.newPage();
    await runEchoScenario(page, `${http.url}/`, await wsServer());
    expect(await page.errors()).toEqual([]);
    await page.close();
  });
});
