// Embedded figures end to end: a foreign page on another origin embeds two figures with one
// module script and an iframe view; they draw, share one engine, keep the host's styles out,
// follow their attributes and their container, and show the same numbers as the site.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pngjs from 'pngjs';
import { launchBrowser, openPage, startServer, waitIdle } from './harness.mjs';

const { PNG } = pngjs;

/** A blog post elsewhere: its own styles, rules broad enough to restyle the figures if they leaked in. */
const foreignPost = (site) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A post</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="post.css">
<script type="module" src="${site}/js/embed/padlens-embed.js"></script>
</head><body><main>
<h1>A post</h1>
<p>First figure:</p>
<padlens-map id="single" network="vgg19" size="64" padding="zeros"></padlens-map>
<p>Second figure:</p>
<padlens-map id="compare" network="resnet50" size="96" compare-size="97" scale="log"></padlens-map>
<iframe id="frame" title="padlens figure" src="${site}/embed.html#view=map&amp;arch=vgg19&amp;h=48&amp;w=48&amp;mode=symmetric" width="600" height="520"></iframe>
</main></body></html>`;

const POST_CSS = `body { font-family: Georgia, serif; line-height: 2.5; color: rgb(200, 0, 0); }
p, span, figcaption { color: rgb(200, 0, 0) !important; font-size: 30px; }
canvas { border: 5px solid red; }`;

const env = { browser: null, site: null, post: null, dir: '' };
before(async () => {
  env.dir = await fs.mkdtemp(path.join(os.tmpdir(), 'padlens-post-'));
  env.site = await startServer(undefined, { cors: true });
  await fs.writeFile(path.join(env.dir, 'index.html'), foreignPost(env.site.origin));
  await fs.writeFile(path.join(env.dir, 'post.css'), POST_CSS);
  env.post = await startServer(env.dir);
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.site?.close();
  await env.post?.close();
  await fs.rm(env.dir, { recursive: true, force: true });
});

/** The single figure's map (its other two views, for a comparison, are hidden). */
const SINGLE_A = '#single padlens-map-view[id$="-a"]';

/** Waits until an embedded figure has drawn its newest state. */
function figureIdle(page, selector, timeout = 30000) {
  return page.waitForSelector(`${selector}[data-status=idle]`, { state: 'attached', timeout });
}

/** The client point at the centre of map pixel (y, x) of a map view (selectors pierce shadow roots). */
async function pointOf(page, mapView, y, x) {
  const canvas = page.locator(`${mapView} canvas.map-canvas`);
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const viewport = JSON.parse(await canvas.getAttribute('data-viewport'));
  const toDevice = (p, axis) => viewport.offset[axis] + (viewport.zoom >= 1 ? (p + 0.5) * viewport.zoom : (p + 0.5) / -viewport.zoom);
  return { x: box.x + (toDevice(x, 1) / viewport.width) * box.width, y: box.y + (toDevice(y, 0) / viewport.height) * box.height };
}

/** The colour on screen at the centre of map pixel (y, x), as [r, g, b]. */
async function colourAt(page, mapView, y, x) {
  const point = await pointOf(page, mapView, y, x);
  const png = PNG.sync.read(await page.screenshot({ clip: { x: Math.floor(point.x), y: Math.floor(point.y), width: 1, height: 1 } }));
  return [...png.data.subarray(0, 3)];
}

/** A map view's raw count at pixel (y, x), read by hovering it. */
async function countAt(page, mapView, y, x) {
  const point = await pointOf(page, mapView, y, x);
  await page.mouse.move(point.x, point.y);
  const readout = page.locator(`${mapView} [data-role=readout]`);
  await page.waitForFunction((el) => !('pending' in el.dataset) && el.textContent.includes('raw'), await readout.elementHandle());
  const rows = await readout.locator('div').evaluateAll((divs) =>
    Object.fromEntries(divs.map((d) => [d.querySelector('dt').textContent, d.querySelector('dd').textContent])));
  assert.equal(Number(rows['row y']), y, 'the readout names the hovered row');
  assert.equal(Number(rows['column x']), x, 'the readout names the hovered column');
  return rows['raw count'];
}

test('a foreign page embeds two figures and an iframe: they draw, share one engine, and the host styles stay out', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const log = { console: [], errors: [] };
  page.on('console', (msg) => log.console.push({ type: msg.type(), text: msg.text() }));
  page.on('pageerror', (error) => log.errors.push(String(error)));
  // Listening before the page loads: no worker can start unseen.
  const workers = [];
  page.on('worker', (worker) => workers.push(worker.url()));
  await page.goto(`${env.post.origin}/`);
  await figureIdle(page, '#single');
  await figureIdle(page, '#compare');
  const frame = page.frameLocator('#frame');
  await frame.locator('padlens-map[data-status=idle]').waitFor({ state: 'attached', timeout: 30000 });

  assert.equal(await page.locator(SINGLE_A).getAttribute('data-map-size'), '64x64');
  const compareSizes = await page.locator('#compare padlens-map-view:not([hidden])').evaluateAll((views) => views.map((v) => v.dataset.mapSize));
  assert.deepEqual(compareSizes, ['96x96', '97x97', '96x96'], 'A, B and their ratio on the common region');
  assert.equal(await frame.locator('padlens-map-view').first().getAttribute('data-map-size'), '48x48');
  assert.match(await page.locator(`${SINGLE_A} .map-caption`).textContent(), /vgg19 · 64×64 · zeros padding/);

  // Two figures, one engine: the post started one map worker (a same-origin blob module
  // that imports the site's, since a worker's script must be the page's origin); the
  // iframe's own, on the site's origin, is the iframe's.
  const posts = workers.filter((url) => url.startsWith(`blob:${env.post.origin}/`));
  assert.equal(posts.length, 1, `one shared worker for both figures: ${workers.join(', ')}`);
  // The host's rules stop at the shadow root: no red text, no serif, no red canvas border.
  const styles = await page.locator(`${SINGLE_A} .map-caption`).evaluate((el) => {
    const s = getComputedStyle(el);
    const canvas = getComputedStyle(el.closest('figure').querySelector('canvas.map-canvas'));
    return { color: s.color, font: s.fontFamily, border: canvas.borderTopWidth };
  });
  assert.notEqual(styles.color, 'rgb(200, 0, 0)');
  assert.doesNotMatch(styles.font, /Georgia/);
  assert.notEqual(styles.border, '5px');

  const errors = log.console.filter((m) => m.type === 'error').map((m) => m.text);
  assert.deepEqual(errors, [], 'no console errors');
  assert.deepEqual(log.errors, [], 'no uncaught errors');
});

test('the embedded map shows the same numbers and colours as the site for the same state', async () => {
  const { page: post } = await openPage(env.browser, env.post.origin, '/');
  await figureIdle(post, '#single');
  const { page: site } = await openPage(env.browser, env.site.origin, '/index.html#arch=vgg19&h=64&w=64&mode=zeros');
  await waitIdle(site);
  for (const [y, x] of [[0, 0], [5, 40], [32, 32], [63, 17]]) {
    assert.deepEqual(await colourAt(post, SINGLE_A, y, x), await colourAt(site, '#map-a', y, x), `colour at (${y}, ${x})`);
    assert.equal(await countAt(post, SINGLE_A, y, x), await countAt(site, '#map-a', y, x), `raw count at (${y}, ${x})`);
  }
  // The same colour bar ends and the same caption.
  const ends = async (page, view) => page.locator(`${view} .tick.end`).allTextContents();
  assert.deepEqual(await ends(post, SINGLE_A), await ends(site, '#map-a'));
});

test('changing an attribute redraws; the figure follows its container; bad attributes are explained', async () => {
  const { page, log } = await openPage(env.browser, env.post.origin, '/');
  await figureIdle(page, '#single');
  const view = page.locator(SINGLE_A);
  await page.locator('#single').evaluate((el) => el.setAttribute('size', '80x96'));
  await page.waitForFunction((el) => el.dataset.mapSize === '80x96', await view.elementHandle());
  await figureIdle(page, '#single');
  assert.match(await page.locator(`${SINGLE_A} .map-caption`).textContent(), /80×96/);

  // A narrow container: the canvas fits inside it.
  await page.locator('#single').evaluate((el) => (el.style.width = '260px'));
  await page.waitForFunction((el) => el.getBoundingClientRect().width <= 260, await page.locator(`${SINGLE_A} canvas.map-canvas`).elementHandle());
  const canvasWidth = (await page.locator(`${SINGLE_A} canvas.map-canvas`).boundingBox()).width;
  assert.ok(canvasWidth <= 260, `the map fits a 260 px container (${canvasWidth} px)`);

  // A network the core does not know: the core's message in the figure, the last map kept
  // and marked "not updated" (as the explorer does once a map is on screen).
  await page.locator('#single').evaluate((el) => el.setAttribute('network', 'vgg-nineteen'));
  await page.waitForSelector('#single[data-status=error]', { state: 'attached' });
  assert.match(await page.locator('#single .embed-error').textContent(), /vgg-nineteen/);
  assert.equal(await page.locator(`${SINGLE_A} [data-role=stale]`).isVisible(), true);
  // Fixed again: the error goes.
  await page.locator('#single').evaluate((el) => el.setAttribute('network', 'vgg19'));
  await figureIdle(page, '#single');
  assert.equal(await page.locator('#single .embed-error').isVisible(), false);

  // A figure whose first state cannot be drawn: the nearest view that can, and why.
  await page.evaluate(() => {
    const figure = document.createElement('padlens-map');
    figure.id = 'broken';
    figure.setAttribute('network', 'vgg19');
    figure.setAttribute('size', '0');
    document.querySelector('main').append(figure);
  });
  await figureIdle(page, '#broken');
  assert.match(await page.locator('#broken .embed-note').textContent(), /Showing vgg19 · \d+×\d+/);
  assert.deepEqual(log.errors, [], 'no uncaught errors');
});

test('embed.html shows one figure without the controls, and says when a view does not exist', async () => {
  const { page, log } = await openPage(env.browser, env.site.origin, '/embed.html#view=map&arch=resnet50&h=64&w=64&compare=1&b.h=65&b.w=65');
  await figureIdle(page, 'padlens-map');
  assert.equal(await page.locator('padlens-map').getAttribute('compare-size'), '65');
  assert.equal(await page.locator('padlens-config').count(), 0, 'no controls');
  const open = await page.locator('padlens-map .embed-credit a').getAttribute('href');
  assert.match(open, /index\.html#arch=resnet50&h=64&w=64.*compare=1.*b\.h=65/, 'the figure links to the explorer in the same state');
  await page.evaluate(() => (location.hash = 'view=nothing'));
  await page.waitForSelector('[role=alert]');
  assert.match(await page.locator('[role=alert]').textContent(), /no padlens view “nothing”/);
  assert.deepEqual(log.errors, []);
});

test('the example page in www/examples draws its figures with no console errors', async () => {
  const { page, log } = await openPage(env.browser, env.site.origin, '/examples/index.html');
  for (const figure of await page.locator('padlens-map').all()) {
    await figure.scrollIntoViewIfNeeded();
    await page.waitForFunction((el) => el.dataset.status === 'idle', await figure.elementHandle(), { timeout: 30000 });
  }
  await page.frameLocator('iframe').locator('padlens-map[data-status=idle]').waitFor({ state: 'attached', timeout: 30000 });
  assert.deepEqual(log.console.filter((m) => m.type === 'error').map((m) => m.text), []);
  assert.deepEqual(log.errors, []);
});

test('<padlens-grid> computes a bundled detector\'s grid with its own settings, and gives the Blind spots page\'s numbers', async () => {
  const { page, log } = await openPage(env.browser, env.post.origin, '/');
  await page.evaluate(() => {
    const grid = document.createElement('padlens-grid');
    grid.id = 'grid';
    grid.setAttribute('model', 'detector-zeros-224.onnx');
    grid.setAttribute('stride', '32');
    document.querySelector('main').prepend(grid);
  });
  await figureIdle(page, '#grid', 60000);
  // The model's own score, threshold and scene (models/index.json) were taken.
  const rate = await page.locator('#grid .embed-rate').textContent();
  const [, percent, detected, total] = /^Detection rate ([\d.]+)%: (\d+) of (\d+) placements score ≥ 0\.5\.$/.exec(rate) ?? [];
  assert.ok(total, `the rate is stated: ${rate}`);
  const open = await page.locator('#grid .embed-credit a').getAttribute('href');
  assert.match(open, /blindspots\.html#demo=detector-zeros-224\.onnx&stride=32$/);

  // The Blind spots page, opened from that link, finds the same detections.
  const { page: site } = await openPage(env.browser, env.site.origin, `/blindspots.html${new URL(open).hash}`);
  await waitIdle(site, 60000);
  await site.waitForFunction(() => /of \d+ placements/.test(document.querySelector('#rates').textContent) && !/not computed/.test(document.querySelector('#rates').textContent), null, { timeout: 60000 });
  assert.match(await site.textContent('#rates'), new RegExp(`^A: detection rate ${percent.replace('.', '\\.')}% — ${detected} of ${total} placements`));

  // Another stride: the figure computes again.
  await page.locator('#grid').evaluate((el) => el.setAttribute('stride', '48'));
  await page.waitForFunction(([el, before]) => el.dataset.status === 'idle' && !el.shadowRoot.querySelector('.embed-rate').textContent.includes(`of ${before} `),
    [await page.locator('#grid').elementHandle(), total], { timeout: 60000 });
  // A model that is not bundled: said in the figure.
  await page.locator('#grid').evaluate((el) => el.setAttribute('model', 'nothing.onnx'));
  await page.waitForSelector('#grid[data-status=error]', { state: 'attached' });
  assert.match(await page.locator('#grid .embed-error').textContent(), /no bundled model “nothing\.onnx”/);
  assert.deepEqual(log.errors, []);
});

test('<padlens-explainer> plays a preset, follows clicks and keys, and explains attributes it cannot draw', async () => {
  const { page, log } = await openPage(env.browser, env.post.origin, '/');
  await page.evaluate(() => {
    const explainer = document.createElement('padlens-explainer');
    explainer.id = 'explainer';
    explainer.setAttribute('preset', 'strided');
    document.querySelector('main').prepend(explainer);
  });
  await figureIdle(page, '#explainer');
  const title = page.locator('#explainer [data-role=title]');
  assert.equal(await title.textContent(), 'Windows that read J', 'the preset selects pixel J (5, 5)');
  assert.match(await page.locator('#explainer padlens-padded-grid').textContent(), /Uneven/);
  // A click on the count map selects another pixel.
  await page.locator('#explainer padlens-count-grid[data-role=counts] [data-row="1"][data-column="1"]').first().click();
  await page.waitForFunction((el) => el.textContent === 'Windows that read h', await title.elementHandle());
  assert.match(await page.locator('#explainer padlens-steps').textContent(), /window 1 of 4/);
  // `]` steps to the next window while the focus is in the figure.
  await page.keyboard.press(']');
  await page.waitForFunction((el) => /window 2 of 4/.test(el.textContent), await page.locator('#explainer padlens-steps').elementHandle());
  // A kernel the core refuses: the nearest it can draw, and why.
  await page.locator('#explainer').evaluate((el) => el.setAttribute('kernel', '99'));
  await page.waitForFunction((el) => !el.shadowRoot.querySelector('.embed-note').hidden, await page.locator('#explainer').elementHandle());
  assert.match(await page.locator('#explainer .embed-note').textContent(), /kernel/i);
  assert.deepEqual(log.errors, []);
});

/** Opens `toolbar`'s Embed dialog and returns its two snippets. */
async function embedSnippetsOf(page, toolbar) {
  const share = page.locator(toolbar);
  await share.locator('button[data-action=embed]').click();
  await share.locator('dialog').waitFor({ state: 'visible' });
  const [element, iframe] = await share.locator('textarea').evaluateAll((areas) => areas.map((a) => a.value));
  await page.keyboard.press('Escape');
  return { element, iframe };
}

test('every view\'s Embed button gives the snippets of what is on screen, and the iframe draws it', async () => {
  const site = env.site.origin;
  const cases = [
    // [page, how to wait, toolbar, element expected]
    ['/index.html#arch=resnet50&h=64&w=64&compare=1&b.arch=resnet50&b.h=65&b.w=65', (p) => waitIdle(p), '#map-b padlens-share', '<padlens-map network="resnet50" size="64" compare-size="65"></padlens-map>'],
    ['/explain.html#h=6&w=6&k=3&s=2&d=1&p=1&mode=zeros&px=5,5&step=1', (p) => waitIdle(p), '#share-explain', '<padlens-explainer size="6" kernel="3" stride="2" dilation="1" padding="1" mode="zeros" pixel="5,5" step="1" colormap="viridis"></padlens-explainer>'],
    ['/blindspots.html#demo=detector-zeros-224.onnx&stride=64&compare=1&bmode=reflect', (p) => p.waitForFunction(() => /^\d+ placements in /.test(document.querySelector('#run-status').textContent), null, { timeout: 120000 }), '#share-grid-b', /^<padlens-grid model="detector-zeros-224\.onnx" size="224" padding="reflect" .*stride="64".*><\/padlens-grid>$/],
    ['/model.html#demo=resnet18-narrow.onnx', (p) => p.waitForSelector('#open-explorer[href*="spec="]', { state: 'attached', timeout: 60000 }), '#share-padding', /^<padlens-map spec="\{.*\}" size="224"><\/padlens-map>$/],
    ['/paper.html', (p) => p.waitForFunction(() => document.querySelector('#foveation').dataset.state === 'done', null, { timeout: 60000 }), 'padlens-share[id^=share-]', '<padlens-map network="vgg19" size="512"></padlens-map>'],
  ];
  for (const [address, ready, toolbar, expected] of cases) {
    const { page, log, context } = await openPage(env.browser, site, address);
    await ready(page);
    const { element, iframe } = await embedSnippetsOf(page, `${toolbar} >> nth=0`);
    const [script, tag] = element.split('\n');
    assert.equal(script, `<script type="module" src="${site}/js/embed/padlens-embed.js"></script>`, address);
    if (expected instanceof RegExp) assert.match(tag, expected, address);
    else assert.equal(tag, expected, address);
    // The iframe's address draws the same figure.
    const src = /src="([^"]+)"/.exec(iframe)[1].replace(/&amp;/g, '&');
    const { page: frame } = await openPage(env.browser, site, src.slice(site.length));
    await frame.waitForSelector('[data-status=idle]', { state: 'attached', timeout: 120000 });
    const shown = await frame.locator('padlens-map, padlens-explainer, padlens-grid').evaluate((el) => el.outerHTML.replace(' data-status="idle"', ''));
    assert.equal(shown, tag, `${address}: the iframe shows the element`);
    assert.deepEqual(log.errors, [], address);
    await context.close();
  }
});
