/**
 * heartbeat-ws/request over SharedHeartbeatSocket in real browsers: tabs of one profile share one
 * connection, and a request made in one tab gets its reply in that tab only, also across a
 * leader change. The page loads the minified UMDs (globals HeartbeatWSShared, HeartbeatWSRequest).
 * Chromium: pages of one playwright context; Firefox: pages of one puppeteer-launched browser;
 * WebKit: windows of one WebDriver session (as shared.test.ts drives them).
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { launchChromium, pageErrors, serveStatic, waitFor, type StaticServer } from '../helpers/browser';
import { createEngine, describeChromium, describeEngine, type EnginePage } from '../helpers/engines';
import { firefoxPages, webkitWindows, type Profile as TabsOf } from '../helpers/profiles';
import { startTestServer, type TestServer } from '../helpers/ws-server';

const dist = (file: string) => ({ file: path.resolve(__dirname, '../../dist', file) });

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>requests</title>
<script src="/dist/shared.umd.min.js"></script>
<script src="/dist/request.umd.min.js"></script>
<script>
const q = new URLSearchParams(location.search);
const socket = new HeartbeatWSShared.SharedHeartbeatSocket(q.get('ws'), [], {
  minReconnectionDelay: 200,
  maxReconnectionDelay: 1000,
  jitter: 0,
  heartbeat: { interval: 300, timeout: 1000 },
  replayUnconfirmed: true,
});
const messages = [];
socket.addEventListener('message', (e) => messages.push(e.data));
const api = HeartbeatWSRequest.requests(socket, { timeout: 15000 });
const settled = {};
/** Starts a request; its outcome lands in settled[key]: the reply's 'to', or the error's name. */
function ask(key, payload, options) {
  api.request(payload, options).then((r) => (settled[key] = r.to), (e) => (settled[key] = e.name));
}
window.client = { socket, messages, settled, ask };
</script>`;

/** Tabs of one profile, whatever drives them. */
interface Tab {
  evaluate: EnginePage['evaluate'];
  errors(): Promise<string[]>;
  close(): Promise<void>;
}
type Profile = TabsOf<Tab>;

interface View {
  state: string;
  isLeader: boolean;
  messages: string[];
  settled: Record<string, string>;
}
const readView = (): View => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const { socket, messages, settled } = (window as any).client;
  return { state: socket.state, isLeader: socket.isLeader, messages, settled: { ...settled } };
};
const view = (tab: Tab) => tab.evaluate(readView);
const ask = (tab: Tab, key: string, payload: object, options?: object) =>
  tab.evaluate(
    // WebDriver hands an undefined element of the argument over as null.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    ([k, p, o]: [string, object, object | undefined]) => (window as any).client.ask(k, p, o ?? undefined),
    [key, payload, options] as [string, object, object | undefined],
  );

/**
 * A request server: answers `{ id, from }` with `{ id, to: from }` and pongs pings, except on
 * connections made while `mute()` holds: there it records a request and then says nothing more
 * (no answer, no pong), as a link that died under it.
 */
async function rpcServer() {
  let muted = false;
  const requests: string[] = [];
  const server = await startTestServer({
    maxLifetimeMs: 120_000,
    onConnection: (conn) => {
      const mute = muted;
      let dead = false;
      conn.ws.on('message', (raw) => {
        const text = String(raw);
        if (dead) return;
        if (text === 'ping') return conn.ws.send('pong');
        const { id, from } = JSON.parse(text) as { id: string; from: string };
        requests.push(id);
        if (mute) dead = true;
        else if (from !== 'nobody') conn.ws.send(JSON.stringify({ id, to: from }));
      });
      return false;
    },
  });
  return { server, requests, mute: (on: boolean) => (muted = on) };
}

function requestTests(profile: () => Promise<Profile>): void {
  let http: StaticServer;
  const servers: TestServer[] = [];
  const profiles: Profile[] = [];
  beforeAll(async () => {
    http = await serveStatic({
      '/': PAGE,
      '/dist/shared.umd.min.js': dist('shared.umd.min.js'),
      '/dist/request.umd.min.js': dist('request.umd.min.js'),
    });
  });
  afterEach(async () => {
    for (const p of profiles.splice(0)) await p.close().catch(() => {});
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await http?.close();
  });
  /** Three tabs of one profile on `ws`, each open; the leader first. */
  const tabs = async (ws: TestServer): Promise<Tab[]> => {
    const p = await profile();
    profiles.push(p);
    const all: Tab[] = [];
    for (let i = 0; i < 3; i++) all.push(await p.open(`${http.url}/?${new URLSearchParams({ ws: ws.url })}`));
    for (const t of all) await waitFor('open', async () => (await view(t)).state === 'open');
    const leaders: Tab[] = [];
    for (const t of all) if ((await view(t)).isLeader) leaders.push(t);
    expect(leaders).toHaveLength(1);
    return [leaders[0]!, ...all.filter((t) => t !== leaders[0])];
  };

  it('a request made in any tab gets its reply in that tab only; no tab sees a reply as a message; a timeout rejects cleanly', async () => {
    const rpc = await rpcServer();
    servers.push(rpc.server);
    const all = await tabs(rpc.server);
    for (const [i, t] of all.entries()) await ask(t, 'mine', { from: `tab${i}` });
    await ask(all[1]!, 'unanswered', { from: 'nobody' }, { timeout: 300 });
    for (const [i, t] of all.entries())
      await waitFor(`tab${i}'s reply`, async () => (await view(t)).settled.mine === `tab${i}`);
    await waitFor('the timeout', async () => (await view(all[1]!)).settled.unanswered === 'TimeoutError');
    expect(rpc.server.connections).toHaveLength(1);
    expect(rpc.requests).toHaveLength(4);
    rpc.server.connections[0]!.ws.send('news');
    for (const t of all) await waitFor('the news', async () => (await view(t)).messages.length > 0);
    for (const t of all) {
      expect((await view(t)).messages).toEqual(['news']);
      expect(await t.errors()).toEqual([]);
    }
  });

  it("a follower's request that the old leader wrote into a dying link is sent again by the next leader, and resolves in that tab only", async () => {
    const rpc = await rpcServer();
    servers.push(rpc.server);
    const [leader, asker, other] = await tabs(rpc.server);
    rpc.mute(true);
    // The connection goes dead on the request: written, never confirmed, never answered.
    rpc.server.connections[0]!.ws.close(4000, 'mute from now');
    await waitFor('the second connection', () => rpc.server.connections.length === 2);
    await waitFor('open again', async () => (await view(asker!)).state === 'open');
    await ask(asker!, 'across', { from: 'asker' });
    await waitFor('the request at the server', () => rpc.requests.length === 1);
    rpc.mute(false);
    await leader!.close();
    await waitFor('the reply after the leader change', async () => (await view(asker!)).settled.across === 'asker', {
      timeout: 20_000,
    });
    // The same request, with the same id, on the next leader's connection.
    expect(rpc.requests).toHaveLength(2);
    expect(rpc.requests[1]).toBe(rpc.requests[0]);
    expect((await view(asker!)).isLeader || (await view(other!)).isLeader).toBe(true);
    for (const t of [asker!, other!]) {
      expect((await view(t)).messages).toEqual([]);
      expect(await t.errors()).toEqual([]);
    }
    expect((await view(other!)).settled).toEqual({});
  });
}

describeChromium('heartbeat-ws/request across tabs (pages of one context)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());
  requestTests(async () => {
    const ctx = await browser.newContext();
    return {
      open: async (url) => {
        const page = await ctx.newPage();
        const errors = pageErrors(page);
        await page.goto(url);
        return {
          evaluate: ((fn: never, arg: never) => page.evaluate(fn, arg)) as Tab['evaluate'],
          errors: async () => [...errors, ...((await page.evaluate('window.__pageErrors')) as string[])],
          close: () => page.close(),
        };
      },
      close: () => ctx.close(),
    };
  });
});

describeEngine('firefox', 'heartbeat-ws/request across tabs (pages of one browser)', () => {
  const engine = createEngine('firefox');
  beforeAll(() => engine.launch());
  afterAll(() => engine.close());
  requestTests(firefoxPages(engine));
});

describeEngine('webkit', 'heartbeat-ws/request across tabs (windows of one session)', () => {
  const engine = createEngine('webkit');
  beforeAll(() => engine.launch());
  afterAll(() => engine.close());
  requestTests(webkitWindows(engine));
});
