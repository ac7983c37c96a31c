// A link reproduces its view; bad input explains itself and never loses the last map.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorText, mapSize, mapStats, openPage, readSummary, useBrowser, waitIdle } from './harness.mjs';

const env = useBrowser();

const CONTROLS = ['#a-arch', '#a-height', '#a-width', '#a-mode', '#a-depth'];

async function controlValues(page) {
  const values = {};
  for (const selector of CONTROLS) values[selector] = await page.inputValue(selector);
  for (const name of ['reference', 'scale', 'colormap']) {
    values[name] = await page.$eval(`input[name=${name}]:checked`, (input) => input.value);
  }
  values.link = await page.getAttribute('#config-a [data-control=link]', 'aria-pressed');
  return values;
}

test('the URL hash reproduces the view', async () => {
  const first = await openPage(env.browser, env.origin, '/');
  const page = first.page;
  await waitIdle(page);
  await page.selectOption('#a-arch', 'resnet50');
  await page.click('#config-a [data-control=link]'); // unlink, then set different sides
  await page.fill('#a-height', '225');
  await page.fill('#a-width', '240');
  await page.selectOption('#a-mode', 'reflect');
  await waitIdle(page);
  await page.$eval('#a-depth', (slider) => {
    slider.value = '9';
    slider.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.check('#scale-log', { force: true });
  await page.check('#colormap-magma', { force: true });
  await page.check('#reference-centre', { force: true });
  await waitIdle(page);
  const hash = await page.evaluate(() => location.hash);
  const values = await controlValues(page);
  const summary = await readSummary(page);
  const map = await mapStats(page, '#map-a canvas.map-canvas');
  assert.equal(values['#a-depth'], '9');
  assert.equal(values.link, 'false');
  assert.deepEqual(await mapSize(page, '#map-a'), [225, 240]);

  const second = await openPage(env.browser, env.origin, `/${hash}`);
  await waitIdle(second.page);
  assert.deepEqual(await controlValues(second.page), values);
  assert.deepEqual(await readSummary(second.page), summary);
  assert.deepEqual(await mapStats(second.page, '#map-a canvas.map-canvas'), map);
  assert.match(await second.page.textContent('#a-depth-text'), /first 9 of 19 layers, through layer2\.3/);
  await first.context.close();
  await second.context.close();
});

test('the URL hash reproduces a custom spec and compare mode', async () => {
  const spec = '{"name": "pair", "layers": [{"type": "conv", "kernel": 3, "stride": 2, "padding": 1}, {"type": "conv", "kernel": 3, "padding": 1}]}';
  const hash = `#arch=custom&spec=${encodeURIComponent(spec)}&h=16&w=16&compare=1&b.arch=vgg11&b.h=32&b.w=32`;
  const { page, context } = await openPage(env.browser, env.origin, `/${hash}`);
  await waitIdle(page);
  assert.equal(await page.inputValue('#a-spec'), spec);
  assert.equal(await page.inputValue('#b-arch'), 'vgg11');
  assert.equal(await page.inputValue('#b-height'), '32');
  assert.match(await page.textContent('#map-a [data-role=caption]'), /^pair · 16×16/);
  assert.equal((await readSummary(page, 'b')).size, '32 × 32');
  assert.ok(await page.isVisible('#map-ratio canvas'));
  await context.close();
});

test('bad input shows its message beside the controls and keeps the last map', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=vgg19&h=224&w=224&mode=zeros');
  await waitIdle(page);
  const good = await mapStats(page, '#map-a canvas.map-canvas');
  const goodSummary = await readSummary(page);
  assert.equal(await errorText(page), '');

  // (name, action, message, the control marked invalid: from the core's error `subject`)
  const cases = [
    ['size 0', async () => page.fill('#a-height', '0'), /at least 1 pixel/, '#a-height'],
    // Too small: the message says the smallest size that works, and which layer refuses.
    ['a size that leaves a layer empty', async () => page.fill('#a-height', '8'), /`vgg19` needs an input of at least 32×32 pixels, got 8×8 \(layer `features\.\d+`, height axis: .*larger than the padded input/, '#a-height'],
    ['reflect wider than the input', async () => {
      await page.selectOption('#a-mode', 'reflect');
      await page.fill('#a-height', '1');
    }, /at least 32×32 pixels, got 1×1 \(layer `features\.0`, height axis: reflect padding .* needs an input of more than 1 pixels, got 1/, '#a-height'],
    ['a size too large for memory', async () => {
      await page.selectOption('#a-mode', 'zeros');
      await page.fill('#a-height', '100000');
    }, /100000×100000 would need about \d+ MiB/, '#a-height'],
    ['not a number', async () => page.fill('#a-height', ''), /whole number of pixels/, '#a-height'],
  ];
  const invalidControls = () =>
    page.$$eval('#config-a [aria-invalid]', (controls) => controls.map((c) => `#${c.id}`));
  const expectError = async (name, message, map, summary, culprit) => {
    await waitIdle(page);
    assert.match(await errorText(page), message, name);
    assert.ok((await invalidControls()).includes(culprit), `${name}: ${culprit} is marked invalid`);
    assert.equal(await page.getAttribute('#config-a [data-role=error]', 'role'), 'alert');
    assert.ok(await page.isVisible('#map-a [data-role=stale]'), `${name}: the map is marked as not updated`);
    assert.deepEqual(await mapStats(page, '#map-a canvas.map-canvas'), map, `${name}: the last map stays`);
    assert.deepEqual(await readSummary(page), summary, `${name}: the last summary stays`);
  };
  for (const [name, act, message, culprit] of cases) {
    await act();
    await expectError(name, message, good, goodSummary, culprit);
  }

  // A custom network starts from a valid example; breaking its JSON keeps that map.
  await page.fill('#a-height', '224');
  await page.selectOption('#a-arch', 'custom');
  await waitIdle(page);
  assert.equal(await errorText(page), '');
  const example = await mapStats(page, '#map-a canvas.map-canvas');
  const exampleSummary = await readSummary(page);
  await page.fill('#a-spec', '{"layers": [{"type": "conv", "kernel": }]}');
  await expectError('a malformed spec', /^network spec: the JSON is malformed at line 1, column \d+: /, example, exampleSummary, '#a-spec');
  assert.ok(!(await invalidControls()).includes('#a-height'), 'a spec error does not blame the size');

  // Valid padding makes ResNet's residual branches disagree: the padding is at fault, not the
  // size (the message names a block, so wording alone would blame the size).
  await page.selectOption('#a-arch', 'resnet50');
  await waitIdle(page);
  const resnet = await mapStats(page, '#map-a canvas.map-canvas');
  const resnetSummary = await readSummary(page);
  await page.selectOption('#a-mode', 'valid');
  await expectError('valid padding on ResNet', /block `layer1\.0`: its branches disagree/, resnet, resnetSummary, '#a-mode');
  assert.ok(!(await invalidControls()).includes('#a-height'), 'a padding error does not blame the size');
  await page.selectOption('#a-mode', 'zeros');

  // Fixing the input clears the message and draws the new map.
  await page.selectOption('#a-arch', 'vgg11');
  await waitIdle(page);
  assert.equal(await errorText(page), '');
  assert.ok(!(await page.isVisible('#map-a [data-role=stale]')));
  assert.notDeepEqual(await mapStats(page, '#map-a canvas.map-canvas'), good);
  await context.close();
});
