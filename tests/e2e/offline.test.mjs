// Offline use and the Content-Security-Policy: every page draws under its CSP with no
// violation; after one visit, a reload with the network off draws again (from the service
// worker's cache); a new build offers to reload and then replaces the old cache; and a page
// opened from disk says what to run instead of staying half drawn.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WWW, canvasStats, startServer, useBrowser, waitIdle } from './harness.mjs';
import { writePrecache } from '../../tools/precache.mjs';
import { writeIcons } from '../../tools/icons.mjs';

const env = useBrowser();

// The pages, each with what shows that it drew its main figure (cheap settings where a page
// takes any: the coarsest stride of the blind-spots grid).
export const PAGES = [
  ['index.html', async (page) => {
    await waitIdle(page, 60000);
    assert.ok((await canvasStats(page, '#map-a canvas.map-canvas')).distinct > 1, 'the map has content');
  }],
  ['explain.html', async (page) => {
    await waitIdle(page, 60000);
    assert.ok((await page.locator('#counts .cell').count()) > 0, 'the count map has cells');
  }],
  ['model.html', async (page) => {
    await page.waitForSelector('#summary table', { timeout: 60000 });
    await page.waitForSelector('#top-outputs tbody tr', { timeout: 60000 });
  }],
  ['blindspots.html#stride=16', async (page) => {
    await page.waitForFunction(() => /^\d+ placements in /.test(document.querySelector('#run-status').textContent), null, { timeout: 120000 });
  }],
  ['paper.html', async (page) => {
    await page.waitForFunction(() => document.querySelector('#foveation').dataset.state === 'done', null, { timeout: 60000 });
    assert.ok((await canvasStats(page, '#foveation padlens-map-figure')).distinct > 1, 'the first figure has content');
  }],
];

/**
 * A page in a new context that records console errors, page errors and CSP violations (from
 * the document and from shadow roots: the event is composed).
 */
