// The static build (tools/dist.mjs, `./build.sh dist`), built here from the www/pkg already
// built: served under a sub-path (/padlens/), every page draws with no error or CSP violation
// and again offline; the scripts and the WASM have content-hashed names, the pages' links all
// resolve, the precompressed copies decode to the originals, and every page carries social
// preview tags naming a 1200×630 image.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { pathToFileURL } from 'node:url';
import pngjs from 'pngjs';
import { WWW, launchBrowser, startServer } from './harness.mjs';
import { PAGES, SITE_PAGES, openRecorded } from './site-pages.mjs';
import { buildDist, rewritePage, rewriteRef } from '../../tools/dist.mjs';
import { listFiles } from '../../tools/precache.mjs';

const PREFIX = '/padlens/';
let out;
let built;
let server;
let browser;

before(async () => {
  out = await fs.mkdtemp(path.join(os.tmpdir(), 'padlens-dist-'));
  built = await buildDist({ out, siteUrl: '' });
  server = await startServer(out + path.sep, { prefix: PREFIX });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (out) await fs.rm(out, { recursive: true, force: true });
});

/** The src and href values of an HTML text. */
const refsOf = (html) => [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);

test('dist/: the modules, styles, WASM and models in one content-hashed folder; pages, worker and manifest at the root', async () => {
  assert.match(built.assets, /^assets-[0-9a-f]{12}$/);
  const top = await fs.readdir(out);
  assert.deepEqual(top.filter((name) => name.startsWith('assets-')), [built.assets]);
  for (const name of ['index.html', 'explain.html', 'model.html', 'blindspots.html', 'paper.html', 'bench.html', 'sw.js', 'precache.js', 'manifest.webmanifest', 'icons', 'social-preview.png']) {
    assert.ok(top.includes(name), name);
  }
  for (const name of ['css', 'pkg', 'models']) assert.ok(!top.includes(name), `${name} is not at the root`);
  const files = await listFiles(out);
  // Of js/, only the embed module's stable entry point (when the site has one) stays.
  assert.deepEqual(files.filter((f) => f.startsWith('js/') && f !== 'js/embed/padlens-embed.js' && !/\.(gz|br)$/.test(f)), []);
  assert.ok(files.includes(`${built.assets}/pkg/padlens_bg.wasm`));
  // The one line that says where the pages are, one folder deeper.
  assert.match(await fs.readFile(path.join(out, built.assets, 'js/shared/site-root.js'), 'utf8'), /new URL\('\.\.\/\.\.\/\.\.\/', import\.meta\.url\)/);
});

test('every relative link of every page resolves to a file of dist/, and the precache list names only files that exist', async () => {
  const files = new Set(await listFiles(out));
  for (const page of [...files].filter((f) => f.endsWith('.html'))) {
    const html = await fs.readFile(path.join(out, page), 'utf8');
    for (const ref of refsOf(html)) {
      if (/^([a-z][a-z0-9+.-]*:|\/|#)/i.test(ref)) continue;
      const clean = ref.replace(/[?#].*$/, '');
      // A folder's address ('./', '../') names its index.html, as static hosts serve it.
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(page), clean === '' || clean.endsWith('/') ? `${clean}index.html` : clean));
      assert.ok(files.has(target), `${page}: ${ref}`);
    }
  }
  const text = await fs.readFile(path.join(out, 'precache.js'), 'utf8');
  const list = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1));
  assert.equal(list.version, built.version);
  for (const file of list.files) assert.ok(files.has(file), file);
  assert.ok(list.files.includes(`${built.assets}/models/index.json`));
  assert.ok(!list.files.includes('social-preview.png') && !list.files.some((f) => /\.(gz|br)$/.test(f)));
});

test('precompressed copies beside the WASM, the modules, the styles and the pages decode to the originals', async () => {
  const files = await listFiles(out);
  for (const needed of [`${built.assets}/pkg/padlens_bg.wasm`, `${built.assets}/js/explorer/client/app.js`, `${built.assets}/css/padlens.css`, 'index.html', 'sw.js']) {
    assert.ok(files.includes(`${needed}.gz`) && files.includes(`${needed}.br`), needed);
  }
  const copies = files.filter((f) => /\.(gz|br)$/.test(f));
  assert.equal(copies.length, built.compressed);
  for (const copy of copies) {
    const original = await fs.readFile(path.join(out, copy.slice(0, -3)));
    const packed = await fs.readFile(path.join(out, copy));
    const unpacked = copy.endsWith('.gz') ? zlib.gunzipSync(packed) : zlib.brotliDecompressSync(packed);
    assert.ok(unpacked.equals(original), copy);
    assert.ok(packed.length < original.length, `${copy} is smaller`);
  }
  const wasm = (await fs.stat(path.join(out, built.assets, 'pkg/padlens_bg.wasm'))).size;
  const br = (await fs.stat(path.join(out, built.assets, 'pkg/padlens_bg.wasm.br'))).size;
  assert.ok(br < wasm / 2, `brotli makes the WASM less than half as big: ${br} of ${wasm} bytes`);
});

