// The paper page as a student meets it: four claims, each figure computed on the page (drawn,
// with its numbers), its controls redraw it, each "open in the tool" link opens the tool in
// the stated state, and a detector that does not load is said, not left blank. The page's
// pure helpers (measures.js) are checked directly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { canvasStats, openPage, useBrowser, waitIdle } from './harness.mjs';
import { bandWidth, borderContrast, cardMetric, detectionCount, downsamplingLayers, lowestIndex, valueRange } from '../../www/js/paper/client/measures.js';

const INDEX = JSON.parse(fs.readFileSync(new URL('../../www/models/index.json', import.meta.url), 'utf8'));

const env = useBrowser();

/** Opens the paper page and waits until every section has finished. */
async function openPaper(viewport) {
  const opened = await openPage(env.browser, env.origin, '/paper.html', viewport);
  await waitIdle(opened.page, 120000);
  return opened;
}

const states = (page) => page.$$eval('section[data-state]', (sections) => Object.fromEntries(sections.map((s) => [s.id, s.dataset.state])));

/** The readout of a map figure (shadow DOM) once it says something. */
async function figureReadout(page, selector) {
  await page.waitForFunction((s) => document.querySelector(s).shadowRoot.querySelector('.readout').textContent !== '', selector);
  return page.$eval(selector, (el) => el.shadowRoot.querySelector('.readout').textContent);
}

/** Opens `href` (relative to the paper page) in a new page of the same browser. */
async function follow(page, selector) {
  const href = await page.getAttribute(selector, 'href');
  assert.ok(href && !href.startsWith('http'), `${selector} links inside padlens: ${href}`);
  return openPage(env.browser, env.origin, `/${href}`);
}

test('the pure helpers: ranges, border contrast, bands, the lowest cell, rates, strided layers, model cards', () => {
  assert.deepEqual(valueRange([3, NaN, -1], [7]), [-1, 7]);
  assert.deepEqual(valueRange([NaN]), [0, 1]);
  // A flat map has no line; a bright ring a positive one; a map without interior none.
  assert.ok(Number.isNaN(borderContrast(new Array(9).fill(2), [3, 3])));
  const ring = [1, 1, 1, 1, 0, 1, 1, 1, 1];
  assert.equal(borderContrast(ring, [3, 3]), 1);
  assert.equal(borderContrast(ring.map((v) => -v), [3, 3]), -1);
  assert.ok(Number.isNaN(borderContrast([1, 2], [1, 2])));
  assert.equal(bandWidth([1, 2, 5, 9, 10], 10), 2);
  assert.equal(bandWidth([1, 2], 10), 2);
  assert.equal(lowestIndex([NaN, 3, 1, 1, 2]), 2);
  assert.equal(lowestIndex([NaN]), -1);
  assert.deepEqual(detectionCount([0.2, 0.5, NaN, 0.9], 0.5), { detected: 2, computed: 3 });
  const layers = [
    { layer: 'a', size: [112, 112] },
    { layer: 'b', size: [112, 112] },
    { layer: 'c', size: [56, 56] },
  ];
  assert.deepEqual([...downsamplingLayers(layers, [224, 224])], ['a', 'c']);
  const card = { metrics: { ap50: 0.5 } };
  assert.deepEqual(cardMetric(card, 'ap50'), { shipped: 0.5, runs: 1, low: 0.5, high: 0.5 });
  assert.equal(cardMetric(card, 'ap75'), null);
  const repeated = { ...card, repeats: [{ ap50: 0.5 }, { ap50: 0.4 }, { ap50: 0.6 }] };
  assert.deepEqual(cardMetric(repeated, 'ap50'), { shipped: 0.5, runs: 3, low: 0.4, high: 0.6 });
});

