// `npm run demo` as a user, a terminal or a process manager runs it: started on free ports, then
// stopped by a signal to the npm process alone. npm passes SIGTERM and SIGINT on to the shell of
// its script only; nothing it started may run on after that, orphaned, holding the demo's ports.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { waitUntil } from '../helpers/harness';

const ROOT = path.resolve(__dirname, '../..');

/** Every process below `root`, with its command line (Linux and macOS `ps`). */
function descendants(root: number): { pid: number; cmd: string }[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), cmd: m[3] as string }));
  const found: { pid: number; cmd: string }[] = [];
  const parents = [root];
  while (parents.length > 0) {
    const parent = parents.shift();
    for (const row of rows.filter((r) => r.ppid === parent)) {
      found.push({ pid: row.pid, cmd: row.cmd });
      parents.push(row.pid);
    }
  }
  return found;
}

/** Whether `pid` still runs: an exited process its new parent has not reaped yet (Z) does not. */
const alive = (pid: number): boolean => {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .startsWith('Z');
  } catch {
    return false; // ps exits 1 when there is no such process
  }
};

/** Whether `port` on 127.0.0.1 can be listened on again. */
const free = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

/** What a failed test could leave: killed by pid, never by name. */
let leftover: number[] = [];
let npm: ChildProcess | undefined;
afterEach(() => {
  for (const pid of leftover.filter(alive)) process.kill(pid, 'SIGKILL');
  if (npm?.exitCode === null) npm.kill('SIGKILL');
  leftover = [];
  npm = undefined;
});

it.each(['SIGTERM', 'SIGINT'] as const)(
  '%s to the npm process of `npm run demo` stops the demo server: no process it started is left, both ports are free',
  async (signal) => {
    const child = spawn('npm', ['run', 'demo'], {
      cwd: ROOT,
      // Free ports; and the server stops by itself within 2 minutes, whatever happens here.
      env: { ...process.env, PORT: '0', WS_PORT: '0', DEMO_QUIET: '1', DEMO_MAX_MINUTES: '2', DEMO_IDLE_MINUTES: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    npm = child;
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    // The first run after a change in src/ builds dist/ first: give it time.
    const [, port, wsPort] = await waitUntil(
      "the demo's URLs",
      () => /open http:\/\/127\.0\.0\.1:(\d+)\/\s+WebSocket endpoint ws:\/\/127\.0\.0\.1:(\d+)\//.exec(out),
      { timeout: 150_000, every: 100 },
    );
    const tree = descendants(child.pid as number);
    leftover = tree.map((p) => p.pid);
    expect(
      tree.some((p) => p.cmd.includes('demo/server.ts')),
      tree.map((p) => p.cmd).join('\n'),
    ).toBe(true);
    expect([await free(Number(port)), await free(Number(wsPort))]).toEqual([false, false]);

    child.kill(signal);
    await waitUntil('npm to exit', () => child.exitCode !== null || child.signalCode !== null, { timeout: 10_000 });
    await waitUntil(
      `every process npm started to be gone (${tree.map((p) => `${p.pid} ${p.cmd}`).join('; ')})`,
      () => tree.every((p) => !alive(p.pid)),
      { timeout: 5_000, every: 50 },
    );
    expect([await free(Number(port)), await free(Number(wsPort))]).toEqual([true, true]);
  },
  180_000,
);
