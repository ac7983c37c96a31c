// The page loads cleanly and draws what the core computes: at integer scales, with zoom and
// pan down to single pixels and the readout following, on a desktop and on a phone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canvasStats, hoverPixel, mapSize, mapStats, openPage, pixelPoint, readSummary, readout, useBrowser, waitIdle } from './harness.mjs';

const env = useBrowser();

const VGG19_ZEROS = '#arch=vgg19&h=224&w=224&link=1&mode=zeros&ref=max&scale=linear&cmap=viridis';
const NINE_TO_THE_16 = '1853020188851841'; // 9^16: every pixel of VGG-19 under symmetric padding

test('the page loads without console errors or warnings and fetches only from 127.0.0.1', async () => {
  const { page, log, context } = await openPage(env.browser, env.origin, '/');
  await waitIdle(page);
  // Exercise the worker and the custom elements a little before judging the log.
  await page.check('#compare');
  await waitIdle(page);
  await page.hover('#map-a canvas');
  assert.ok(await page.isHidden('#fatal'), 'the engine started');
  assert.match(await page.textContent('#map-b [data-role=caption]'), /^vgg19 · 224×224/, 'maps were drawn');
  const problems = log.console.filter((m) => m.type === 'error' || m.type === 'warning');
  assert.deepEqual(problems, [], 'console errors or warnings');
  assert.deepEqual(log.errors, [], 'uncaught page errors');
  const outside = log.requests.filter((url) => new URL(url).origin !== env.origin);
  assert.deepEqual(outside, [], 'requests leaving 127.0.0.1');
  // The recording must see the worker's requests too, or the check above proves nothing.
  assert.ok(log.requests.some((url) => url.endsWith('/pkg/padlens_bg.wasm')), 'the WASM fetch was recorded');
  assert.ok(log.requests.some((url) => url.endsWith('/js/explorer/worker/map-worker.js')), 'the map worker was recorded');
  assert.ok(log.requests.some((url) => url.endsWith('/js/analysis/worker/analysis-worker.js')), 'the analysis worker was recorded');
  await context.close();
});

test('every control has a label', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/');
  await waitIdle(page);
  const unlabelled = await page.$$eval('input, select, textarea, button, [tabindex]', (els) =>
    els
      .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent.trim())))
      .map((el) => el.outerHTML.slice(0, 100)),
  );
  assert.deepEqual(unlabelled, []);
  await context.close();
});

test('the map is drawn: VGG-19 at 224 with zeros padding is varied', async () => {
  const { page, context } = await openPage(env.browser, env.origin, `/${VGG19_ZEROS}`);
  await waitIdle(page);
  assert.deepEqual(await mapSize(page, '#map-a'), [224, 224]);
  const map = await mapStats(page, '#map-a canvas.map-canvas');
  assert.ok(map.distinct > 50, `a foveated map has many colours, got ${map.distinct}`);
  const bar = await canvasStats(page, '#map-a canvas.colorbar-canvas');
  assert.ok(bar.distinct > 50, 'the colour bar is a gradient');
  // The colour bar is labelled with numbers, its ends with the map's range.
  const ticks = await page.$$eval('#map-a .tick', (els) => els.map((e) => e.textContent));
  assert.ok(ticks.length >= 3, `colour bar labels: ${ticks}`);
  assert.equal(ticks[0], '1');
  const summary = await readSummary(page);
  assert.equal(summary.size, '224 × 224');
  assert.equal(summary.left_to_right, '1');
  assert.ok(Number(summary.corner_to_centre) < 0.01, `corner ÷ centre ${summary.corner_to_centre}`);
  // The profiles are drawn.
  const path = await page.$eval('#profile-row path.series', (p) => p.getAttribute('d'));
  assert.ok(path.split('L').length > 200, 'the row profile has a point per column');
  await context.close();
});

