// Offline use and the Content-Security-Policy: every page draws under its CSP with no
// violation; after one visit, a reload with the network off draws again (from the service
// worker's cache); a new build offers to reload and then replaces the old cache; and a page
// opened from disk says what to run instead of staying half drawn.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WWW, startServer, useBrowser, waitIdle } from './harness.mjs';
import { CSP, PAGES, SITE_PAGES, openRecorded } from './site-pages.mjs';
import { precacheList, writePrecache } from '../../tools/precache.mjs';
import { writeIcons } from '../../tools/icons.mjs';

const env = useBrowser();

/** Waits until the page's service worker is active and returns the names of the caches. */
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

test('bench.html: the engine starts under the CSP (WebAssembly on the page thread), and offline once another page installed the worker', async () => {
  // The benchmark does not register the worker itself: precaching would compete with what it measures.
  const { page, context, log } = await openRecorded(env.browser, `${env.origin}/bench.html`);
  const running = () => page.waitForFunction(() => /^Running /.test(document.querySelector('#bench-status').textContent), null, { timeout: 60000 });
  await running();
  await page.goto(`${env.origin}/explain.html`);
  await activeWorker(page);
  await context.setOffline(true);
  await page.goto(`${env.origin}/bench.html`);
  await running();
  assert.deepEqual(log.violations, []);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('the precache list holds every page, module, worker, the WASM and the demo models, and not the worker itself', async () => {
  const text = await fs.readFile(path.join(WWW, 'precache.js'), 'utf8');
  const { version, files, hashes } = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1));
  assert.match(version, /^[0-9a-f]{16}$/);
  assert.deepEqual(Object.keys(hashes).sort(), [...files].sort(), 'a content hash per file');
  assert.ok(Object.values(hashes).every((h) => /^[0-9a-f]{16}$/.test(h)));
  for (const file of ['index.html', 'explain.html', 'model.html', 'blindspots.html', 'paper.html', 'manifest.webmanifest', 'icons/icon-192.png',
    'pkg/padlens.js', 'pkg/padlens_bg.wasm', 'js/explorer/worker/map-worker.js', 'js/shared/offline.js', 'models/index.json']) {
    assert.ok(files.includes(file), file);
  }
  const models = JSON.parse(await fs.readFile(path.join(WWW, 'models/index.json'), 'utf8'));
  const referenced = JSON.stringify(models).match(/[\w.-]+\.(onnx|json|png)/g);
  for (const file of referenced) assert.ok(files.includes(`models/${file}`), `models/${file}`);
  assert.ok(!files.includes('sw.js') && !files.includes('precache.js'));
  assert.ok(files.includes('bench.html'), 'the explorer links the benchmark page');
});

test('the manifest makes the site installable: relative start URL and scope, standalone, icons that exist', async () => {
  const manifest = JSON.parse(await fs.readFile(path.join(WWW, 'manifest.webmanifest'), 'utf8'));
  assert.equal(manifest.start_url, './');
  assert.equal(manifest.scope, './');
  assert.equal(manifest.display, 'standalone');
  for (const icon of manifest.icons) await fs.access(path.join(WWW, icon.src));
  assert.deepEqual(manifest.icons.filter((i) => i.type === 'image/png').map((i) => i.sizes), ['192x192', '512x512']);
  for (const file of ['index.html', 'explain.html', 'model.html', 'blindspots.html', 'paper.html', 'bench.html']) {
    assert.match(await fs.readFile(path.join(WWW, file), 'utf8'), /<link rel="manifest" href="manifest.webmanifest">/, file);
  }
  // Chromium's own verdict. Playwright's contexts are incognito, where nothing installs:
  // every other reason must be absent.
  const { page, context } = await openRecorded(env.browser, `${env.origin}/explain.html`);
  await activeWorker(page);
  const cdp = await context.newCDPSession(page);
  assert.deepEqual((await cdp.send('Page.getAppManifest')).errors, []);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito'), []);
  await context.close();
});

test('every page sets the Content-Security-Policy, first in its head, and links the file:// notice and the icon', async () => {
  for (const file of SITE_PAGES) {
    const html = await fs.readFile(path.join(WWW, file), 'utf8');
    const head = html.slice(0, html.indexOf('</head>'));
    const policies = [...head.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/g)].map((m) => m[1]);
    assert.deepEqual(policies, [CSP], file);
    assert.ok(head.indexOf('Content-Security-Policy') < head.search(/<(link|script)\b/), `${file}: the policy comes before anything it governs`);
    assert.match(head, /<script src="js\/shared\/file-notice\.js" defer><\/script>/, file);
    assert.match(head, /<link rel="icon" href="icons\/icon\.svg" type="image\/svg\+xml">/, file);
    assert.doesNotMatch(html, /<style\b|\sstyle="|<script>|\son[a-z]+="/i, `${file}: no inline style, script or handler`);
  }
});

test('a new build: the page offers to reload, the new version reuses what it shares with the old, and only its cache is left', async () => {
  // A copy of the site, which the test then rebuilds with one page changed.
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
    const { hashes } = await precacheList(root);
    const stamp = (file) => page.evaluate(async (url) => (await caches.match(url)).headers.get('x-padlens-content-hash'), `${server.origin}/${file}`);
    assert.equal(await stamp('pkg/padlens_bg.wasm'), hashes['pkg/padlens_bg.wasm'], 'each cached file records its hash');

    // The new build: explain.html changes. The demo background then disappears from the
    // server: the install can only succeed by copying it from the old cache.
    const explain = path.join(root, 'explain.html');
    await fs.writeFile(explain, (await fs.readFile(explain, 'utf8')).replace('</body>', '<p id="new-build">new build</p>\n</body>'));
    const { version } = await writePrecache(root);
    await fs.rm(path.join(root, 'models/street-scene.png'));
    await page.reload();
    await waitIdle(page);
    const notice = page.locator('.update-notice[role=status]');
    await notice.getByRole('button', { name: 'Reload' }).waitFor({ timeout: 30000 });
    assert.match(await notice.textContent(), /An update of padlens is ready/);
    assert.equal(await page.locator('#new-build').count(), 0, 'the old version serves until asked');

    await Promise.all([page.waitForEvent('load'), notice.getByRole('button', { name: 'Reload' }).click()]);
    await waitIdle(page);
    assert.equal(await page.locator('.update-notice').count(), 0);
    assert.equal(await page.textContent('#new-build'), 'new build');
    const caches = await page.evaluate(() => caches.keys());
    assert.equal(caches.length, 1, `only the new cache is left: ${caches}`);
    assert.notEqual(caches[0], first);
    assert.ok(caches[0].endsWith(` ${version}`), caches[0]);
    assert.equal(await stamp('models/street-scene.png'), hashes['models/street-scene.png'], 'copied from the old cache');
    assert.deepEqual(log.violations, []);
    assert.deepEqual(log.errors, []);
    await context.close();
  } finally {
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  }
});

for (const file of SITE_PAGES) {
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