test('every figure is drawn with its live numbers, offline and without errors', async () => {
  const { page, context, log } = await openPaper();
  assert.deepEqual(await states(page), { foveation: 'done', uneven: 'done', features: 'done', blindspots: 'done' });

  // 1. VGG-19 at 512: a drawn map, its counts, and a pixel's count on hover.
  const foveation = await canvasStats(page, '#foveation-map canvas.map');
  assert.ok(foveation.distinct > 50, `the foveation map has ${foveation.distinct} colours`);
  assert.match(await page.textContent('#foveation-summary'), /^The centre pixel reaches the last feature map in 1\.853 × 10¹⁵ ways; a corner pixel in [\d.]+ × as many\. Along the centre row, a pixel must be \d+ pixels in from the left border/);
  assert.equal(await page.$eval('#foveation-map', (el) => el.dataset.drawn), '512x512');
  const box = await page.locator('#foveation-map canvas.map').boundingBox();
  await page.mouse.move(box.x + box.width / 2 + 0.5, box.y + box.height / 2 + 0.5);
  assert.match(await figureReadout(page, '#foveation-map'), /^row 256, column 256: 1\.85302 × 10¹⁵ paths, 1 × the maximum$/);
  assert.ok((await canvasStats(page, '#foveation-map canvas.colours')).distinct > 50, 'a colour bar');

  // 2. ResNet-50: skewed at 224, balanced at 225 (computed, not pasted).
  for (const size of [224, 225]) assert.ok((await canvasStats(page, `#uneven-${size} canvas.map`)).distinct > 20);
  const rows = await page.$$eval('#uneven-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.equal(rows.length, 2);
  assert.equal(rows[0][0], '224×224');
  assert.ok(Number(rows[0][1]) > 1.5 && Number(rows[0][2]) > 1.5, `224 leans top-left: ${rows[0]}`);
  assert.deepEqual(rows[1].slice(0, 3), ['225×225', '1', '1']);
  // The detectors' mean filters at their three stride-2 layers, with their ratios and hover.
  const filterRows = await page.$$eval('#filters .filter-row', (divs) => divs.map((d) => [d.querySelector('h4').textContent, d.querySelectorAll('padlens-map-figure').length]));
  assert.deepEqual(filterRows, [['zero padding, 224', 3], ['zero padding, 225', 3], ['mirror padding, 224', 3]]);
  const captions = await page.$$eval('#filters padlens-map-figure', (els) => els.map((el) => el.shadowRoot.querySelector('figcaption').textContent));
  for (const caption of captions) assert.match(caption, /^stride-2 layer \d \(.+\): left ÷ right [\d.]+, top ÷ bottom [\d.]+$/);
  for (let i = 0; i < captions.length; i++) {
    const drawn = await canvasStats(page, `#filters padlens-map-figure >> nth=${i} >> canvas.map`);
    assert.ok(drawn.distinct >= 3, `filter ${i} is drawn (${drawn.distinct} colours)`);
  }
  await page.locator('#filters padlens-map-figure canvas.map').first().focus();
  await page.keyboard.press('ArrowUp');
  assert.match(await figureReadout(page, '#filters padlens-map-figure'), /^row 1, column 1: −?[\d.]+/);

  // 3. Mean feature maps of both detectors on one scale, with the border's contrast.
  for (const side of ['zeros', 'mirror']) assert.ok((await canvasStats(page, `#features-${side} canvas.map`)).distinct > 20, side);
  assert.match(await page.textContent('#features-status'), /^16 random inputs, seed 0\.$/);
  assert.match(await page.textContent('#features-summary'), /zero padding, 224: −?[\d.]+%, mirror padding, 224: −?[\d.]+%\.$/);
  assert.ok((await page.$$eval('#features-layer option', (o) => o.length)) >= 7);

  // 4. Both grids, their rates, the shift experiment at the lowest cell, the AP table.
  for (const view of ['#grid-zeros', '#grid-mirror']) assert.ok((await canvasStats(page, `${view} canvas.map`)).distinct > 50, view);
  const rates = await page.$$eval('#rates p', (ps) => ps.map((p) => p.textContent));
  assert.equal(rates.length, 2);
  for (const rate of rates) assert.match(rate, /: detection rate [\d.]+% — \d+ of 729 placements score ≥ 0\.5$/);
  assert.match(await page.textContent('#shift-summary'), /lowest score is at y \d+, x \d+: [\d.]+ \((detected|missed)\)\. Share of shifts of 1–16 px at which it is detected: up [\d.]+%/);
  assert.equal(await page.$$eval('#shift-chart svg[role=img]', (s) => s.length), 1);
  const cards = INDEX.models.filter((m) => m.card).length;
  const ap = await page.$$eval('#ap-ours tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  assert.equal(ap.length, cards);
  for (const row of ap) for (const cell of row) assert.match(cell, /^[\d.]+%/);
  assert.match(await page.textContent('#ap-table .quoted'), /80\.24%.*49\.58%.*3\.7%.*83\.20%.*57%.*8\.44%/s);

  assert.deepEqual(log.errors, []);
  assert.deepEqual(log.console.filter((m) => m.type === 'error'), []);
  assert.ok(log.requests.every((url) => url.startsWith(env.origin)), 'nothing is fetched from elsewhere');
  await context.close();
});

test('the controls redraw their figure and keep its link in step', async () => {
  const { page, context, log } = await openPaper();
  const before = await canvasStats(page, '#foveation-map canvas.map');
  await page.selectOption('#foveation-mode', 'symmetric');
  await page.waitForFunction(() => document.querySelector('#foveation').dataset.state === 'done' && document.querySelector('#foveation-link').href.includes('mode=symmetric'));
  // VGG-19 under symmetric padding is uniform (definitions.md §3): corners as used as the centre.
  assert.match(await page.textContent('#foveation-summary'), /a corner pixel in 1 × as many\. Along the centre row, a pixel must be 0 pixels in/);
  assert.notEqual((await canvasStats(page, '#foveation-map canvas.map')).hash, before.hash);
  // A new seed computes new mean feature maps, and the Model page link follows.
  await page.fill('#features-seed', '3');
  await page.click('#features-run');
  await page.waitForFunction(() => document.querySelector('#features-status').textContent === '16 random inputs, seed 3.');
  assert.match(await page.getAttribute('#features-link', 'href'), /seed=3/);
  // A coarser grid: fewer placements, and the Blind spots link says so.
  await page.fill('#blindspots-stride', '16');
  await page.dispatchEvent('#blindspots-stride', 'change');
  await page.waitForFunction(() => document.querySelector('#blindspots').dataset.state === 'done' && document.querySelector('#blindspots-link').href.includes('stride=16'), null, { timeout: 60000 });
  for (const rate of await page.$$eval('#rates p', (ps) => ps.map((p) => p.textContent))) assert.match(rate, /of 196 placements/);
  // A click on a cell of the zero-padded grid runs the shift experiment there.
  await page.$eval('#grid-zeros', (el) => {
    const canvas = el.shadowRoot.querySelector('canvas.map');
    const rect = canvas.getBoundingClientRect();
    const scale = rect.width / 224; // the centre of cell (0, 0): a 16 px light at y 0, x 0
    canvas.dispatchEvent(new PointerEvent('click', { clientX: rect.left + 8 * scale, clientY: rect.top + 8 * scale, bubbles: true }));
  });
  await page.waitForFunction(() => /at the cell you chose, scores at y 0, x 0: [\d.]+/.test(document.querySelector('#shift-summary').textContent), null, { timeout: 60000 });
  assert.match(await page.getAttribute('#blindspots-link', 'href'), /shift=0%2C0/);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('each "open in the tool" link opens the tool in the stated state', async () => {
  const { page, context } = await openPaper();

  const explorer = await follow(page, '#foveation-link');
  await waitIdle(explorer.page, 60000);
  assert.equal(await explorer.page.inputValue('#a-arch'), 'vgg19');
  assert.equal(await explorer.page.inputValue('#a-height'), '512');
  assert.equal(await explorer.page.inputValue('#a-width'), '512');
  assert.equal(await explorer.page.inputValue('#a-mode'), '');
  await explorer.context.close();

  const compare = await follow(page, '#uneven-link');
  await waitIdle(compare.page, 60000);
  assert.equal(await compare.page.isChecked('#compare'), true);
  assert.deepEqual(
    await Promise.all(['#a-arch', '#a-height', '#b-arch', '#b-height'].map((s) => compare.page.inputValue(s))),
    ['resnet50', '224', 'resnet50', '225'],
  );
  await compare.context.close();

  const filters = await page.$$eval('#filters .open-tool', (links) => links.map((a) => a.getAttribute('href')));
  assert.deepEqual(filters, ['detector-zeros-224.onnx', 'detector-zeros-225.onnx', 'detector-mirror-224.onnx'].map((f) => `model.html#demo=${f}`));

  const model = await follow(page, '#features-link');
  await model.page.waitForFunction(() => /^16 random inputs, seed 0\./.test(document.querySelector('#features-status').textContent), null, { timeout: 60000 });
  assert.equal(await model.page.inputValue('#demo'), 'detector-zeros-224.onnx');
  assert.ok((await model.page.$$eval('#feature-grid figure', (f) => f.length)) >= 7);
  assert.match(await model.page.evaluate(() => location.hash), /demo=detector-zeros-224\.onnx&features=1&samples=16&seed=0/);
  assert.deepEqual(model.log.errors, []);
  await model.context.close();

  const blind = await follow(page, '#blindspots-link');
  await blind.page.waitForFunction(() => /^\d+ placements in /.test(document.querySelector('#run-status').textContent), null, { timeout: 120000 });
  const controls = ['#demo', '#compare-demo', '#background', '#background-bundled', '#stimulus', '#stimulus-size', '#stride', '#score-kind', '#threshold'];
  assert.deepEqual(await Promise.all(controls.map((s) => blind.page.inputValue(s))), [
    'detector-zeros-224.onnx', 'detector-mirror-224.onnx', 'image', 'street-scene.png', 'traffic-light', '16', '8', 'heatmap', '0.5',
  ]);
  assert.equal(await blind.page.isChecked('#compare'), true);
  // The shift experiment opens at the cell the paper page shifted.
  const [, y, x] = /lowest score is at y (\d+), x (\d+)/.exec(await page.textContent('#shift-summary'));
  await blind.page.waitForFunction((text) => document.querySelector('#shift-status').textContent.startsWith(text), `Stimulus at y ${y}, x ${x}`, { timeout: 60000 });
  assert.deepEqual(blind.log.errors, []);
  await blind.context.close();
  await context.close();
});

test('a detector that does not load is said in every figure that needs it', async () => {
  const { page, context, log } = await openPage(env.browser, env.origin, '/about:blank');
  await page.route('**/models/detector-mirror-224.onnx', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto(`${env.origin}/paper.html`);
  await waitIdle(page, 120000);
  const sections = await states(page);
  assert.equal(sections.foveation, 'done');
  assert.equal(sections.uneven, 'failed');
  assert.equal(sections.features, 'failed');
  assert.equal(sections.blindspots, 'failed');
  assert.match(await page.textContent('#filters .filter-row:last-child .error'), /detector-mirror-224\.onnx: Could not load detector-mirror-224\.onnx \(404\)/);
  assert.match(await page.textContent('#features-error'), /Could not load detector-mirror-224\.onnx \(404\)/);
  assert.match(await page.textContent('#blindspots-error'), /Could not load detector-mirror-224\.onnx \(404\)/);
  for (const id of ['#features-error', '#blindspots-error']) assert.equal(await page.isVisible(id), true);
  assert.deepEqual(log.errors, []);
  await context.close();
});