test('switching VGG-19 to symmetric padding gives a uniform map', async () => {
  const { page, context } = await openPage(env.browser, env.origin, `/${VGG19_ZEROS}`);
  await waitIdle(page);
  await page.selectOption('#a-mode', 'symmetric');
  await waitIdle(page);
  const map = await mapStats(page, '#map-a canvas.map-canvas');
  assert.equal(map.distinct, 1, 'every pixel the same colour');
  const summary = await readSummary(page);
  assert.equal(summary.min, summary.max);
  assert.equal(summary.minExact, NINE_TO_THE_16);
  assert.equal(summary.corner_to_centre, '1');
  await context.close();
});

test('hovering the map reads out coordinates and raw counts', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=vgg19&h=224&w=224&mode=symmetric');
  await waitIdle(page);
  await hoverPixel(page, '#map-a canvas.map-canvas', 100, 37);
  let values = await readout(page, '#map-a');
  assert.equal(values['row y'], '100');
  assert.equal(values['column x'], '37');
  assert.match(values['raw count'], new RegExp(`^${NINE_TO_THE_16}\\b`));
  assert.equal(values['÷ max'], '1');

  // Under zeros padding the corner is the least used pixel: the readout agrees with the summary.
  await page.selectOption('#a-mode', 'zeros');
  await waitIdle(page);
  await hoverPixel(page, '#map-a canvas.map-canvas', 0, 0);
  values = await readout(page, '#map-a');
  const summary = await readSummary(page);
  assert.equal(values['row y'], '0');
  assert.equal(values['column x'], '0');
  assert.ok(values['raw count'].startsWith(summary.minExact), `${values['raw count']} vs min ${summary.minExact}`);

  // A 1×3 convolution with stride 2 along the width, worked out by hand (definitions.md §1): on a
  // width of 7 with one pixel of padding each side its windows start at −1, 1, 3, 5, so odd
  // columns are read twice and even columns once, on every row.
  const spec = '{"name": "stripes", "layers": [{"type": "conv", "kernel": [1, 3], "stride": [1, 2], "padding": [0, 1]}]}';
  await page.goto(`${env.origin}/#arch=custom&spec=${encodeURIComponent(spec)}&h=5&w=7`);
  await waitIdle(page);
  for (const [y, x, count] of [[2, 1, '2'], [2, 2, '1'], [4, 6, '1'], [0, 5, '2'], [3, 0, '1']]) {
    await hoverPixel(page, '#map-a canvas.map-canvas', y, x);
    values = await readout(page, '#map-a');
    assert.deepEqual([values['row y'], values['column x'], values['raw count']], [String(y), String(x), count]);
  }

  // The keyboard moves the same cursor.
  await page.focus('#map-a canvas.map-canvas');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Shift+ArrowRight');
  values = await readout(page, '#map-a');
  assert.deepEqual([values['row y'], values['column x'], values['raw count']], ['4', '6', '1']);
  await context.close();
});

test('dragging the size slider shows the last size, not a queue of stale ones', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=resnet50&h=224&w=224');
  await waitIdle(page);
  // Forty input events in one task, as a fast drag would send them.
  await page.$eval('#a-height-range', (slider) => {
    for (let size = 200; size < 240; size++) {
      slider.value = String(size);
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    }
  });
  await waitIdle(page);
  assert.deepEqual(await mapSize(page, '#map-a'), [239, 239]);
  assert.equal(await page.inputValue('#a-width'), '239', 'linked width follows');
  const summary = await readSummary(page);
  assert.equal(summary.size, '239 × 239');
  await context.close();
});

/** The viewport the worker drew a map's canvas at (device pixels). */
const viewportOf = async (page, map = '#map-a') => JSON.parse(await page.$eval(`${map} canvas.map-canvas`, (c) => c.dataset.viewport));

