// Builds the page's assets: copies KaTeX into web/vendor/katex and writes web/dist/logitlab-standalone.html.
// Usage: node web/tools/build-page.mjs [--vendor-only]
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('..', import.meta.url));
const ROOT = resolve(WEB, '..');

/** Copies the KaTeX files the page uses (ES module, CSS, woff2 fonts) into web/vendor/katex. */
export function buildVendor() {
  const src = join(ROOT, 'node_modules', 'katex', 'dist');
  if (!existsSync(src)) throw new Error('build-page: node_modules/katex is missing; run npm ci first');
  const dst = join(WEB, 'vendor', 'katex');
  mkdirSync(join(dst, 'fonts'), { recursive: true });
  for (const f of ['katex.mjs', 'katex.min.css', 'katex.css']) cpSync(join(src, f), join(dst, f));
  for (const f of readdirSync(join(src, 'fonts'))) {
    if (f.endsWith('.woff2')) cpSync(join(src, 'fonts', f), join(dst, 'fonts', f));
  }
  // The copied CSS references woff/ttf too; browsers take the first (woff2) source.
  return dst;
}

// ---- Standalone single file ------------------------------------------------------------------
// Works from file://: every ES module becomes a data: URL module reached through an import map
// (data: fetches are allowed from the opaque file:// origin), the wasm is base64 in a data block,
// KaTeX CSS and fonts are inlined as data: URLs.

const IMPORT_RE = /(\bimport\s*(?:[\w*{}\s,$]+\s*from\s*)?|\bexport\s*(?:\*|\{[^}]*\})\s*from\s*|\bimport\s*\()\s*(['"])([^'"]+)\2/g;

function b64(buf) { return Buffer.from(buf).toString('base64'); }

/** Collects every module reachable from `entry`, rewriting relative specifiers to bare "ll:" names. */
function collectModules(entry) {
  const mods = new Map();
  const name = (abs) => `ll:/${relative(WEB, abs).split('\\').join('/')}`;
  const visit = (abs) => {
    const key = name(abs);
    if (mods.has(key)) return key;
    mods.set(key, null);
    let code = readFileSync(abs, 'utf8');
    code = code.replace(IMPORT_RE, (m, head, q, spec) => {
      if (!spec.startsWith('.')) return m;
      const dep = resolve(dirname(abs), spec);
      return `${head}${q}${visit(dep)}${q}`;
    });
    mods.set(key, code);
    return key;
  };
  visit(entry);
  return mods;
}

/** Inlines the KaTeX CSS with its woff2 fonts as data: URLs. */
function inlineKatexCss() {
  const dir = join(WEB, 'vendor', 'katex');
  let css = readFileSync(join(dir, 'katex.min.css'), 'utf8');
  css = css.replace(/src:url\(fonts\/([\w-]+)\.woff2\) format\("woff2"\)(,url\([^)]*\) format\("[^"]*"\))*/g,
    (m, f) => `src:url(data:font/woff2;base64,${b64(readFileSync(join(dir, 'fonts', `${f}.woff2`)))}) format("woff2")`);
  return css;
}

export function buildStandalone({ out = join(WEB, 'dist', 'logitlab-standalone.html') } = {}) {
  buildVendor();
  const wasmPath = join(WEB, 'wasm', 'logitlab.wasm');
  if (!existsSync(wasmPath)) throw new Error('build-page: web/wasm/logitlab.wasm is missing; run npm run build:wasm first');
  const mods = collectModules(join(WEB, 'app', 'main.js'));
  // KaTeX is imported dynamically by URL in app/katex.js; the standalone maps that URL too.
  mods.set('ll:/vendor/katex/katex.mjs', readFileSync(join(WEB, 'vendor', 'katex', 'katex.mjs'), 'utf8'));
  // ll.datasets fetches web/data/*.json next to its module; the standalone answers those fetches
  // from an inlined JSON block instead (a small shim that runs before the app).
  const dataDir = join(WEB, 'data');
  const data = {};
  if (existsSync(dataDir)) {
    for (const f of readdirSync(dataDir)) if (f.endsWith('.json')) data[`ll:/data/${f}`] = readFileSync(join(dataDir, f), 'utf8');
  }
  mods.set('ll:/standalone-shim.js', `// Serves the inlined datasets to fetch() in the single-file build.
const files = JSON.parse(document.getElementById('ll-data').textContent);
const realFetch = globalThis.fetch.bind(globalThis);
globalThis.fetch = (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  if (Object.prototype.hasOwnProperty.call(files, url)) {
    return Promise.resolve(new Response(files[url], { headers: { 'content-type': 'application/json' } }));
  }
  return realFetch(input, init);
};
`);
  const imports = {};
  for (const [k, code] of mods) {
    // import.meta.url of a data: module is useless for relative URLs; give each its ll: name.
    const fixed = code.replace(/import\.meta\.url/g, JSON.stringify(k));
    imports[k] = `data:text/javascript;base64,${b64(fixed)}`;
  }
  let html = readFileSync(join(WEB, 'index.html'), 'utf8');
  html = html
    .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\n?/, '')
    .replace('<link rel="stylesheet" href="vendor/katex/katex.min.css">', () => `<style>${inlineKatexCss()}</style>`)
    .replace('<link rel="stylesheet" href="app/style.css">', () => `<style>${readFileSync(join(WEB, 'app', 'style.css'), 'utf8')}</style>`)
    .replace('<script type="module" src="app/main.js"></script>', () => [
      `<script type="importmap">${JSON.stringify({ imports })}</script>`,
      `<script type="application/octet-stream" id="ll-wasm-base64">${b64(readFileSync(wasmPath))}</script>`,
      `<script type="application/json" id="ll-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`,
      '<script type="module">import "ll:/standalone-shim.js"; import "ll:/app/main.js";</script>',
    ].join('\n'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, html);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dst = buildVendor();
  console.log(`KaTeX copied to ${relative(ROOT, dst)}`);
  if (!process.argv.includes('--vendor-only')) console.log(`standalone written to ${relative(ROOT, buildStandalone())}`);
}