export async function openRecorded(browser, url, context) {
  context ??= await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const log = { errors: [], violations: [] };
  await context.exposeBinding('reportViolation', (_, v) => log.violations.push(v));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      window.reportViolation(`${e.effectiveDirective} refused ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && log.errors.push(m.text()));
  page.on('pageerror', (e) => log.errors.push(String(e)));
  await page.goto(url);
  return { page, context, log };
}

/** Waits until the page's service worker is active and return the names of the caches. */
async function activeWorker(page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  return page.evaluate(() => caches.keys());
}

before(async () => {
  // What build.sh's build_wasm writes after the WASM, so that this file runs on its own.
  await writeIcons(path.join(WWW, 'icons'));
  await writePrecache(WWW);
});

for (const [file, drawn] of PAGES) {
  test(`${file}: draws under its CSP, then again from the cache with the network off`, async () => {
    const { page, context, log } = await openRecorded(env.browser, `${env.origin}/${file}`);
    await drawn(page);
    const caches = await activeWorker(page);
    assert.equal(caches.length, 1, `one cache: ${caches}`);
    await context.setOffline(true);
    await page.reload();
    await drawn(page);
    assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null), 'the worker answered the reload');
    assert.deepEqual(log.violations, []);
    assert.deepEqual(log.errors, []);
    await context.close();
  });
}

test('bench.html: the engine starts under the CSP (WebAssembly on the page thread)', async () => {
  const { page, context, log } = await openRecorded(env.browser, `${env.origin}/bench.html`);
  await page.waitForFunction(() => /^Running /.test(document.querySelector('#bench-status').textContent), null, { timeout: 60000 });
  assert.deepEqual(log.violations, []);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('the precache list holds every page, module, worker, the WASM and the demo models, and no benchmark', async () => {
  const text = await fs.readFile(path.join(WWW, 'precache.js'), 'utf8');
  const { version, files } = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1));
  assert.match(version, /^[0-9a-f]{16}$/);
  for (const file of ['index.html', 'explain.html', 'model.html', 'blindspots.html', 'paper.html', 'manifest.webmanifest', 'icons/icon-192.png',
    'pkg/padlens.js', 'pkg/padlens_bg.wasm', 'js/explorer/worker/map-worker.js', 'js/shared/offline.js', 'models/index.json']) {
    assert.ok(files.includes(file), file);
  }
  const models = JSON.parse(await fs.readFile(path.join(WWW, 'models/index.json'), 'utf8'));
  const referenced = JSON.stringify(models).match(/[\w.-]+\.(onnx|json|png)/g);
  for (const file of referenced) assert.ok(files.includes(`models/${file}`), `models/${file}`);
  assert.ok(!files.some((f) => f === 'bench.html' || f.startsWith('js/bench/') || f === 'sw.js' || f === 'precache.js'));
});

test('the manifest makes the site installable: relative start URL and scope, standalone, icons that exist', async () => {
  const manifest = JSON.parse(await fs.readFile(path.join(WWW, 'manifest.webmanifest'), 'utf8'));
  assert.equal(manifest.start_url, './');
  assert.equal(manifest.scope, './');
  assert.equal(manifest.display, 'standalone');
  for (const icon of manifest.icons) await fs.access(path.join(WWW, icon.src));
  assert.deepEqual(manifest.icons.filter((i) => i.type === 'image/png').map((i) => i.sizes), ['192x192', '512x512']);
  for (const file of ['index.html', 'explain.html', 'model.html', 'blindspots.html', 'paper.html']) {
    assert.match(await fs.readFile(path.join(WWW, file), 'utf8'), /<link rel="manifest" href="manifest.webmanifest">/, file);
  }
});

test('a new build: the page offers to reload, and the reload runs it with only its cache', async () => {
  // A copy of the site, whose precache.js the test then changes as a new build would.
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'padlens-update-'));
  await fs.cp(WWW, root, { recursive: true });
  const server = await startServer(root + path.sep);
  try {
    const { page, context, log } = await openRecorded(env.browser, `${server.origin}/explain.html`);
    await waitIdle(page);
    const [first] = await activeWorker(page);
    await page.reload();
    await waitIdle(page);
    assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null));
    assert.equal(await page.locator('.update-notice').count(), 0, 'no notice while nothing is new');

    const precache = path.join(root, 'precache.js');
    const text = await fs.readFile(precache, 'utf8');
    await fs.writeFile(precache, text.replace(/"version": "\w+"/, '"version": "0123456789abcdef"'));
    await page.reload();
    await waitIdle(page);
    const notice = page.locator('.update-notice[role=status]');
    await notice.getByRole('button', { name: 'Reload' }).waitFor({ timeout: 30000 });
    assert.match(await notice.textContent(), /An update of padlens is ready/);

    await Promise.all([page.waitForEvent('load'), notice.getByRole('button', { name: 'Reload' }).click()]);
    await waitIdle(page);
    assert.equal(await page.locator('.update-notice').count(), 0);
    const caches = await page.evaluate(() => caches.keys());
    assert.equal(caches.length, 1, `only the new cache is left: ${caches}`);
    assert.notEqual(caches[0], first);
    assert.match(caches[0], / 0123456789abcdef$/);
    assert.deepEqual(log.violations, []);
    assert.deepEqual(log.errors, []);
    await context.close();
  } finally {
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  }
});

for (const file of ['index.html', 'explain.html', 'model.html', 'blindspots.html', 'paper.html', 'bench.html']) {
  test(`${file} opened from disk says what to run instead of showing a half-drawn page`, async () => {
    const { page, context, log } = await openRecorded(env.browser, pathToFileURL(path.join(WWW, file)).href);
    const notice = page.locator('main.file-notice');
    await notice.waitFor();
    assert.match(await notice.textContent(), /needs a web server.*\.\/build\.sh serve.*any static file server/s);
    // The stylesheet loaded under the CSP on file:// and hides the rest of the page.
    const shown = await page.$$eval('body > *', (els) => els.filter((el) => getComputedStyle(el).display !== 'none').map((el) => el.className));
    assert.deepEqual(shown, ['file-notice']);
    assert.deepEqual(log.violations, []);
    await context.close();
  });
}
