// The page loads cleanly and draws what the core computes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canvasStats, hoverPixel, openPage, readSummary, readout, useBrowser, waitIdle } from './harness.mjs';

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
  assert.ok(log.requests.some((url) => url.endsWith('/js/worker.js')), 'the worker script was recorded');
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
  const map = await canvasStats(page, '#map-a canvas.map-canvas');
  assert.equal(map.width, 224);
  assert.equal(map.height, 224);
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
  const map = await canvasStats(page, '#map-a canvas.map-canvas');
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
  const map = await canvasStats(page, '#map-a canvas.map-canvas');
  assert.deepEqual([map.height, map.width], [239, 239]);
  assert.equal(await page.inputValue('#a-width'), '239', 'linked width follows');
  const summary = await readSummary(page);
  assert.equal(summary.size, '239 × 239');
  await context.close();
});
