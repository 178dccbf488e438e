/**
 * The documentation keeps working: every code block of README.md and docs/*.md type-checks
 * against the sources, every relative link (and `#anchor` into a markdown file) resolves, and
 * the README's onboarding part stays one screen.
 *
 * Code blocks: ```ts / ```typescript / ```tsx are checked as TypeScript, ```js / ```javascript /
 * ```jsx / ```mjs as JavaScript (checkJs), the inline `<script>`s of ```html blocks as
 * JavaScript, ```json blocks must parse; other languages (diff, sh, none) are left alone. Each
 * block is its own module; `heartbeat-ws` (and `heartbeat-ws/<entry>`) resolve to src/. Names
 * an example takes from its surroundings (`url`, `socket`, `token`, a server's `ws`, …) are
 * declared once in PRELUDE below. A block is skipped only when the line right above its fence
 * is `<!-- docs-test: skip (why) -->` (see docs/development.md).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const VIRTUAL = path.join(ROOT, '.docs-blocks'); // never written: the compiler host serves it

/** The markdown files checked: README.md and docs/*.md (not the generated docs/api/). */
function markdownFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** Globals every block may use without defining them: placeholders of the examples. */
export const PRELUDE = `
import type * as HW from 'heartbeat-ws';
import type { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
declare global {
  /** The UMD build's global, for <script src> examples. */
  const HeartbeatWS: typeof HW;
  /**
   * Examples that continue an earlier one: the socket it made. Never the package's exports
   * (HeartbeatSocket, …): a block that uses one imports it, or it would not compile as pasted.
   */
  const socket: HW.HeartbeatSocket;
  const url: string;
  const token: string;
  const clientId: string;
  function handle(message: unknown): void;
  function render(data: unknown): void;
  function getToken(): Promise<string>;
  /** Server-side examples: a connection and a server of the \`ws\` package. */
  const ws: NodeWebSocket;
  const wss: WebSocketServer;
  /** React Native, for the custom lifecycle example. */
  const AppState: { addEventListener(type: 'change', fn: (state: string) => void): { remove(): void } };
  const NetInfo: { addEventListener(fn: (state: { isConnected: boolean | null }) => void): () => void };
}
export {};
`;

export interface Block {
  /** The fence's language, lower case ('' when none). */
  lang: string;
  /** 1-based line, in the markdown file, of the block's first code line. */
  line: number;
  code: string;
  /** The opt-out reason, when the line above the fence is `<!-- docs-test: skip (why) -->`. */
  skip?: string;
}

/** The fenced code blocks of a markdown text. */
export function codeBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i] as string);
    if (!open) continue;
    const fence = open[1] as string;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !(lines[end] as string).trimStart().startsWith(fence)) end++;
    const above =
      lines
        .slice(0, i)
        .filter((l) => l.trim() !== '')
        .at(-1) ?? '';
    const skip = /^<!--\s*docs-test:\s*skip\b\s*(.*?)\s*-->$/.exec(above.trim());
    blocks.push({
      lang: (open[2] ?? '').toLowerCase(),
      line: start + 1,
      code: lines.slice(start, end).join('\n'),
      ...(skip ? { skip: skip[1] || '(no reason given)' } : {}),
    });
    i = end;
  }
  return blocks;
}

const EXTENSIONS: Record<string, string> = {
  ts: '.ts',
  typescript: '.ts',
  tsx: '.tsx',
  js: '.js',
  javascript: '.js',
  mjs: '.js',
  jsx: '.jsx',
};

interface Source {
  /** Where errors are reported: `docs/x.md`. */
  doc: string;
  /** 1-based markdown line of the source's first line. */
  line: number;
  code: string;
  ext: string;
}

