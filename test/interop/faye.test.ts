import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { interopSuite } from './suite';

interopSuite({
  name: 'faye-websocket (npm)',
  command: process.execPath,
  args: [fileURLToPath(new URL('./faye-server.mjs', import.meta.url))],
  missing: () => {
    try {
      createRequire(import.meta.url).resolve('faye-websocket');
      return undefined;
    } catch {
      return 'the faye-websocket package is not installed';
    }
  },
  fix: 'Run npm ci (it is a dev dependency).',
});
