import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { interopSuite } from './suite';

const PYTHON = '/usr/bin/python3';

interopSuite({
  name: "Python's websockets (Debian python3-websockets)",
  command: PYTHON,
  args: [fileURLToPath(new URL('./python-server.py', import.meta.url))],
  missing: () =>
    spawnSync(PYTHON, ['-c', 'import websockets'], { stdio: 'ignore' }).status === 0
      ? undefined
      : `${PYTHON} cannot import websockets`,
  fix: 'Install it: apt-get install -y python3-websockets',
});
