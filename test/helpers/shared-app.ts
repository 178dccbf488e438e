/**
 * The browser suite of a framework binding over SharedHeartbeatSocket (test/browser/vue.test.ts,
 * test/browser/svelte.test.ts): an app built as a user builds it, opened in three tabs of one
 * profile per engine. The app renders `#state` and `#message`, and sets `window.received` (every
 * message its socket got), `window.socket` and `window.unmount()`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveStatic, waitFor, type StaticServer } from './browser';
import { ownDist, type FrameworkApp } from './framework-app';
import { describeTabsOfOneProfile, type Profile, type ProfileTab } from './profiles';
import { startTestServer, type TestServer } from './ws-server';

/** What a tab shows: the binding's state as rendered, and every message its socket got. */
const shown = (tab: ProfileTab) =>
  tab.evaluate(() => {
    const w = window as unknown as { received: string[]; socket: { isLeader: boolean } };
    return {
      state: document.getElementById('state')?.textContent ?? null,
      message: document.getElementById('message')?.textContent ?? null,
      received: [...w.received],
      isLeader: w.socket.isLeader,
    };
  });

/**
 * @param binding - the entry point's file in dist/ (`vue`, `svelte`).
 * @param bundle - builds the app (bundleFrameworkApp).
 */
export function describeSharedApp(binding: string, bundle: () => Promise<FrameworkApp>): void {
  describeTabsOfOneProfile(
    `heartbeat-ws/${binding} with SharedHeartbeatSocket: one connection for the tabs`,
    (profile) => {
      let app: FrameworkApp;
      let http: StaticServer;
      let server: TestServer;
      let tabs: Profile | undefined;

      beforeAll(async () => {
        app = await bundle();
        http = await serveStatic(app.files);
        server = await startTestServer({ maxLifetimeMs: 60_000 });
      });

      afterAll(async () => {
        await tabs?.close().catch(() => {});
        await server?.close();
        await http?.close();
        app?.remove();
      });

      it(`bundles dist/shared.mjs as an import of its own beside dist/${binding}.mjs, over one dist/heartbeat-ws.mjs`, () => {
        expect(ownDist(app.moduleIds)).toEqual(['heartbeat-ws.mjs', 'shared.mjs', `${binding}.mjs`]);
      });

      it('three tabs: the server sees one connection, every tab renders every server message, and an unmount leaves it to the others', async () => {
        const key = `${binding}-tabs-${Date.now()}`;
        const page = `${http.url}/?ws=${encodeURIComponent(`${server.url}/?client=${key}`)}`;
        tabs = await profile();
        const open: ProfileTab[] = [];
        for (let i = 0; i < 3; i++) open.push(await tabs.open(page));
        for (const tab of open)
          await waitFor('the state "open" in every tab', async () => (await shown(tab)).state === 'open', {
            timeout: 15_000,
          });
        expect(server.connections.filter((c) => c.key === key)).toHaveLength(1);
        expect(server.maxLive(key)).toBe(1);
        const leaders: ProfileTab[] = [];
        for (const tab of open) if ((await shown(tab)).isLeader) leaders.push(tab);
        expect(leaders).toHaveLength(1);

        for (const m of ['m1', 'm2', 'm3']) server.live(key)[0]!.ws.send(m);
        for (const tab of open)
          await waitFor('every message in every tab', async () => (await shown(tab)).message === 'm3', {
            timeout: 15_000,
          });
        for (const tab of open) expect((await shown(tab)).received).toEqual(['m1', 'm2', 'm3']);

        // A follower's binding goes (a component unmounted, a store's last subscriber gone): its
        // tab leaves the channel, and the connection stays for the others.
        const follower = open.find((t) => !leaders.includes(t))!;
        await follower.evaluate(() => (window as unknown as { unmount(): void }).unmount());
        server.live(key)[0]!.ws.send('m4');
        for (const tab of open.filter((t) => t !== follower))
          await waitFor('the next message in the tabs left', async () => (await shown(tab)).message === 'm4', {
            timeout: 15_000,
          });
        expect(server.connections.filter((c) => c.key === key)).toHaveLength(1);
        expect(server.live(key)).toHaveLength(1);
        for (const tab of open) expect(await tab.errors()).toEqual([]);
        await tabs.close();
        tabs = undefined;
        await waitFor('the server to see the close', () => server.live(key).length === 0, { timeout: 15_000 });
      });
    },
  );
}
