// The Blind spots page as a new user meets it: a detectability grid of the bundled demo fills
// in as the workers finish placements, answers hover, can be cancelled, compares two
// configurations with their difference, runs the shift experiment, exports what it shows and
// keeps its view in the URL; bad input is said beside its control and the last grid stays.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { openPage, useBrowser, waitIdle } from './harness.mjs';

const BAD = new URL('../onnx/bad/', import.meta.url);

const env = useBrowser();

/** Opens the page at `hash` and waits until its grid is complete. */
async function openGrid(hash = '') {
  const opened = await openPage(env.browser, env.origin, `/blindspots.html${hash}`);
  await waitGrid(opened.page);
  return opened;
}

function waitGrid(page, timeout = 120000) {
  return page.waitForFunction(() => /^\d+ placements in /.test(document.querySelector('#run-status').textContent), null, { timeout });
}

/** The text of a grid view's shadow part. */
const shadowText = (page, view, selector) =>
  page.$eval(view, (el, s) => el.shadowRoot.querySelector(s).textContent, selector);

/**
 * Sends a pointer `type` event ('pointermove', 'click') at the centre of cell (row, col) of a
 * grid view, at coordinates read in the same task: a grid that is filling in may move the
 * layout between a read and a real mouse move.
 */
function cellEvent(page, view, row, col, type) {
  return page.$eval(
    view,
    (el, [r, c, kind]) => {
      const canvas = el.shadowRoot.querySelector('canvas.map');
      const rect = canvas.getBoundingClientRect();
      // The demo is 224×224; cells are stride-wide squares centred on the stimulus.
      const stride = Number(document.querySelector('#stride').value);
      const size = Number(document.querySelector('#stimulus-size').value);
      const scale = rect.width / 224;
      const at = { clientX: rect.left + (c * stride + size / 2) * scale, clientY: rect.top + (r * stride + size / 2) * scale };
      canvas.dispatchEvent(new PointerEvent(kind, { ...at, bubbles: true }));
    },
    [row, col, type],
  );
}

const hoverCell = (page, view, row, col) => cellEvent(page, view, row, col, 'pointermove');
const clickCell = (page, view, row, col) => cellEvent(page, view, row, col, 'click');

/** Downloads grid `which`'s file named `….ext` (not the overlay) from its <padlens-share> menu. */
async function download(page, which, ext) {
  const share = page.locator(`padlens-share[data-grid=${which}]`);
  await share.locator('summary').click();
  const item = share.locator(`button.item[data-filename$=".${ext}"]:not([data-filename$="_overlay.${ext}"])`);
  const [file] = await Promise.all([page.waitForEvent('download'), item.click()]);
  return { name: file.suggestedFilename(), bytes: fs.readFileSync(await file.path()) };
}

