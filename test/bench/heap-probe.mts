/**
 * Heap per idle client, measured in a fresh process per kind (forked by run.mts): clients of
 * different kinds measured in one process disturb each other (Node's pools and V8's code
 * flushing move megabytes between snapshots). Reports over IPC and exits.
 *
 * argv: kind, server URL, count, path of dist/heartbeat-ws.mjs. First `count` clients are opened and closed (warm-up: code,
 * pools), then the heap after full GCs is taken before and after opening `count` clients.
 */
import { pathToFileURL } from 'node:url';
import { clientFactory, closeAll, collect, type Kind, type OursModule, openMany } from './lib.mjs';

if (process.send) {
  const [kind, url, countArg, distPath] = process.argv.slice(2) as [Kind, string, string, string];
  const count = Number(countArg);
  setTimeout(() => process.exit(3), 60_000).unref();
  process.on('disconnect', () => process.exit(0));
  const ours = (await import(pathToFileURL(distPath).href)) as OursModule;
  const make = clientFactory(ours);
  await closeAll(await openMany(() => make(kind, url), count));
  const before = await collect();
  const socks = await openMany(() => make(kind, url), count);
  const after = await collect();
  const open = socks.filter((s) => s.readyState === 1).length;
  await closeAll(socks);
  process.send({ perClient: (after - before) / count, open }, () => process.exit(0));
}
