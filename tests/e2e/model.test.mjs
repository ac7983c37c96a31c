// The Model page as a new user meets it: a bundled demo opens by itself with its summary, a
// forward pass and its mean filters; mean feature maps compute with progress, beside a
// swapped padding, answer hover and can be cancelled; a broken file says what is wrong.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { openPage, useBrowser, waitIdle } from './harness.mjs';

const BAD = new URL('../onnx/bad/', import.meta.url);

const env = useBrowser();

async function openDemo(viewport) {
  const opened = await openPage(env.browser, env.origin, '/model.html', viewport);
  await waitIdle(opened.page, 60000);
  await opened.page.waitForSelector('#summary table');
  await opened.page.waitForSelector('#top-outputs tbody tr');
  return opened;
}

/** The summary's value in the row labelled `label`. */
const summaryRow = (page, label) =>
  page.evaluate((l) => [...document.querySelectorAll('#summary th')].find((th) => th.textContent === l)?.nextElementSibling.textContent, label);

test('a demo opens with its summary, a forward pass and its mean filters', async () => {
  const { page, context, log } = await openDemo();
  assert.equal(await summaryRow(page, 'Input'), 'input: 1×3×224×224');
  assert.equal(await summaryRow(page, 'Conv layers'), '20');
  assert.match(await summaryRow(page, 'Multiply-adds'), /^[\d.]+ M per image$/);
  assert.equal(await page.$$eval('#top-outputs tbody tr', (rows) => rows.length), 5);
  const probabilities = await page.$$eval('#top-outputs tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
  assert.ok(probabilities.every((p) => /%$/.test(p)), probabilities.join());
  // ResNet-18: the 7×7 stem and sixteen 3×3 convs; the 1×1 downsamples have no mean filter.
  assert.equal(await page.$$eval('#filter-grid figure', (f) => f.length), 17);
  assert.match(await page.textContent('#filter-grid figcaption'), /^\/conv1\/Conv · 7×7 · left÷right [\d.]+ · top÷bottom [\d.]+$/);
  await page.hover('#filter-grid canvas');
  assert.match(await page.textContent('#filter-readout'), /^\/conv1\/Conv: row 3, column 3 = −?[\d.]+/);
  assert.deepEqual(log.errors, []);
  assert.ok(log.requests.every((url) => url.startsWith(env.origin)), 'nothing is fetched from elsewhere');
  await context.close();
});

test("the model's layer graph: its utilization map, uneven report, and the explorer on it", async () => {
  const { page, context, log } = await openDemo();
  // ResNet-18 at 224 is uneven where it down-samples, as the zoo's resnet18 is.
  await page.waitForFunction(() => /8 of 21 layers/.test(document.querySelector('#padding-body').textContent));
  assert.deepEqual(await page.$eval('#utilization', (c) => [c.height, c.width]), [224, 224]);
  assert.match(await page.textContent('#utilization-caption'), /^224×224: corners ÷ centre [\d.]+, left ÷ right [\d.]+, top ÷ bottom [\d.]+$/);
  await page.locator('#utilization').scrollIntoViewIfNeeded();
  const box = await page.locator('#utilization').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction(() => /^row 112, column 112: [\d.]+/.test(document.querySelector('#utilization-readout').textContent));
  // The explorer opens the projection as a custom spec, at the same size.
  const href = await page.getAttribute('#open-explorer', 'href');
  await page.goto(`${env.origin}/${href}`);
  await waitIdle(page, 60000);
  const caption = await page.textContent('#map-a [data-role=caption]');
  assert.match(caption, /ResNet-18 \(narrow, untrained\).*224\s*×\s*224/);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('a swapped padding is labelled as such, and changes the outputs', async () => {
  const { page, context } = await openDemo();
  const own = await page.textContent('#top-outputs tbody');
  await page.selectOption('#mode', 'reflect');
  await page.waitForFunction(() => document.querySelector('#forward-label').textContent.includes('same weights, padding swapped at inference'));
  assert.notEqual(await page.textContent('#top-outputs tbody'), own);
  await context.close();
});

test('mean feature maps: own and swapped side by side, hover, cancel and compute again', async () => {
  const { page, context, log } = await openDemo();
  await page.fill('#samples', '3');
  await page.click('#features-run');
  await page.waitForFunction(() => document.querySelector('#features-status').textContent.startsWith('3 random inputs'), null, { timeout: 60000 });
  assert.equal(await page.$$eval('#feature-grid figure', (f) => f.length), 20);
  assert.equal(await page.$$eval('#feature-grid figure:first-child canvas', (c) => c.length), 2);
  assert.match(await page.textContent('#features-status'), /Right: same weights, padding swapped at inference/);
  await page.locator('#feature-grid canvas').first().scrollIntoViewIfNeeded();
  const box = await page.locator('#feature-grid canvas').first().boundingBox();
  await page.mouse.move(box.x + 0.3, box.y + 0.3);
  assert.match(await page.textContent('#feature-readout'), /^\/conv1\/Conv \(the model's own\): row 0, column 0 = −?[\d.]+/);

  await page.fill('#samples', '1000');
  await page.click('#features-run');
  await page.waitForFunction(() => /of 1000 inputs/.test(document.querySelector('#features-status').textContent));
  await page.click('#features-cancel');
  await page.waitForFunction(() => document.querySelector('#features-status').textContent === 'Cancelled.');
  // The restarted worker got the model back: another run works.
  await page.fill('#samples', '2');
  await page.click('#features-run');
  await page.waitForFunction(() => document.querySelector('#features-status').textContent.startsWith('2 random inputs'), null, { timeout: 60000 });
  assert.ok(await page.isHidden('#features-error'));
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('a file that is not a model, and a size the model cannot take, say what is wrong', async () => {
  const { page, context } = await openDemo();
  await page.setInputFiles('#file', { name: 'notes.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('these are not protobuf bytes \u0000\u0001') });
  await page.waitForSelector('#model-error:not([hidden])');
  assert.match(await page.textContent('#model-error'), /^notes\.onnx: model: this is not an ONNX model/);
  // The demo stays open and usable.
  assert.equal(await summaryRow(page, 'Conv layers'), '20');
  await page.fill('#height', '0');
  await page.dispatchEvent('#height', 'change');
  assert.match(await page.textContent('#run-error'), /^Height must be a whole number from 1 to \d+\.$/);
  await context.close();
});

test('every malformed model of tests/onnx/bad gets its reason in the page', async () => {
  const { cases } = JSON.parse(fs.readFileSync(new URL('cases.json', BAD), 'utf8'));
  const { page, context, log } = await openDemo();
  for (const { file, phrase } of cases) {
    await page.evaluate(() => {
      for (const id of ['#model-error', '#run-error']) document.querySelector(id).hidden = true;
    });
    await page.setInputFiles('#file', { name: file, mimeType: 'application/octet-stream', buffer: fs.readFileSync(new URL(file, BAD)) });
    // Refused on opening, or (a graph whose shapes disagree) when it is planned.
    await page.waitForSelector('#model-error:not([hidden]), #run-error:not([hidden])', { timeout: 30000 });
    const message = await page.evaluate(() => ['#model-error', '#run-error'].map((id) => document.querySelector(id)).find((el) => !el.hidden).textContent);
    assert.ok(message.toLowerCase().includes(phrase.toLowerCase()), `${file}: ${message}`);
  }
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('on a phone the controls come first and nothing scrolls sideways', async () => {
  const { page, context } = await openDemo({ width: 390, height: 844 });
  await page.waitForFunction(() => /8 of 21 layers/.test(document.querySelector('#padding-body').textContent));
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390);
  const [controls, summary] = await Promise.all(['.controls', '#summary'].map((s) => page.locator(s).boundingBox()));
  assert.ok(controls.y < summary.y, 'the model is chosen before the results');
  await context.close();
});