/** A .npy file's shape and f64 values. */
function readNpy(bytes) {
  assert.deepEqual([...bytes.subarray(0, 6)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  assert.match(header, /'descr': '<f8', 'fortran_order': False/);
  assert.equal((10 + headerLength) % 64, 0, 'the data starts 64-byte aligned');
  const shape = /'shape': \((\d+), (\d+)\)/.exec(header).slice(1).map(Number);
  const data = bytes.subarray(10 + headerLength);
  const values = Array.from({ length: data.length / 8 }, (_, i) => data.readDoubleLE(8 * i));
  return { shape, values };
}

test('a grid fills in progressively, with a colour bar, hover, the outline and the detection rate', async () => {
  // Stride 3: 70×70 = 4900 placements, long enough to see the grid half done.
  const { page, context, log } = await openPage(env.browser, env.origin, '/blindspots.html#stride=3');
  await page.waitForFunction(() => {
    const m = /^(\d+) of 4900 placements/.exec(document.querySelector('#run-status').textContent);
    return m && Number(m[1]) > 0 && Number(m[1]) < 2000;
  }, null, { timeout: 60000, polling: 50 });
  assert.match(await page.textContent('#run-status'), /about .* left/);
  // The first rows are in, the last not yet.
  await hoverCell(page, '#grid-a', 69, 69);
  assert.match(await shadowText(page, '#grid-a', '.readout'), /^row 70, column 70 \(stimulus at y 207, x 207\): not computed yet$/);
  await waitGrid(page);
  await hoverCell(page, '#grid-a', 0, 0);
  assert.match(await shadowText(page, '#grid-a', '.readout'), /^row 1, column 1 \(stimulus at y 0, x 0\): score -?[\d.]+ — (detected|missed)$/);
  assert.match(await page.textContent('#rates'), /^A: detection rate [\d.]+% — \d+ of 4900 placements score ≥ 1\.5$/);
  // The keyboard: the first arrow takes the centre cell, the next ones move; Enter shifts.
  await page.$eval('#grid-a', (el) => el.shadowRoot.querySelector('canvas.map').focus());
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowLeft');
  assert.match(await shadowText(page, '#grid-a', '.readout'), /^row 37, column 35 \(stimulus at y 108, x 102\): score -?[\d.]+/);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#shift-status').textContent.startsWith('Stimulus at y 108, x 102'), null, { timeout: 60000 });
  // The colour bar runs over the grid's own range (logits), labelled top to bottom.
  const labels = await page.$eval('#grid-a', (el) => [...el.shadowRoot.querySelectorAll('.labels span')].map((s) => Number(s.textContent)));
  assert.ok(labels.length >= 3 && labels[0] > labels.at(-1), labels.join());
  assert.match(await page.textContent('#run-status'), /^4900 placements in [\d.]+ (s|min)/);
  // Row and column profiles, with the threshold.
  assert.equal(await page.$$eval('#row-profile svg, #col-profile svg', (s) => s.length), 2);
  assert.deepEqual(log.errors, []);
  assert.ok(log.requests.every((url) => url.startsWith(env.origin)), 'nothing is fetched from elsewhere');
  await context.close();
});

test('Cancel stops the workers and keeps what was computed', async () => {
  const { page, context, log } = await openPage(env.browser, env.origin, '/blindspots.html#stride=2');
  await page.waitForFunction(() => /^[1-9]\d* of \d+ placements/.test(document.querySelector('#run-status').textContent), null, { timeout: 60000, polling: 50 });
  await page.click('#cancel');
  const status = await page.textContent('#run-status');
  assert.match(status, /^Cancelled: \d+ of 11025 placements/);
  const rates = await page.textContent('#rates');
  assert.match(rates, /\(\d+ not computed\)$/);
  // Nothing arrives after the cancel: the counts stay as they were.
  await page.waitForTimeout(1500);
  assert.equal(await page.textContent('#run-status'), status);
  assert.equal(await page.textContent('#rates'), rates);
  assert.equal(await page.isDisabled('#cancel'), true);
  // The pool works again afterwards.
  await page.fill('#stride', '30');
  await waitGrid(page);
  assert.match(await page.textContent('#rates'), /of 49 placements/);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('a model chosen while a grid runs stops it and computes its own', async () => {
  const { page, context, log } = await openPage(env.browser, env.origin, '/blindspots.html#stride=2');
  await page.waitForFunction(() => /^[1-9]\d* of 11025 placements/.test(document.querySelector('#run-status').textContent), null, { timeout: 60000, polling: 50 });
  // Every message the run's error slot shows, however briefly (a new run clears it).
  await page.evaluate(() => {
    window.shownErrors = [];
    new MutationObserver(() => {
      const text = document.querySelector('#run-error').textContent;
      if (text) window.shownErrors.push(text);
    }).observe(document.querySelector('#run-error'), { childList: true, characterData: true, subtree: true });
  });
  await page.setInputFiles('#file', new URL('../onnx/models/resnet18/model.onnx', import.meta.url).pathname);
  await page.fill('#stride', '40');
  await page.waitForFunction(() => /^\d+ placements in /.test(document.querySelector('#run-status').textContent) && document.querySelector('#grid-a').shadowRoot.querySelector('figcaption').textContent.startsWith('A: model.onnx'), null, { timeout: 60000 });
  assert.deepEqual(await page.evaluate(() => window.shownErrors), []);
  assert.equal(await page.isHidden('#model-error'), true);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('compare: B beside A on one scale, their difference, and the shift experiment from the link', async () => {
  const { page, context, log } = await openGrid('#compare=1&bmode=reflect&stride=28&shift=2,3&smax=8');
  assert.equal(await page.isVisible('#grid-b'), true);
  assert.equal(await page.isVisible('#grid-diff'), true);
  assert.match(await shadowText(page, '#grid-b', 'figcaption'), /^B: ResNet-18 \(narrow, untrained\), 224×224, reflect padding$/);
  assert.match(await shadowText(page, '#grid-diff', 'figcaption'), /^B − A/);
  const bar = (view) => page.$eval(view, (el) => [...el.shadowRoot.querySelectorAll('.labels span')].map((s) => s.textContent).join());
  assert.equal(await bar('#grid-a'), await bar('#grid-b'), 'A and B share a colour scale');
  // The difference is symmetric around 0.
  const diff = await page.$eval('#grid-diff', (el) => [...el.shadowRoot.querySelectorAll('.labels span')].map((s) => Number(s.textContent.replace('−', '-'))));
  assert.equal(diff[0], -diff.at(-1));
  assert.match(await page.textContent('#rates'), /A: detection rate .*\n?.*B: detection rate/s);
  // The shift experiment of row 3, column 4 (corner 56, 84), up to 8 px each way.
  await page.waitForFunction(() => document.querySelectorAll('#shift-chart svg path.series, #shift-chart svg polyline.series').length === 4, null, { timeout: 60000 });
  assert.match(await page.textContent('#shift-status'), /^Stimulus at y 56, x 84: unshifted -?[\d.]+ \((detected|missed)\); detected when shifted up [\d.]+%, down [\d.]+%, left [\d.]+%, right [\d.]+%\.$/);
  assert.equal(await page.$$eval('#shift-chart .key-item', (k) => k.length), 4);
  // A click on another cell runs it there and puts it in the link.
  await clickCell(page, '#grid-a', 0, 0);
  await page.waitForFunction(() => document.querySelector('#shift-status').textContent.startsWith('Stimulus at y 0, x 0'), null, { timeout: 60000 });
  assert.match(await page.textContent('#shift-status'), /up .* no room|down [\d.]+%/);
  assert.match(page.url(), /shift=0%2C0|shift=0,0/);
  // B and the difference export too, named after what they hold.
  const diffNpy = await download(page, 'diff', 'npy');
  assert.equal(diffNpy.name, 'resnet18-narrow_224x224_reflect_traffic-light16_stride28_logit-0_minus_resnet18-narrow_224x224_own_traffic-light16_stride28_logit-0.npy');
  const bNpy = await download(page, 'B', 'npy');
  const aNpy = await download(page, 'A', 'npy');
  const [a, b, d] = [aNpy, bNpy, diffNpy].map((f) => readNpy(f.bytes).values);
  d.forEach((v, i) => assert.equal(v, b[i] - a[i]));
  // B can be the user's own file.
  await page.setInputFiles('#compare-file', new URL('../onnx/models/mobilenet_v2/model.onnx', import.meta.url).pathname);
  await page.waitForFunction(() => /^B: model\.onnx, 224×224, reflect padding$/.test(document.querySelector('#grid-b').shadowRoot.querySelector('figcaption').textContent), null, { timeout: 60000 });
  await waitGrid(page);
  assert.equal(await page.inputValue('#compare-demo'), 'file:b');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('the URL reproduces the view, and the exports hold the grid the core computed', async () => {
  const { page, context } = await openGrid('#stride=40');
  await page.selectOption('#background', 'noise');
  await page.fill('#seed', '5');
  await page.selectOption('#stimulus', 'disk');
  await page.fill('#stimulus-size', '24');
  await page.selectOption('#mode', 'circular');
  await page.waitForFunction(() => location.hash.includes('stimulus=disk') && location.hash.includes('size=24') && location.hash.includes('seed=5'));
  await page.waitForTimeout(600);
  await waitGrid(page);
  const npy = await download(page, 'A', 'npy');
  assert.equal(npy.name, 'resnet18-narrow_224x224_circular_disk24_stride40_logit-0.npy');
  const grid = readNpy(npy.bytes);
  assert.deepEqual(grid.shape, [6, 6]);
  const csv = await download(page, 'A', 'csv');
  const fromCsv = csv.bytes.toString().trim().split('\n').flatMap((line) => line.split(',').map(Number));
  assert.deepEqual(fromCsv, grid.values, 'CSV and NPY hold the same numbers');
  const png = await download(page, 'A', 'png');
  assert.deepEqual([...png.bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG');
  assert.ok(png.bytes.readUInt32BE(16) > 224 && png.bytes.readUInt32BE(20) >= 224, 'the map, its colour bar and labels');

  // The same link in a new tab gives the same controls and the same numbers.
  const again = await openGrid(new URL(page.url()).hash);
  assert.equal(await again.page.inputValue('#stimulus'), 'disk');
  assert.equal(await again.page.inputValue('#mode'), 'circular');
  assert.equal(await again.page.inputValue('#seed'), '5');
  const npyAgain = await download(again.page, 'A', 'npy');
  assert.deepEqual(npyAgain.bytes, npy.bytes);
  await again.context.close();
  await context.close();
});

test('a trained detector opens with its own score, threshold and the bundled street scene, which the link keeps', async () => {
  const { page, context, log } = await openGrid('#demo=detector-zeros-224.onnx&stride=28');
  assert.equal(await page.inputValue('#score-kind'), 'heatmap');
  assert.equal(await page.inputValue('#score-index'), '0');
  assert.equal(await page.inputValue('#threshold'), '0.5');
  assert.equal(await page.inputValue('#background'), 'image');
  assert.equal(await page.inputValue('#background-bundled'), 'street-scene.png');
  assert.equal(await page.isHidden('#background-file'), true, 'no file to choose: the scene is bundled');
  assert.match(await page.textContent('#demo-about'), /tools\/train_detectors\.py/);
  assert.match(await page.textContent('#rates'), /^A: detection rate [\d.]+% — \d+ of 64 placements score ≥ 0\.5$/);
  await page.waitForFunction(() => location.hash.includes('bgimage=street-scene.png'));
  const scene = await download(page, 'A', 'npy');

  // The same link in a new tab loads the scene again and gives the same numbers.
  const again = await openGrid(new URL(page.url()).hash);
  assert.equal(await again.page.inputValue('#background-bundled'), 'street-scene.png');
  assert.deepEqual((await download(again.page, 'A', 'npy')).bytes, scene.bytes);
  await again.context.close();

  // "Your own file" asks for one; grey gives other numbers than the scene.
  await page.selectOption('#background-bundled', '');
  await page.waitForFunction(() => document.querySelector('#background-error').textContent === 'Choose a background image.');
  assert.equal(await page.isVisible('#background-file'), true);
  await page.selectOption('#background', 'grey');
  await page.waitForFunction(() => document.querySelector('#background-error').hidden);
  await waitGrid(page);
  await page.waitForTimeout(600);
  await waitGrid(page);
  const grey = await download(page, 'A', 'npy');
  assert.equal(readNpy(grey.bytes).values.length, 64);
  assert.notDeepEqual(readNpy(grey.bytes).values, readNpy(scene.bytes).values);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('bad input is said beside its control, and the last good grid stays', async () => {
  const { page, context, log } = await openGrid('#stride=40');
  const caption = await shadowText(page, '#grid-a', 'figcaption');
  const rates = await page.textContent('#rates');
  const cases = [
    ['#stride', '0', '#stride-error', /^stride: must be at least 1, got 0$/],
    ['#stimulus-size', '300', '#stimulus_size-error', /^stimulus size: a stimulus of 300×300 pixels does not fit in the 224×224 image$/],
    ['#score-index', '5000', '#score-error', /5000/],
  ];
  for (const [control, value, slot, message] of cases) {
    const before = await page.inputValue(control);
    await page.fill(control, value);
    await page.waitForSelector(`${slot}:not([hidden])`, { timeout: 30000 });
    assert.match(await page.textContent(slot), message);
    assert.equal(await shadowText(page, '#grid-a', 'figcaption'), caption);
    assert.equal(await page.textContent('#rates'), rates);
    await page.fill(control, before);
    await page.waitForSelector(`${slot}[hidden]`, { state: 'attached', timeout: 30000 });
    await waitGrid(page);
  }
  // A score that does not fit the model's outputs: a classifier has no heat map.
  await page.selectOption('#score-kind', 'heatmap');
  await page.waitForSelector('#score-error:not([hidden])', { timeout: 30000 });
  assert.match(await page.textContent('#score-error'), /heatmap/);
  await page.selectOption('#score-kind', 'logit');
  await waitGrid(page);
  // A file that is not a model, and an image that does not decode.
  await page.setInputFiles('#file', new URL('cycle.onnx', BAD).pathname);
  await page.waitForSelector('#model-error:not([hidden])');
  assert.match(await page.textContent('#model-error'), /^cycle\.onnx: /);
  // A model without an image input.
  await page.setInputFiles('#file', new URL('no_spatial_input.onnx', BAD).pathname);
  await page.waitForFunction(() => document.querySelector('#model-error').textContent.startsWith('no_spatial_input.onnx: '));
  assert.match(await page.textContent('#model-error'), /input/);
  await page.selectOption('#background', 'image');
  await page.setInputFiles('#background-file', { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('not a png') });
  await page.waitForFunction(() => /broken\.png is not an image/.test(document.querySelector('#background-error').textContent));
  assert.equal(await shadowText(page, '#grid-a', 'figcaption'), caption);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('the page computes the same grids as ONNX Runtime, placement by placement (tests/golden/detect)', async () => {
  const goldens = new URL('../golden/detect/', import.meta.url);
  const { cases } = JSON.parse(fs.readFileSync(new URL('cases.json', goldens)));
  const root = new URL('../../', import.meta.url);
  const { page, context, log } = await openGrid('#stride=40');
  for (const c of cases) {
    await page.setInputFiles('#file', new URL(c.model, root).pathname);
    await page.waitForFunction(() => document.querySelector('#demo').value === 'file:');
    const [kind, rest] = c.score.split(':');
    const [k, iou] = rest.split('@');
    const [background, seed] = c.background.split(':');
    await page.fill('#height', String(c.size[0]));
    await page.fill('#width', String(c.size[1]));
    await page.selectOption('#mode', '');
    await page.selectOption('#normalization', c.normalization);
    await page.selectOption('#background', background);
    if (seed !== undefined) await page.fill('#seed', seed);
    await page.selectOption('#stimulus', c.stimulus);
    await page.fill('#stimulus-size', String(c.stimulus_size));
    await page.fill('#stride', String(c.stride));
    await page.selectOption('#score-kind', kind);
    await page.fill('#score-index', k);
    if (iou !== undefined) await page.fill('#score-iou', iou);
    const wanted = `${c.size[0]}×${c.size[1]}`;
    await page.waitForFunction(
      ([total, size]) =>
        document.querySelector('#run-status').textContent.startsWith(`${total} placements in`) &&
        document.querySelector('#grid-a').shadowRoot.querySelector('figcaption').textContent.includes(size),
      [c.grid[0] * c.grid[1], wanted],
      { timeout: 60000 },
    );
    const { shape, values } = readNpy((await download(page, 'A', 'npy')).bytes);
    assert.deepEqual(shape, c.grid, c.name);
    const golden = readNpy(fs.readFileSync(new URL(c.file, goldens))).values;
    // As tests/detect_golden.rs: probabilities to 2e-5 of themselves (the two engines' f32
    // rounding, measured there), other scores to 1e-5 of the grid's largest magnitude.
    const scale = Math.max(...golden.map(Math.abs));
    values.forEach((v, i) => {
      const tolerance = kind === 'class' ? 2e-5 * Math.abs(golden[i]) : 1e-5 * scale;
      assert.ok(Math.abs(v - golden[i]) <= tolerance, `${c.name}, placement ${i}: page ${v}, ONNX Runtime ${golden[i]}`);
    });
  }
  assert.deepEqual(log.errors, []);
  await context.close();
});