test('social preview tags in every page, naming a 1200×630 image; absolute addresses from PADLENS_SITE_URL', async () => {
  for (const page of SITE_PAGES) {
    const html = await fs.readFile(path.join(out, page), 'utf8');
    const meta = (key) => html.match(new RegExp(`<meta (?:property|name)="${key}" content="([^"]*)">`))?.[1];
    assert.equal(meta('og:title'), html.match(/<title>([^<]*)<\/title>/)[1], page);
    assert.equal(meta('og:description'), html.match(/<meta name="description" content="([^"]*)">/)[1], page);
    assert.equal(meta('og:image'), 'social-preview.png', page);
    assert.equal(meta('twitter:card'), 'summary_large_image', page);
    assert.equal(meta('og:url'), undefined, `${page}: no og:url without a site address`);
  }
  const image = pngjs.PNG.sync.read(await fs.readFile(path.join(out, 'social-preview.png')));
  assert.deepEqual([image.width, image.height], [1200, 630]);
  const colours = new Set();
  for (let i = 0; i < image.data.length; i += 4) colours.add(image.data.readUInt32BE(i));
  assert.ok(colours.size > 100, `the maps are drawn: ${colours.size} colours`);

  const page = await fs.readFile(path.join(WWW, 'explain.html'), 'utf8');
  const html = rewritePage('explain.html', page, { assets: 'assets-x', hasEmbed: false, siteUrl: 'https://example.org/padlens/' });
  assert.match(html, /<meta property="og:url" content="https:\/\/example\.org\/padlens\/explain\.html">/);
  assert.match(html, /<meta property="og:image" content="https:\/\/example\.org\/padlens\/social-preview\.png">/);
  const index = rewritePage('index.html', await fs.readFile(path.join(WWW, 'index.html'), 'utf8'), { assets: 'assets-x', hasEmbed: false, siteUrl: 'https://example.org/padlens/' });
  assert.match(index, /<meta property="og:url" content="https:\/\/example\.org\/padlens\/">/);
});

test('references: moved folders into the hashed one; the embed module\'s stable entry and the rest unchanged', () => {
  const cases = [
    ['index.html', 'js/explorer/client/app.js', 'assets-x/js/explorer/client/app.js'],
    ['index.html', 'css/padlens.css?v=1#a', 'assets-x/css/padlens.css?v=1#a'],
    ['index.html', 'icons/icon.svg', 'icons/icon.svg'],
    ['index.html', 'explain.html#k=3', 'explain.html#k=3'],
    ['index.html', 'https://example.org/js/x.js', 'https://example.org/js/x.js'],
    ['index.html', '#main', '#main'],
    ['examples/index.html', '../js/embed/padlens-embed.js', '../js/embed/padlens-embed.js'],
    ['examples/index.html', '../css/padlens.css', '../assets-x/css/padlens.css'],
    ['examples/index.html', 'blog.css', 'blog.css'],
    ['examples/index.html', '../embed.html#view=map', '../embed.html#view=map'],
    ['examples/index.html', '../../outside.js', '../../outside.js'],
  ];
  for (const [page, ref, expected] of cases) assert.equal(rewriteRef(page, ref, 'assets-x', true), expected, `${page}: ${ref}`);
  assert.equal(rewriteRef('examples/index.html', '../js/embed/padlens-embed.js', 'assets-x', false), '../assets-x/js/embed/padlens-embed.js');
});

test('the embeddable figures keep a stable js/embed/padlens-embed.js that re-exports the hashed module', async () => {
  // A small site of its own, so that this holds whether or not www/ has the embed module yet.
  const src = await fs.mkdtemp(path.join(os.tmpdir(), 'padlens-site-'));
  const dest = await fs.mkdtemp(path.join(os.tmpdir(), 'padlens-site-dist-'));
  try {
    const write = async (file, text) => {
      await fs.mkdir(path.dirname(path.join(src, file)), { recursive: true });
      await fs.writeFile(path.join(src, file), text);
    };
    await write('js/embed/padlens-embed.js', "export default class Figure {}\nexport const version = 1;\n");
    await write('js/shared/site-root.js', await fs.readFile(path.join(WWW, 'js/shared/site-root.js'), 'utf8'));
    await write('examples/index.html', '<!doctype html><title>Example</title><script type="module" src="../js/embed/padlens-embed.js"></script>\n');
    const { assets } = await buildDist({ src, out: dest, preview: false });
    const entry = await fs.readFile(path.join(dest, 'js/embed/padlens-embed.js'), 'utf8');
    assert.match(entry, new RegExp(`^export \\* from '\\.\\./\\.\\./${assets}/js/embed/padlens-embed\\.js';$`, 'm'));
    assert.match(entry, new RegExp(`^export \\{ default \\} from '\\.\\./\\.\\./${assets}/js/embed/padlens-embed\\.js';$`, 'm'));
    assert.equal(await fs.readFile(path.join(dest, assets, 'js/embed/padlens-embed.js'), 'utf8'), "export default class Figure {}\nexport const version = 1;\n");
    assert.match(await fs.readFile(path.join(dest, 'examples/index.html'), 'utf8'), /src="\.\.\/js\/embed\/padlens-embed\.js"/);
  } finally {
    await fs.rm(src, { recursive: true, force: true });
    await fs.rm(dest, { recursive: true, force: true });
  }
});

for (const [file, drawn] of PAGES) {
  test(`dist/ under ${PREFIX}: ${file} draws from the hashed assets, then again offline`, async () => {
    const { page, context, log } = await openRecorded(browser, `${server.origin}${PREFIX}${file}`);
    await drawn(page);
    const workers = page.workers().map((w) => new URL(w.url()).pathname);
    for (const worker of workers) assert.ok(worker.startsWith(`${PREFIX}${built.assets}/js/`), worker);
    const scope = await page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.scope));
    assert.equal(scope, `${server.origin}${PREFIX}`);
    await context.setOffline(true);
    await page.reload();
    await drawn(page);
    assert.deepEqual(log.violations, []);
    assert.deepEqual(log.errors, []);
    await context.close();
  });
}

test('dist/index.html opened from disk says what to run instead', async () => {
  const { page, context, log } = await openRecorded(browser, pathToFileURL(path.join(out, 'index.html')).href);
  await page.locator('main.file-notice').waitFor();
  assert.match(await page.textContent('main.file-notice'), /needs a web server/);
  assert.deepEqual(log.violations, []);
  await context.close();
});
