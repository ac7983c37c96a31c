// Compare mode: two configurations side by side and their ratio map.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canvasStats, hoverPixel, mapSize, mapStats, openPage, readSummary, readout, useBrowser, waitIdle } from './harness.mjs';

const env = useBrowser();

test('ResNet-50 at 224 against 225 shows both maps and their ratio', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=resnet50&h=224&w=224');
  await waitIdle(page);
  assert.ok(!(await page.isVisible('#map-ratio')), 'no ratio map outside compare mode');
  await page.check('#compare');
  await waitIdle(page);
  // B starts as a copy of A; make it 225.
  assert.equal(await page.inputValue('#b-arch'), 'resnet50');
  await page.fill('#b-height', '225');
  await waitIdle(page);
  assert.equal(await page.inputValue('#b-width'), '225', 'linked width follows');

  const a = await mapStats(page, '#map-a canvas.map-canvas');
  const ratio = await mapStats(page, '#map-ratio canvas.map-canvas');
  assert.deepEqual(
    [await mapSize(page, '#map-a'), await mapSize(page, '#map-b'), await mapSize(page, '#map-ratio')],
    [[224, 224], [225, 225], [224, 224]],
  );
  assert.ok(ratio.distinct > 20, `the ratio map varies (${ratio.distinct} colours)`);
  assert.notEqual(ratio.hash, a.hash);
  assert.match(await page.textContent('#map-ratio [data-role=caption]'), /common 224×224 region/);
  const bar = await page.$$eval('#map-ratio .tick', (els) => els.map((e) => e.textContent));
  assert.ok(bar.length >= 2, 'the ratio map has a labelled colour bar');

  // 224 is skewed toward the top-left, 225 is symmetric.
  assert.ok(Number((await readSummary(page, 'a')).left_to_right) > 1.5);
  assert.equal((await readSummary(page, 'b')).left_to_right, '1');

  // Hovering the ratio map reads out A ÷ B.
  await hoverPixel(page, '#map-ratio canvas.map-canvas', 112, 112);
  const values = await readout(page, '#map-ratio');
  assert.equal(values['row y'], '112');
  assert.match(values['A ÷ B'], /^\d+(\.\d+)?$/);
  // And each side keeps its own hover readout.
  await hoverPixel(page, '#map-b canvas.map-canvas', 224, 224);
  assert.equal((await readout(page, '#map-b'))['row y'], '224');

  // The hash carries the comparison.
  assert.match(await page.evaluate(() => location.hash), /compare=1.*b\.h=225/);
  await context.close();
});

test('zeros against symmetric padding: the ratio is the zeros map relative to 9^16', async () => {
  const hash = '#arch=vgg19&h=64&w=64&mode=zeros&compare=1&b.arch=vgg19&b.h=64&b.w=64&b.mode=symmetric';
  const { page, context } = await openPage(env.browser, env.origin, `/${hash}`);
  await waitIdle(page);
  const uniform = await mapStats(page, '#map-b canvas.map-canvas');
  assert.equal(uniform.distinct, 1);
  const zerosMax = Number((await readSummary(page, 'a')).maxExact);
  // At the centre of a 64×64 input VGG-19's zero padding is still felt, so the ratio is < 1.
  await hoverPixel(page, '#map-ratio canvas.map-canvas', 32, 32);
  const ratio = Number((await readout(page, '#map-ratio'))['A ÷ B']);
  assert.ok(ratio > 0 && ratio <= zerosMax / 1853020188851841 + 1e-9, `ratio ${ratio}`);
  assert.match(await page.textContent('#map-ratio [data-role=caption]'), /pixel by pixel/);
  await context.close();
});

/** The labels of a map's colour bar, top to bottom. */
const barLabels = (page, map) => page.$$eval(`${map} .tick`, (els) => els.map((e) => e.textContent));

test('A and B share one colour scale by default, and the ratio diverges around 1 on a log scale', async () => {
  const hash = '#arch=resnet50&h=224&w=224&compare=1&b.arch=resnet50&b.h=225&b.w=225&scale=log';
  const { page, context } = await openPage(env.browser, env.origin, `/${hash}`);
  await waitIdle(page);
  // One colour means one value: A spans 4.4e-4…1 of its maximum and B 0.0106…1 of its own;
  // both bars span the union.
  const [a, b] = [await barLabels(page, '#map-a'), await barLabels(page, '#map-b')];
  assert.deepEqual(a, b);
  assert.equal(a.at(-1), '4.4 × 10⁻⁴');
  assert.ok(await page.isChecked('#shared-scale'));

  // Each on its own range: B's bar ends higher.
  await page.uncheck('#shared-scale');
  await waitIdle(page);
  assert.notDeepEqual(await barLabels(page, '#map-b'), a);
  assert.equal((await barLabels(page, '#map-b')).at(-1), '0.0106');
  assert.match(await page.evaluate(() => location.hash), /shared=0/);

  // The ratio: log-symmetric ends (1/m … m), white at 1, one hue above and another below.
  const ratio = await barLabels(page, '#map-ratio');
  const [top, bottom] = [Number(ratio[0]), Number(ratio.at(-1))];
  assert.ok(Math.abs(top * bottom - 1) < 0.02, `ends ${top} and ${bottom}`);
  assert.match(await page.textContent('#map-ratio [data-role=bar-title]'), /log/);
  const bar = await canvasStats(page, '#map-ratio canvas.colorbar-canvas');
  const pixel = (y) => {
    const { data, width } = bar.pixels;
    const i = (Math.floor(y) * width + Math.floor(width / 2)) * 4;
    return [data[i], data[i + 1], data[i + 2]];
  };
  // Inside the bar's 1-px border.
  const [high, middle, low] = [pixel(2), pixel(bar.height / 2), pixel(bar.height - 3)];
  assert.ok(high[2] > high[0], `blue at the top: ${high}`);
  assert.ok(low[0] > low[2], `red at the bottom: ${low}`);
  assert.ok(middle.every((c) => c > 225), `near white at 1: ${middle}`);
  await context.close();
});