/** The inline scripts of an html block (scripts with `src` are left out). */
function inlineScripts(doc: string, block: Block): Source[] {
  const out: Source[] = [];
  const re = /<script\b([^>]*)>([\s\S]*?)<\/script>/g;
  for (let m = re.exec(block.code); m; m = re.exec(block.code)) {
    const attrs = m[1] as string;
    const body = m[2] as string;
    if (/\bsrc\s*=/.test(attrs) || body.trim() === '') continue;
    if (/\btype\s*=\s*["']?(?!module|text\/javascript)/.test(attrs)) continue; // importmap, json, …
    const before = block.code.slice(0, m.index + m[0].indexOf('>') + 1);
    out.push({ doc, line: block.line + before.split('\n').length - 1, code: body, ext: '.js' });
  }
  return out;
}

/** What the compiler checks for one markdown file. */
function sourcesOf(doc: string, markdown: string): { sources: Source[]; problems: string[] } {
  const sources: Source[] = [];
  const problems: string[] = [];
  for (const block of codeBlocks(markdown)) {
    if (block.skip) continue;
    const ext = EXTENSIONS[block.lang];
    if (ext) sources.push({ doc, line: block.line, code: block.code, ext });
    else if (block.lang === 'html') sources.push(...inlineScripts(doc, block));
    else if (block.lang === 'json') {
      try {
        JSON.parse(block.code);
      } catch (err) {
        problems.push(`${doc}:${block.line} (json block): ${(err as Error).message}`);
      }
    }
  }
  return { sources, problems };
}

/**
 * A TypeScript block that is a list of options (`heartbeat: { ping: false, … }`, as docs show
 * them) is checked as the options argument of `new HeartbeatSocket`; the wrapper goes on the
 * first line, so line numbers stay those of the block.
 */
export function asModule(s: Source): string {
  const first = s.code.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('//')) ?? '';
  const fragment = s.ext.startsWith('.ts') && /^\s*[A-Za-z_$][\w$]*\s*:(?!:)/.test(first);
  if (!fragment) return s.code;
  return `const _options: import('heartbeat-ws').Options = { ${s.code.replace(/,?\s*$/, '')} };`;
}

/**
 * Type-checks the sources in one program, as modules importing `heartbeat-ws` from src/.
 * Returns one line per error: `docs/x.md:LINE (ts block at line N): TS1234: message`.
 */
export function typeCheck(sources: Source[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json could not be read');
  const src = (p: string) => path.join(ROOT, 'src', p);
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: true,
    allowJs: true,
    checkJs: true,
    jsx: ts.JsxEmit.ReactJSX,
    types: ['node'],
    paths: {
      'heartbeat-ws': [src('index.ts')],
      'heartbeat-ws/*': [src('*/index.ts'), src('*/index.tsx'), src('*.ts'), src('*.tsx')],
    },
  };
  const files = new Map<string, { text: string; source?: Source }>();
  files.set(path.join(VIRTUAL, 'prelude.d.ts'), { text: PRELUDE });
  sources.forEach((s, i) => {
    const name = `${s.doc.replace(/[/.]/g, '_')}_L${s.line}_${i}${s.ext}`;
    // `export {}` makes each block a module, so that two blocks may both declare `socket`.
    files.set(path.join(VIRTUAL, name), { text: `${asModule(s)}\nexport {};\n`, source: s });
  });
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f)?.text ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const virtual = files.get(f);
    return virtual ? ts.createSourceFile(f, virtual.text, lang) : getSourceFile.call(host, f, lang, ...rest);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
  const problems: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    const virtual = d.file && files.get(d.file.fileName);
    if (!d.file || !virtual?.source) {
      // An error outside the blocks: the prelude, or src/ itself (tsc -p . reports those too).
      const where = d.file ? path.relative(ROOT, d.file.fileName) : 'options';
      problems.push(`${where}: ${message}`);
      continue;
    }
    const s = virtual.source;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const lang = s.ext.slice(1);
    problems.push(`${s.doc}:${s.line + line} (${lang} block at line ${s.line}): ${message}`);
  }
  // By file, then by line: the order the lead reads them in.
  const key = (p: string) => /^(.*?):(\d+) /.exec(p) ?? [p, p, '0'];
  return problems.sort((a, b) => {
    const [, fa = '', la = '0'] = key(a);
    const [, fb = '', lb = '0'] = key(b);
    return fa === fb ? Number(la) - Number(lb) : fa < fb ? -1 : 1;
  });
}

/** Every name the package's entry points export (values and types), read by the compiler. */
export function packageExports(): Set<string> {
  const entries = ['index.ts', 'shared/index.ts', 'react/index.ts'].map((f) => path.join(ROOT, 'src', f));
  const program = ts.createProgram({ rootNames: entries, options: { noEmit: true, jsx: ts.JsxEmit.ReactJSX } });
  const checker = program.getTypeChecker();
  const names = new Set<string>();
  for (const entry of entries) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry) as ts.SourceFile);
    for (const symbol of module ? checker.getExportsOfModule(module) : []) names.add(symbol.name);
  }
  return names;
}

// ---- links ----------------------------------------------------------------------------------

/** GitHub's anchors of a markdown file's headings (`## Close with code` → `close-with-code`). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^ {0,3}(```|~~~)/.test(line)) fenced = !fenced;
    const h = fenced ? null : /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const text = (h[1] as string).replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** The link targets of a markdown text outside code, with their 1-based lines. */