test('maps are drawn at an integer scale: ResNet-50’s stride grid has even stripes', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=resnet50&h=224&w=224', { width: 1500, height: 1000 });
  await waitIdle(page);
  const viewport = await viewportOf(page);
  assert.ok(Number.isInteger(viewport.zoom) && viewport.zoom >= 2, `zoom ${viewport.zoom}`);
  const css = await page.$eval('#map-a canvas.map-canvas', (c) => c.getBoundingClientRect().width);
  assert.equal(css, viewport.width, 'the canvas is shown at its own size (device pixel ratio 1)');
  // Every map pixel covers k × k screen pixels: along the centre row, each run of one colour
  // is a multiple of k wide (a non-integer scale made runs of k and k + 1).
  const stats = await mapStats(page, '#map-a canvas.map-canvas');
  assert.equal(stats.width, 224 * viewport.zoom, 'the map is drawn at k screen pixels per map pixel');
  const { data, width } = stats.pixels;
  const y = Math.floor(stats.height / 2);
  const runs = [];
  let run = 1;
  for (let x = 1; x < width; x++) {
    const [i, j] = [(y * width + x) * 4, (y * width + x - 1) * 4];
    if (data[i] === data[j] && data[i + 1] === data[j + 1] && data[i + 2] === data[j + 2]) run++;
    else {
      runs.push(run);
      run = 1;
    }
  }
  // The first and last runs may be cut by the clip; the rest are whole map pixels.
  assert.ok(runs.length > 20);
  assert.ok(runs.slice(1, -1).every((r) => r % viewport.zoom === 0), `runs ${runs.slice(0, 30)}`);
  await context.close();
});

test('zoom and pan go down to single pixels, and the readout follows', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=vgg19&h=512&w=512&mode=zeros');
  await waitIdle(page);
  const fit = await viewportOf(page);
  assert.equal(fit.zoom, -2, 'a 512² map in a panel of about 400 px is shown 1:2, each screen pixel the mean of 2 × 2');
  assert.match(await page.textContent('#map-a .zoom-level'), /fit 1:2/);

  // The wheel zooms in around the pointer: once the map outgrows the panel, the pixel under
  // the pointer stays under it.
  const wheel = async () => {
    const zoom = (await viewportOf(page)).zoom;
    await page.mouse.wheel(0, -100);
    await page.waitForFunction((z) => JSON.parse(document.querySelector('#map-a canvas.map-canvas').dataset.viewport).zoom !== z, zoom);
  };
  const start = await pixelPoint(page, '#map-a canvas.map-canvas', 200, 250);
  await page.mouse.move(start.x, start.y);
  await wheel();
  await wheel();
  assert.equal((await viewportOf(page)).zoom, 2, '1:2 → 1:1 → 2:1');
  let values = await readout(page, '#map-a');
  const under = [values['row y'], values['column x']];
  await wheel();
  assert.equal((await viewportOf(page)).zoom, 3);
  values = await readout(page, '#map-a');
  assert.deepEqual([values['row y'], values['column x']], under, 'the same pixel under the pointer');

  // The keyboard: + zooms in to single pixels, the cursor walks, the view follows it.
  await page.focus('#map-a canvas.map-canvas');
  for (let i = 0; i < 6; i++) await page.keyboard.press('+');
  await page.waitForFunction(() => JSON.parse(document.querySelector('#map-a canvas.map-canvas').dataset.viewport).zoom >= 12);
  const close = await viewportOf(page);
  for (let i = 0; i < 10; i++) await page.keyboard.press('Shift+ArrowRight');
  values = await readout(page, '#map-a');
  const column = Number(values['column x']);
  await page.waitForFunction((z) => {
    const v = JSON.parse(document.querySelector('#map-a canvas.map-canvas').dataset.viewport);
    return v.zoom === z;
  }, close.zoom);
  const followed = await viewportOf(page);
  const left = followed.offset[1] + column * followed.zoom;
  assert.ok(left >= 0 && left + followed.zoom <= followed.width, `the cursor's pixel (column ${column}) is in view`);
  assert.match(values['raw count'], /^\d+/);

  // Dragging pans; 0 fits the whole map again.
  const box = await page.locator('#map-a canvas.map-canvas').boundingBox();
  await page.mouse.move(box.x + 100, box.y + 100);
  await page.mouse.down();
  await page.mouse.move(box.x + 160, box.y + 140, { steps: 4 });
  await page.mouse.up();
  await page.waitForFunction((o) => JSON.parse(document.querySelector('#map-a canvas.map-canvas').dataset.viewport).offset[1] !== o, followed.offset[1]);
  const panned = await viewportOf(page);
  assert.ok(panned.offset[1] > followed.offset[1], 'dragging right shows what lies to the left');
  await page.focus('#map-a canvas.map-canvas');
  await page.keyboard.press('0');
  await page.waitForFunction(() => JSON.parse(document.querySelector('#map-a canvas.map-canvas').dataset.viewport).zoom === -2);
  await context.close();
});

