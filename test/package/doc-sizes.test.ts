/**
 * The sizes the docs quote are the builds' own: each figure is read from its page and compared
 * with the minified UMD in dist/ (which `npm test` builds first), gzipped at level 9 as every
 * size of this project is (test/helpers/size.ts). A new user found four of them stale.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { gzippedFileSize } from '../helpers/size';

const root = path.resolve(__dirname, '../..');

/** Where a page quotes a build's size: the page, the sentence around the figure, the build. */
const QUOTED: { page: string; around: RegExp; build: string }[] = [
  { page: 'README.md', around: /the UMD build at gzip level 9: ([\d,]+) bytes, measured/, build: 'heartbeat-ws' },
  { page: 'docs/sharing.md', around: /one tag is enough \(([\d,]+) B gzipped/, build: 'shared' },
  { page: 'docs/sharing.md', around: /the core’s ([\d,]+) B included/, build: 'heartbeat-ws' },
  { page: 'docs/react.md', around: /The hook itself adds ([\d,]+) B gzipped/, build: 'react' },
  { page: 'docs/vue.md', around: /The composable itself adds ([\d,]+) B gzipped/, build: 'vue' },
  { page: 'docs/svelte.md', around: /The store adds ([\d,]+) B gzipped/, build: 'svelte' },
  { page: 'docs/requests.md', around: /It carries no part of the core: ([\d,]+) B gzipped/, build: 'request' },
  { page: 'docs/outbox.md', around: /heartbeat-ws\/outbox is ([\d,]+) B gzipped/, build: 'outbox' },
];

it.each(QUOTED)('$page quotes the size of dist/$build.umd.min.js as measured', ({ page, around, build }) => {
  const quoted = around.exec(readFileSync(path.join(root, page), 'utf8'))?.[1];
  expect(quoted, `${page} no longer says ${around}`).toBeDefined();
  const measured = gzippedFileSize(path.join(root, `dist/${build}.umd.min.js`));
  expect(Number(quoted!.replace(/,/g, '')), `${page}: ${quoted} B quoted, ${measured} B measured`).toBe(measured);
});
