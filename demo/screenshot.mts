/**
 * Makes demo/screenshot.png, the picture in the README: `npx tsx demo/screenshot.mts`.
 *
 * Starts the demo server on free loopback ports, opens the page in headless Chromium (`CHROMIUM`
 * or /usr/bin/chromium) at 1400 px wide in shared mode, with a second tab of the same profile (so
 * the header reads "leader · 2 tabs" and the server 1 live connection), plays a minute-like story
 * in ~15 s (pongs, slow pongs, a dropped connection, a stopped server with a message typed
 * meanwhile), then shoots the top of the page. The same page at a phone's 390 px goes to
 * test-results/screenshot-phone.png (whole page), and the give-up banner (after a close with a
 * "stay closed on" code) to test-results/screenshot-giveup.png, to look at, not to commit. With `pngquant` on the PATH (Debian: apt-get install
 * pngquant) the PNG is reduced to a 64-colour palette; without it the full-colour file is kept
 * and a line says so. Needs dist/ (npm run build).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startDemoServer } from './demo-server';

const OUT = path.join(import.meta.dirname, 'screenshot.png');
const RAW = `${OUT}.raw.png`;
const PHONE = path.join(import.meta.dirname, '..', 'test-results', 'screenshot-phone.png');
const GIVEUP = path.join(import.meta.dirname, '..', 'test-results', 'screenshot-giveup.png');

const demo = await startDemoServer({ port: 0, wsPort: 0, maxMinutes: 2, idleMinutes: 2 });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  // One context = one profile: its tabs share the connection.
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const settings = new URLSearchParams({
    interval: '700',
    timeout: '900',
    minReconnectionDelay: '400',
    maxReconnectionDelay: '3000',
    minUptime: '1000',
    shared: '1',
  });
  await page.goto(`${demo.url}?${settings}`);
  const state = (s: string) =>
    page.waitForFunction((want) => document.getElementById('state')?.textContent === want, s, { timeout: 15_000 });
  const fault = async (button: string, inputs: Record<string, string> = {}) => {
    for (const [id, value] of Object.entries(inputs)) await page.fill(`#${id}`, value);
    await page.click(`#${button}`);
  };
  await state('open');
  const other = await context.newPage();
  await other.goto(`${demo.url}?${settings}`);
  await page.waitForTimeout(3000);
  await fault('fault-slow', { 'slow-ms': '450' });
  await page.waitForTimeout(2500);
  await fault('fault-reset');
  await page.waitForTimeout(1500);
  await fault('fault-drop');
  await state('open');
  await page.waitForTimeout(1500);
  await fault('fault-stop', { 'stop-seconds': '4' });
  await page.waitForTimeout(600);
  await page.fill('#message', 'hello from the queue');
  await page.click('#send');
  await state('open');
  await page.waitForTimeout(2500);
  // Pressing buttons scrolled them into view; the picture is the top of the page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(200);
  await page.screenshot({ path: RAW });
  mkdirSync(path.dirname(PHONE), { recursive: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(400);
  await page.screenshot({ path: PHONE, fullPage: true });
  console.log(`wrote ${path.relative(process.cwd(), PHONE)} (390 px, not committed)`);
  await page.setViewportSize({ width: 1400, height: 900 });
  await fault('fault-close', { 'close-code': '4001', 'close-reason': 'kicked' });
  await state('closed');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  await page.screenshot({ path: GIVEUP });
  console.log(`wrote ${path.relative(process.cwd(), GIVEUP)} (not committed)`);
} finally {
  await browser.close();
  await demo.close();
}

const quant = spawnSync('pngquant', ['64', '--speed', '1', '--strip', '--force', '--output', OUT, RAW], {
  stdio: 'inherit',
});
if (quant.error || quant.status !== 0) {
  renameSync(RAW, OUT);
  console.log('pngquant not found: kept the full-colour PNG (larger)');
} else {
  spawnSync('rm', ['-f', RAW]);
}
console.log(`wrote ${path.relative(process.cwd(), OUT)} (${Math.round(statSync(OUT).size / 1024)} KB)`);
