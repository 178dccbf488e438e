/**
 * A framework app as a user builds it, for the browser tests of the bindings: a fixture project
 * whose node_modules links this package (and the framework from this repository's
 * node_modules), bundled with vite's `build()` and the framework's own vite plugin, in
 * development mode; its output as files for `serveStatic()`.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build, type PluginOption } from 'vite';
import type { StaticBody } from './browser';

const ROOT = path.resolve(__dirname, '../..');

export interface FrameworkApp {
  dir: string;
  /** Modules that went into the bundle, as absolute paths. */
  moduleIds: string[];
  /** The built files, by URL path. */
  files: Record<string, StaticBody>;
  /** Unlinks, then removes the project. */
  remove(): void;
}

/**
 * @param name - for the temp dir.
 * @param sources - the app's files under src/ (the entry is src/main.js).
 * @param packages - names linked from this repository's node_modules into the app's.
 * @param plugins - the framework's vite plugin.
 */
export async function bundleFrameworkApp(
  name: string,
  sources: Record<string, string>,
  packages: string[],
  plugins: PluginOption[],
): Promise<FrameworkApp> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `heartbeat-ws-${name}-`));
  const links: string[] = [];
  const remove = (): void => {
    // The links first, so that nothing can reach through them into this repository.
    for (const link of links) unlinkSync(link);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    mkdirSync(path.join(dir, 'src'));
    mkdirSync(path.join(dir, 'node_modules'));
    const link = (target: string, at: string): void => {
      symlinkSync(target, at, 'dir');
      links.push(at);
    };
    link(ROOT, path.join(dir, 'node_modules', 'heartbeat-ws'));
    for (const pkg of packages) link(path.join(ROOT, 'node_modules', pkg), path.join(dir, 'node_modules', pkg));
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: `${name}-app`, private: true, type: 'module' }),
    );
    writeFileSync(
      path.join(dir, 'index.html'),
      `<!doctype html>\n<meta charset="utf-8">\n<title>${name}</title>\n<div id="root"></div>\n<script type="module" src="/src/main.js"></script>\n`,
    );
    for (const [file, source] of Object.entries(sources)) writeFileSync(path.join(dir, 'src', file), source);

    const result = await build({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      mode: 'development',
      plugins,
      // Links stay where they are, so dist/<binding>.mjs finds `heartbeat-ws` in the app.
      resolve: { preserveSymlinks: true },
      build: { outDir: path.join(dir, 'out'), emptyOutDir: true, minify: false },
    });
    const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => ('output' in r ? r.output : []));
    const moduleIds = outputs.flatMap((o) => (o.type === 'chunk' ? o.moduleIds : []));
    const files: Record<string, StaticBody> = {};
    const walk = (sub: string) => {
      for (const entry of readdirSync(path.join(dir, 'out', sub), { withFileTypes: true })) {
        const rel = path.posix.join(sub, entry.name);
        if (entry.isDirectory()) walk(rel);
        else files[`/${rel}`] = { file: path.join(dir, 'out', rel) };
      }
    };
    walk('');
    files['/'] = { file: path.join(dir, 'out', 'index.html') };
    return { dir, moduleIds, files, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** The package's own dist files among a bundle's modules, by base name, sorted. */
export const ownDist = (moduleIds: string[]): string[] =>
  moduleIds
    .filter(
      (id) =>
        id.startsWith(path.join(ROOT, 'dist') + path.sep) ||
        id.includes(`${path.sep}node_modules${path.sep}heartbeat-ws${path.sep}dist${path.sep}`),
    )
    .map((id) => path.basename(id))
    .sort();