test('a 4096² map is averaged to fit, and zooms to 1:1', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=resnet18&h=4096&w=4096');
  await waitIdle(page, 60000);
  const fit = await viewportOf(page);
  assert.ok(fit.zoom <= -8, `shrunk by an integer factor: ${fit.zoom}`);
  assert.equal((await mapStats(page, '#map-a canvas.map-canvas')).width, Math.ceil(4096 / -fit.zoom));
  await page.click('#map-a [data-zoom="1"]');
  await page.waitForFunction((z) => JSON.parse(document.querySelector('#map-a canvas.map-canvas').dataset.viewport).zoom > z, fit.zoom);
  const steps = 8;
  for (let i = 0; i < steps; i++) {
    if ((await viewportOf(page)).zoom >= 1) break;
    const z = (await viewportOf(page)).zoom;
    await page.click('#map-a [data-zoom="1"]');
    await page.waitForFunction((zz) => JSON.parse(document.querySelector('#map-a canvas.map-canvas').dataset.viewport).zoom > zz, z);
  }
  assert.equal((await viewportOf(page)).zoom, 1, 'down to one map pixel per screen pixel');
  await context.close();
});

test('a tap on a phone reads the pixel under the finger', async () => {
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 });
  const page = await context.newPage();
  await page.goto(`${env.origin}/#arch=resnet50&h=224&w=224`);
  await waitIdle(page);
  // The map comes first on a phone, above the controls.
  const mapTop = (await page.locator('#map-a canvas.map-canvas').boundingBox()).y;
  const controlsTop = (await page.locator('#panel-a').boundingBox()).y;
  assert.ok(mapTop < 844 && mapTop < controlsTop, `map at ${mapTop}, controls at ${controlsTop}`);
  // Near the top-left corner (it once read row 112, column 112: the focus put the cursor in
  // the middle).
  const point = await pixelPoint(page, '#map-a canvas.map-canvas', 3, 5);
  await page.touchscreen.tap(point.x, point.y);
  const values = await readout(page, '#map-a');
  assert.deepEqual([values['row y'], values['column x']], ['3', '5']);
  await context.close();
});

test('a deep custom network shows finite counts, as mantissa × 10^e', async () => {
  const spec = JSON.stringify({ name: 'deep', layers: Array.from({ length: 2000 }, () => ({ type: 'conv', kernel: 3, padding: 1 })) });
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=custom&h=16&w=16');
  await waitIdle(page);
  await page.fill('#a-spec', spec);
  await waitIdle(page);
  const summary = await readSummary(page);
  for (const field of ['centre', 'min', 'max']) {
    assert.match(summary[field], /^\d\.\d{3} × 10[⁰¹²³⁴⁵⁶⁷⁸⁹]+$/, `${field}: ${summary[field]}`);
  }
  await hoverPixel(page, '#map-a canvas.map-canvas', 8, 8);
  assert.doesNotMatch((await readout(page, '#map-a'))['raw count'], /∞/);
  await context.close();
});