export function links(markdown: string): { line: number; target: string }[] {
  const out: { line: number; target: string }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((raw, i) => {
    if (/^ {0,3}(```|~~~)/.test(raw)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    const line = raw.replace(/`[^`]*`/g, '``');
    const res = [/\]\(\s*<?([^)\s>]+)>?(?:\s+["'][^)]*["'])?\s*\)/g, /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g];
    res.push(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g);
    for (const re of res) for (const m of line.matchAll(re)) out.push({ line: i + 1, target: m[1] as string });
  });
  return out;
}

/** Relative links of `doc` that do not resolve: `docs/x.md:LINE: target (why)`. */
export function brokenLinks(doc: string, markdown: string, read: (file: string) => string | undefined): string[] {
  const problems: string[] = [];
  for (const { line, target } of links(markdown)) {
    if (/^[a-z][a-z\d+.-]*:/i.test(target) || target.startsWith('//')) continue; // https:, mailto:, …
    const [file = '', anchor] = target.split('#', 2);
    const resolved = file === '' ? doc : path.posix.normalize(path.posix.join(path.posix.dirname(doc), file));
    const where = `${doc}:${line}: ${target}`;
    if (resolved.startsWith('..')) {
      problems.push(`${where} (points outside the repository)`);
      continue;
    }
    const text = read(resolved);
    if (text === undefined) {
      problems.push(`${where} (no file ${resolved})`);
      continue;
    }
    if (anchor && resolved.endsWith('.md') && !anchors(text).has(decodeURIComponent(anchor))) {
      problems.push(`${where} (no heading with the anchor #${anchor} in ${resolved})`);
    }
  }
  return problems;
}

/** Reads a repository file ('' for a directory), or undefined when there is none. */
function readRepoFile(rel: string): string | undefined {
  const p = path.join(ROOT, decodeURIComponent(rel));
  if (!existsSync(p)) return undefined;
  return statSync(p).isDirectory() ? '' : readFileSync(p, 'utf8');
}

// ---- the tests ------------------------------------------------------------------------------

describe('the documentation', () => {
  const files = markdownFiles();
  const text = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

  it('has code blocks to check in README.md and docs/', () => {
    const checked = files.flatMap((f) => sourcesOf(f, text(f)).sources);
    // The README example and the recipes at least: an extraction that finds nothing checks nothing.
    expect(checked.filter((s) => s.doc === 'README.md').length).toBeGreaterThanOrEqual(1);
    expect(checked.filter((s) => s.doc === 'docs/recipes.md').length).toBeGreaterThanOrEqual(5);
  });

  it('compiles every ts/js code block of README.md and docs/*.md against src/', { timeout: 120_000 }, () => {
    const all = files.map((f) => sourcesOf(f, text(f)));
    const problems = [...all.flatMap((a) => a.problems), ...typeCheck(all.flatMap((a) => a.sources))];
    expect(problems, `code blocks that do not compile:\n${problems.join('\n')}`).toEqual([]);
  });

  it('resolves every relative link and #anchor of README.md and docs/*.md', () => {
    const problems = files.flatMap((f) => brokenLinks(f, text(f), readRepoFile));
    expect(problems, `broken links:\n${problems.join('\n')}`).toEqual([]);
  });

  it('links every docs/*.md page from the README', () => {
    const readme = text('README.md');
    const linked = new Set(links(readme).map((l) => l.target.split('#')[0]));
    expect(files.filter((f) => f !== 'README.md' && !linked.has(f))).toEqual([]);
  });

  it("keeps the README's onboarding part, up to its Documentation links, within 120 lines", () => {
    const lines = text('README.md').split('\n');
    const sections = ['## Install', '## Example', '## What the server must do', '## Defaults', '## Documentation'];
    const at = sections.map((s) => lines.findIndex((l) => l.startsWith(s)));
    expect(
      sections.filter((_, i) => at[i] === -1),
      'sections the README lacks',
    ).toEqual([]);
    expect(at, 'the sections in this order').toEqual([...at].sort((a, b) => a - b));
    const docs = at.at(-1) as number;
    const next = lines.findIndex((l, i) => i > docs && l.startsWith('## '));
    const top = next === -1 ? lines.length : next;
    expect(top, `README lines up to the end of "## Documentation"`).toBeLessThanOrEqual(120);
    // The example is short: at most six lines of code.
    const example = codeBlocks(lines.slice(at[1]).join('\n'))[0];
    expect(example?.code.split('\n').filter((l) => l.trim() !== '').length).toBeLessThanOrEqual(6);
  });
});

describe('the documentation checks themselves', () => {
  it('report a block that does not compile with its file, line and the TypeScript error', { timeout: 120_000 }, () => {
    const md = [
      '# Title',
      '',
      '```ts',
      "import { HeartbeatSocket } from 'heartbeat-ws';",
      "new HeartbeatSocket(url, [], { heartbeat: { interval: 'soon' } });",
      '```',
      '',
      '<!-- docs-test: skip (pseudo-code) -->',
      '```ts',
      'this is not TypeScript',
      '```',
      '```json',
      '{ "a": 1, }',
      '```',
      '```ts',
      '// options, as docs show them: checked as the options of new HeartbeatSocket',
      'minUptime: 2000,',
      "heartbeat: { ping: false, timeout: 'never' },",
      '```',
    ].join('\n');
    const { sources, problems } = sourcesOf('docs/x.md', md);
    expect(sources).toHaveLength(2);
    expect(problems).toEqual([expect.stringMatching(/^docs\/x\.md:13 \(json block\): /)]);
    const errors = typeCheck(sources);
    expect(errors).toEqual([
      expect.stringMatching(/^docs\/x\.md:5 \(ts block at line 4\): TS2322: .*'string'/),
      expect.stringMatching(/^docs\/x\.md:18 \(ts block at line 16\): TS2322: .*'string'/),
    ]);
  });

  it(
    "report a block that uses the package's exports without importing them, as it fails when pasted",
    { timeout: 120_000 },
    () => {
      const md = [
        '```ts',
        'const a = new HeartbeatSocket(url, [], { heartbeat: true });',
        'const b = new SharedHeartbeatSocket(url, [], { heartbeat: true });',
        '```',
        '```ts',
        "import { HeartbeatSocket } from 'heartbeat-ws';",
        "import { SharedHeartbeatSocket } from 'heartbeat-ws/shared';",
        '',
        'const a: HeartbeatSocket = new HeartbeatSocket(url, [], { heartbeat: true });',
        'const b = new SharedHeartbeatSocket(url, [], { heartbeat: true });',
        'socket.send(token); // free names of the examples (the socket of an earlier block) need no import',
        '```',
      ].join('\n');
      const { sources } = sourcesOf('docs/x.md', md);
      expect(typeCheck(sources)).toEqual([
        expect.stringMatching(/^docs\/x\.md:2 \(ts block at line 2\): TS\d+: Cannot find name 'HeartbeatSocket'/),
        expect.stringMatching(/^docs\/x\.md:3 \(ts block at line 2\): TS\d+: Cannot find name 'SharedHeartbeatSocket'/),
      ]);
    },
  );

  it("declare in the prelude none of the package's exports, so that none can go without its import", () => {
    const exported = packageExports();
    // The ones a block most often forgets: an extraction that finds nothing checks nothing.
    for (const name of ['HeartbeatSocket', 'SharedHeartbeatSocket', 'useHeartbeatSocket', 'Options'])
      expect(exported.has(name), name).toBe(true);
    const declared = [
      ...PRELUDE.matchAll(/\b(?:const|let|var|function|class|type|interface)\s+([A-Za-z_$][\w$]*)/g),
    ].map((m) => m[1] as string);
    expect(declared).toContain('socket');
    expect(declared.filter((name) => exported.has(name))).toEqual([]);
  });

  it('check the inline scripts of html blocks and pass a correct block', { timeout: 120_000 }, () => {
    const md = [
      '```html',
      '<script src="https://unpkg.com/heartbeat-ws"></script>',
      '<script>',
      "  const s = new HeartbeatWS.HeartbeatSocket('wss://example.com', [], { heartbeat: true });",
      '  s.addEventListener("reconnecting", (e) => console.log(e.detail.delay.toFixed()));',
      '  s.sendd("x");',
      '</script>',
      '```',
    ].join('\n');
    const { sources } = sourcesOf('README.md', md);
    expect(sources.map((s) => s.line)).toEqual([3]);
    expect(typeCheck(sources)).toEqual([
      expect.stringMatching(/^README\.md:6 \(js block at line 3\): TS2551: .*sendd/),
    ]);
  });

  it('report a missing file and a missing anchor, and accept links that resolve', () => {
    const files: Record<string, string> = { 'docs/a.md': '# A\n\n## The `heartbeat` option\n', 'demo/x.png': '' };
    const md = [
      '[ok](a.md#the-heartbeat-option) [ok](../demo/x.png) [ok](#local) [web](https://example.com/nope)',
      '## Local',
      '[bad](b.md) and [bad anchor](a.md#nope), `[in code](c.md)`',
      '```',
      '[in a block](d.md)',
      '```',
    ].join('\n');
    const problems = brokenLinks('docs/z.md', md, (f) => (f === 'docs/z.md' ? md : files[f]));
    expect(problems).toEqual([
      'docs/z.md:3: b.md (no file docs/b.md)',
      'docs/z.md:3: a.md#nope (no heading with the anchor #nope in docs/a.md)',
    ]);
  });
});
