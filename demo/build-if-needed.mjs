// Builds dist/ with `npm run build` unless every file the demo and the tests load is there and
// newer than the sources it is built from (src/**, rollup.config.*, package.json).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outputs = [
  'heartbeat-ws.mjs',
  'heartbeat-ws.umd.js',
  'heartbeat-ws.umd.min.js',
  'shared.umd.min.js',
  'request.umd.min.js',
  'outbox.umd.min.js',
].map((f) => join(root, 'dist', f));

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(root, 'src'));
  for (const f of readdirSync(root)) {
    if (/^rollup\.config\./.test(f) || f === 'package.json') newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  }
  return newest;
}

const missing = outputs.filter((f) => !existsSync(f));
const stale = missing.length === 0 && Math.min(...outputs.map((f) => statSync(f).mtimeMs)) < newestSource();
if (missing.length > 0 || stale) {
  console.log(
    `heartbeat-ws demo: ${missing.length > 0 ? 'dist/ is missing' : 'dist/ is older than src/'}; running npm run build`,
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error('heartbeat-ws demo: the build failed; see above.');
    process.exit(result.status ?? 1);
  }
}
