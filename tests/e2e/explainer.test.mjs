// The step-through explainer (explain.html): its pure model in node, against the core's real
// catalogue, then the page in Chromium — it loads cleanly, a pixel can be chosen by pointer
// and keyboard, its windows add up to the count the map shows, the paper's cases come out as
// they should, a bad link draws the nearest view and says why where it is seen, a
// configuration the core refuses keeps the last view, and the URL reproduces a view.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, useBrowser, waitIdle } from './harness.mjs';
import { CATALOG as catalog, wasm } from './core.mjs';
import {
  PRESETS, changesText, decodeHash, defaultState, encodeHash, paddingNote, pixelLabel, presetState, problemPlace, runningSums, stepProblem, toConfig,
} from '../../www/js/explainer/shared/model.js';
import { countText, inkFor } from '../../www/js/explainer/client/svg.js';


// ---- the pure model ----

test('pixels are named a–z, then A–Z, then numbered', () => {
  assert.deepEqual([0, 25, 26, 51, 52, 99].map(pixelLabel), ['a', 'z', 'A', 'Z', '53', '100']);
});

test('a state survives the hash; numbers out of range are kept for the core to judge', () => {
  const state = {
    height: 9,
    width: 5,
    layers: [
      { kernel: 5, stride: 2, dilation: 3, padding: 7, mode: 'symmetric' },
      { kernel: 1, stride: 3, dilation: 1, padding: 0, mode: 'partial' },
    ],
    pixel: [8, 4],
    step: 3,
    colormap: catalog.colormaps.at(-1),
  };
  assert.deepEqual(decodeHash(`#${encodeHash(state)}`, catalog), { state, problems: [] });
  assert.deepEqual(decodeHash('', catalog), { state: defaultState(catalog), problems: [] });
  assert.equal(defaultState(catalog).colormap, catalog.colormaps[0], 'the default colour map is the catalogue’s first');
  // Out of range is the core's to say (explainNearestValid), so the numbers stay as asked.
  const wide = decodeHash('h=40&w=0&k=9&s=7&d=0&p=99&px=50,50&step=0', catalog);
  assert.deepEqual(wide.problems, []);
  assert.deepEqual([wide.state.height, wide.state.width, wide.state.pixel, wide.state.step], [40, 0, [50, 50], 0]);
  assert.deepEqual(wide.state.layers, [{ kernel: 9, stride: 7, dilation: 0, padding: 99, mode: 'zeros' }]);
});

test('what a hash cannot say takes the default, with a problem where its control is', () => {
  const { state, problems } = decodeHash('h=x&mode2=mirror&cmap=jet&px=3', catalog);
  assert.equal(state.height, defaultState(catalog).height);
  assert.equal(state.width, state.height, 'the width follows the height');
  assert.deepEqual(state.layers.map((l) => l.mode), ['zeros', 'zeros']);
  assert.equal(state.colormap, catalog.colormaps[0]);
  assert.deepEqual(state.pixel, [0, 0]);
  const where = problems.map((p) => [problemPlace(p), p.field]);
  assert.deepEqual(where, [
    [{ place: 'size' }, 'height'],
    [{ place: 'layer', index: 1 }, 'mode'],
    [{ place: 'pixel' }, 'pixel'],
    [{ place: 'colormap' }, 'colormap'],
  ]);
  // A mode name is checked against the catalogue's, and the message lists them.
  assert.match(problems[1].message, /no padding mode “mirror” \(there are zeros, valid, .* and partial\)\. Showing zeros\./);
});

test('a problem is placed by where the core says it is, never by its wording', () => {
  const at = (problem) => problemPlace({ message: 'whatever it says about layer `layer 1`', ...problem });
  assert.deepEqual(at({ subject: 'size', field: 'height' }), { place: 'size' });
  assert.deepEqual(at({ subject: 'size', position: 0, field: null }), { place: 'size' }, 'a kernel wider than the image is a size problem');
  assert.deepEqual(at({ subject: 'layer', position: 1, field: 'kernel' }), { place: 'layer', index: 1 });
  assert.deepEqual(at({ subject: 'padding', position: 1, field: 'padding' }), { place: 'layer', index: 1 });
  assert.deepEqual(at({ subject: 'request', field: 'pixel' }), { place: 'pixel' });
  assert.deepEqual(at({ subject: 'request', field: 'step' }), { place: 'step' });
  assert.deepEqual(at({ subject: 'request', field: null }), { place: 'page' });
});

test('a corrected link says what it shows instead', () => {
  const asked = { height: 2, width: 2, layers: [{ kernel: 3, stride: 1, dilation: 1, padding: 2, mode: 'reflect' }] };
  assert.equal(changesText(asked, { ...asked, layers: [{ ...asked.layers[0], padding: 1 }] }), 'Showing padding 1.');
  assert.equal(changesText({ ...asked, height: 0, width: 0 }, { ...asked, height: 1, width: 1 }), 'Showing height 1 and width 1.');
  const two = { ...asked, layers: [asked.layers[0], { ...asked.layers[0], kernel: 9, padding: 4 }] };
  assert.equal(
    changesText(two, { ...two, layers: [two.layers[0], { ...two.layers[1], kernel: 7, padding: 2 }] }),
    "Showing layer 2's kernel 7 and padding 2.",
  );
  assert.equal(changesText(asked, asked), '');
  assert.equal(stepProblem(3, 4, 'a'), null);
  assert.match(stepProblem(999, 4, 'a').message, /window 999 of pixel a, but it is read by 4 windows\. Showing window 4\.$/);
  assert.match(stepProblem(0, 4, 'a').message, /Showing window 1\.$/);
  assert.match(stepProblem(2, 0, 'g').message, /no window reads it\. Showing none\.$/);
});

test('the core draws every preset, and lands bad links where the page places them', () => {
  for (const preset of PRESETS) {
    assert.equal(wasm.explainNearestValid(toConfig(presetState(preset.id))), null, preset.id);
  }
  const cases = [
    ['h=2&w=2&k=3&p=2&mode=reflect', { place: 'layer', index: 0 }, 'Showing padding 1.'],
    ['h=99', { place: 'size' }, 'Showing height 16 and width 16.'],
    ['k=7&h=2&w=2&p=0&mode=valid', { place: 'size' }, 'Showing kernel 2.'],
    ['k2=9&mode2=reflect&h=3&w=3&p2=4', { place: 'layer', index: 1 }, "Showing layer 2's kernel 7 and padding 2."],
  ];
  for (const [hash, place, changes] of cases) {
    const { state } = decodeHash(hash, catalog);
    const nearest = wasm.explainNearestValid(toConfig(state));
    assert.deepEqual(problemPlace(nearest.problem), place, hash);
    assert.equal(changesText(state, { ...state, ...nearest.config }), changes, hash);
    assert.equal(wasm.explainNearestValid(nearest.config), null, `${hash}: the nearest view draws`);
  }
});

test('running sums, the uneven-padding note and the presets', () => {
  assert.deepEqual(runningSums([{ contribution: 4 }, { contribution: 6 }, { contribution: 2.5 }]), [4, 10, 12.5]);
  // 6 px, 3×3, stride 2, pad 1 (definitions.md §1): windows start at −1, 1, 3; the bottom padding is unread.
  const axis = { consumed_before: 1, consumed_after: 0, input_unread: 0 };
  assert.match(paddingNote([axis, axis]), /^Uneven: the windows read 1 row of padding at the top but 0 at the bottom, and 1 column/);
  const even = { consumed_before: 1, consumed_after: 1, input_unread: 0 };
  assert.equal(paddingNote([even, even]), '');
  assert.match(paddingNote([{ consumed_before: 0, consumed_after: 0, input_unread: 2 }, even]), /the last 2 rows of the image/);
  assert.equal(presetState('strided').layers[0].stride, 2);
  assert.equal('colormap' in presetState('zeros'), false, 'a preset keeps the colour map on show');
});

test('counts print every digit, fractions four, and text stays readable on the colours', () => {
  assert.deepEqual([9, 17689, 6.25, 12.25, 0.1111111, 2.5e4 + 1 / 3].map(countText), ['9', '17689', '6.25', '12.25', '0.1111', '25000.3']);
  // viridis' ends: dark purple takes white text, yellow takes dark.
  assert.equal(inkFor(68, 1, 84), 'light');
  assert.equal(inkFor(253, 231, 37), 'dark');
});

test('counts take their colours from the core: the highest count the top of its colour bar', () => {
  const bar = wasm.colorbar(catalog.colormaps[0], 256);
  const display = { colormap: catalog.colormaps[0], reference: 'max', scale: 'linear' };
  const rgba = wasm.colourValues(Float64Array.from([4, 6, 9]), display);
  const colour = (i) => Array.from(rgba.subarray(4 * i, 4 * i + 4));
  assert.deepEqual(colour(2), Array.from(bar.subarray(0, 4)), 'the highest count: the top of the bar');
  assert.deepEqual(colour(0), Array.from(bar.subarray(bar.length - 4)), 'the lowest: its bottom');
  const uniform = wasm.colourValues(Float64Array.from([9, 9]), display);
  assert.deepEqual(Array.from(uniform.subarray(0, 4)), Array.from(bar.subarray(0, 4)), 'a uniform map: the top colour');
});

// ---- the page ----

const env = useBrowser();

async function open(hash = '') {
  const opened = await openPage(env.browser, env.origin, `/explain.html${hash}`);
  await waitIdle(opened.page);
  return opened;
}

/** The count map (or another count grid) as rows of numbers. */
function readCounts(page, grid = '#counts') {
  return page.$$eval(`${grid} .cell`, (cells) => {
    const rows = [];
    for (const cell of cells) {
      const { row, column } = cell.dataset;
      (rows[row] ??= [])[column] = Number(cell.querySelector('.count').textContent);
    }
    return rows;
  });
}

/** What the step-through shows: position, running sum, total and the map's count. */
function readSteps(page) {
  return page.$eval('#steps', (steps) => {
    const text = (role) => steps.querySelector(`[data-role=${role}]`)?.textContent ?? null;
    return {
      title: text('title'),
      position: text('position'),
      windows: Number(text('window-count')),
      sum: Number(text('sum')),
      total: Number(text('total')),
      mapCount: Number(text('map-count')),
      rows: steps.querySelectorAll('tbody tr').length,
      current: Number(steps.querySelector('tbody tr.current')?.dataset.index ?? -1),
      playing: steps.querySelector('[data-action=play]').getAttribute('aria-pressed') === 'true',
    };
  });
}

/** The kernel grid's numbers, row-major. */
function readKernel(page) {
  return page.$$eval('#steps .kcell text', (texts) => texts.map((t) => Number(t.textContent)));
}

const selectedPixel = (page) => page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('px'));

test('the explainer loads without console errors and fetches only from 127.0.0.1', async () => {
  const { page, context, log } = await open();
  // Exercise it a little before judging the log.
  await page.click('#counts [data-row="3"][data-column="3"]');
  await page.click('#steps [data-action=next]');
  await page.check('#stack');
  await page.click('#preset-list [data-preset=partial]');
  assert.ok(await page.isHidden('#fatal'), 'the engine started');
  const problems = log.console.filter((m) => m.type === 'error' || m.type === 'warning');
  assert.deepEqual(problems, [], 'console errors or warnings');
  assert.deepEqual(log.errors, [], 'uncaught page errors');
  assert.deepEqual(log.requests.filter((url) => new URL(url).origin !== env.origin), [], 'requests leaving 127.0.0.1');
  assert.ok(log.requests.some((url) => url.endsWith('/pkg/padlens_bg.wasm')), 'the WASM fetch was recorded');
  // The default view: 7×7, 3×3 zeros, the corner read by 4 windows, the middle by 9.
  const counts = await readCounts(page);
  assert.equal(counts.length, 7);
  await context.close();
});

test('every control of the explainer has a label, and touch targets are at least 40px', async () => {
  const { page, context } = await open();
  await page.check('#stack');
  const unlabelled = await page.$$eval('input, select, textarea, button, [tabindex]', (els) =>
    els
      .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent.trim())))
      .map((el) => el.outerHTML.slice(0, 100)),
  );
  assert.deepEqual(unlabelled, []);
  await page.setViewportSize({ width: 390, height: 844 });
  const small = await page.$$eval('.step-button, .preset-button, .stepper button, .segmented-lg label, .mode-try', (els) =>
    els
      .map((el) => ({ el: el.outerHTML.slice(0, 60), box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 0 && (box.width < 40 || box.height < 40))
      .map(({ el, box }) => `${el} ${box.width}×${box.height}`),
  );
  assert.deepEqual(small, []);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the phone layout scrolls sideways by ${overflow}px`);
  await context.close();
});

test('a clicked pixel lists its windows and the running sum reaches the count on the map', async () => {
  const { page, context } = await open('#h=7&w=7&k=3&s=1&d=1&p=1&mode=zeros');
  const counts = await readCounts(page);
  assert.deepEqual([counts[0][0], counts[0][3], counts[3][3]], [4, 6, 9], '3×3 zeros: corner 4, edge 6, inside 9');
  await page.click('#counts [data-row="0"][data-column="3"]');
  assert.equal(await selectedPixel(page), '0,3');
  let steps = await readSteps(page);
  assert.equal(steps.title, 'Windows that read d');
  assert.equal(steps.windows, 6);
  assert.equal(steps.rows, 6);
  assert.equal(steps.total, counts[0][3]);
  assert.equal(steps.mapCount, counts[0][3]);
  assert.equal(steps.position, 'window 1 of 6');
  const sums = [steps.sum];
  for (let i = 1; i < steps.windows; i++) {
    await page.click('#steps [data-action=next]');
    steps = await readSteps(page);
    assert.equal(steps.current, i);
    sums.push(steps.sum);
  }
  assert.deepEqual(sums, [1, 2, 3, 4, 5, 6], 'each 3×3 zeros window reads d once');
  assert.equal(steps.sum, counts[0][3], 'the running sum reaches the count on the map');
  assert.equal(steps.position, 'window 6 of 6');
  assert.ok(await page.isDisabled('#steps [data-action=next]'), 'no window after the last');
  // The window on show is drawn over the padded input, ringing the cell that reads d.
  assert.equal(await page.locator('#padded .overlay .window').count(), 1);
  assert.equal(await page.locator('#padded .overlay .hit').count(), 1);
  // Clicking a padded copy selects the pixel it copies.
  await page.click('#preset-list [data-preset=symmetric]');
  await page.click('#padded .cell.copy[data-row="0"][data-column="2"] >> nth=0');
  assert.equal(await selectedPixel(page), '0,2');
  await context.close();
});

test('the keyboard alone selects a pixel and plays, pauses and steps its windows', async () => {
  const { page, context } = await open('#h=7&w=7&k=3&s=1&d=1&p=1&mode=zeros&px=0,0');
  await page.focus('#counts .grid-frame');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await selectedPixel(page), '2,1');
  let steps = await readSteps(page);
  assert.equal(steps.title, 'Windows that read p');
  assert.equal(steps.windows, 9);
  await page.keyboard.press(']');
  await page.keyboard.press(']');
  steps = await readSteps(page);
  assert.equal(steps.position, 'window 3 of 9');
  await page.keyboard.press('[');
  assert.equal((await readSteps(page)).position, 'window 2 of 9');
  // Space plays: the step moves on by itself; space again pauses and it stays.
  await page.keyboard.press(' ');
  assert.ok((await readSteps(page)).playing, 'playing');
  await page.waitForFunction(() => document.querySelector('#steps [data-role=position]').textContent !== 'window 2 of 9', null, { timeout: 5000 });
  await page.keyboard.press(' ');
  steps = await readSteps(page);
  assert.ok(!steps.playing, 'paused');
  const paused = steps.position;
  await page.waitForTimeout(1500);
  assert.equal((await readSteps(page)).position, paused, 'a paused walk stays put');
  assert.equal(await page.evaluate(() => document.activeElement.closest('#counts') !== null), true, 'focus stayed on the map');
  await context.close();
});

test('symmetric 3×3: uniform counts, but the corner is read through uneven kernel cells', async () => {
  const { page, context } = await open();
  await page.click('#preset-list [data-preset=symmetric]');
  assert.equal(await page.inputValue('#l1-mode'), 'symmetric');
  const counts = (await readCounts(page)).flat();
  assert.equal(counts.length, 49);
  assert.ok(counts.every((c) => c === 9), `uniform: ${counts}`);
  await page.click('#counts [data-row="0"][data-column="0"]');
  const kernel = await readKernel(page);
  // The top-left kernel cell reads the corner in four windows (two through the mirror), the
  // bottom row and right column never do.
  assert.deepEqual(kernel, [4, 2, 0, 2, 1, 0, 0, 0, 0]);
  assert.equal(kernel.reduce((a, b) => a + b), 9, 'the kernel cells add up to the count');
  // Inside the image, every kernel cell reads a pixel once.
  await page.click('#counts [data-row="3"][data-column="3"]');
  assert.deepEqual(await readKernel(page), [1, 1, 1, 1, 1, 1, 1, 1, 1]);
  await context.close();
});

test('reflect over-weights the pixel next to the border; replicate 5×5 the border itself', async () => {
  const { page, context } = await open();
  await page.click('#preset-list [data-preset=reflect]');
  let counts = await readCounts(page);
  assert.ok(counts[3][1] > counts[3][3], `next to the border ${counts[3][1]} > inside ${counts[3][3]}`);
  assert.ok(counts[3][0] < counts[3][3], `the border itself ${counts[3][0]} < inside ${counts[3][3]}`);
  // The preset selects that pixel: its windows add up to its count, one through a copy.
  const steps = await readSteps(page);
  assert.equal(steps.total, counts[3][1]);
  assert.equal(await page.locator('#padded .mark-copy').count(), 1, 'its one copy in the padding is outlined');
  await page.click('#preset-list [data-preset=replicate]');
  counts = await readCounts(page);
  assert.ok(counts[0][0] > counts[3][3] && counts[3][0] > counts[3][3], 'replicate 5×5: the border over-weighted');
  await context.close();
});

test('a strided layer marks the padding it never reads and says so', async () => {
  const { page, context } = await open();
  await page.click('#preset-list [data-preset=strided]');
  const unread = await page.$$eval('#padded .cell.unread', (cells) => cells.length);
  assert.equal(unread, 8 + 8 - 1, 'the bottom row and right column of the 8×8 padded input');
  assert.ok(await page.isVisible('#padded .cell.unread .hatch >> nth=0'), 'hatched');
  assert.match(await page.textContent('#padded [data-role=note]'), /^Uneven: the windows read 1 row of padding at the top but 0 at the bottom/);
  assert.ok(await page.isVisible('#padded [data-kind=unread]'), 'the legend explains the hatching');
  await context.close();
});

test('partial convolution shows each window’s weight, and two layers compound the counts', async () => {
  const { page, context } = await open();
  await page.click('#preset-list [data-preset=partial]');
  const weights = await page.$$eval('#steps tbody tr', (rows) => rows.map((r) => r.children[3].textContent));
  assert.deepEqual(weights, ['2.25', '1.5', '1.5', '1'], 'taps ÷ valid taps of the corner’s four windows');
  assert.equal((await readSteps(page)).total, 6.25);

  await page.click('#preset-list [data-preset=two-layers]');
  assert.ok(await page.isChecked('#stack'));
  const both = await readCounts(page);
  const first = await readCounts(page, '#first-counts');
  assert.deepEqual([first[0][0], first[3][3]], [4, 9]);
  assert.deepEqual([both[0][0], both[3][3]], [25, 81], 'two 3×3 zeros layers');
  const downstream = await page.$$eval('#steps tbody tr', (rows) => rows.map((r) => Number(r.children[3].textContent)));
  const steps = await readSteps(page);
  assert.equal(downstream.length, steps.windows);
  assert.equal(steps.total, both[0][1]);
  assert.match(await page.textContent('#steps [data-role=now]'), /second layer reads output/);
  assert.ok(await page.isVisible('#downstream .cell'), 'the downstream map is drawn');
  await context.close();
});

test('a configuration the core refuses shows why beside its control and keeps the last view', async () => {
  const { page, context } = await open('#h=7&w=7&k=3&s=1&d=1&p=1&mode=reflect&px=3,1');
  const before = await readCounts(page);
  const hash = await page.evaluate(() => location.hash);
  // Reflect padding must be narrower than the input: 1 pixel of padding on a 1-pixel image is not.
  await page.fill('#height', '1');
  await page.press('#height', 'Enter');
  const message = await page.textContent('#l1-error');
  assert.match(message, /reflect padding of 1 .*needs an input of more than 1 pixel/);
  assert.ok(await page.isVisible('#l1-error'));
  assert.equal(await page.getAttribute('#l1-mode', 'aria-invalid'), '');
  assert.ok(await page.isVisible('#counts [data-role=stale]'), 'the map is marked not updated');
  assert.deepEqual(await readCounts(page), before, 'the last good map stays');
  assert.equal(await page.evaluate(() => location.hash), hash, 'the URL keeps the view on screen');
  // Fixing it clears the message.
  await page.selectOption('#l1-mode', 'symmetric');
  assert.ok(await page.isHidden('#l1-error'));
  assert.ok(await page.isHidden('#counts [data-role=stale]'));
  assert.deepEqual(await readCounts(page), [[9, 9, 9, 9, 9, 9, 9]], 'a 1×7 image, symmetric: uniform');
  await context.close();
});

test('the URL reproduces the view: size, both layers, mode, pixel and step', async () => {
  const first = await open();
  const page = first.page;
  await page.fill('#width', '9');
  await page.press('#width', 'Enter');
  await page.selectOption('#l1-mode', 'replicate');
  await page.click('label[for=l1-kernel-5]');
  await page.click('#layer-1 [data-step="1"]');
  await page.check('#stack');
  await page.click('label[for=l2-stride-2]');
  await page.click('#counts [data-row="1"][data-column="7"]');
  await page.click('#steps [data-action=next]');
  await page.click('#steps [data-action=next]');
  await page.click('label[for=colormap-cividis]');
  const hash = await page.evaluate(() => location.hash);
  const steps = await readSteps(page);
  const counts = await readCounts(page);
  await first.context.close();

  const second = await open(hash);
  const again = second.page;
  assert.equal(await again.inputValue('#width'), '9');
  assert.equal(await again.inputValue('#l1-mode'), 'replicate');
  assert.equal(await again.inputValue('#l1-padding'), '2');
  assert.ok(await again.isChecked('#l1-kernel-5'));
  assert.ok(await again.isChecked('#stack'));
  assert.ok(await again.isChecked('#l2-stride-2'));
  assert.ok(await again.isChecked('#colormap-cividis'));
  assert.equal(await selectedPixel(again), '1,7');
  const stepsAgain = await readSteps(again);
  assert.equal(stepsAgain.position, steps.position);
  assert.equal(stepsAgain.position.startsWith('window 3 of'), true);
  assert.equal(stepsAgain.sum, steps.sum);
  assert.deepEqual(await readCounts(again), counts);
  await second.context.close();
});

// ---- bad links ----

/**
 * Bad links, each with where its message belongs and what the controls show instead. Every
 * one must draw (no blank panels), with the message beside that control only, and seen
 * without scrolling.
 */
const BAD_LINKS = [
  { hash: '#h=2&w=2&k=3&p=2&mode=reflect', beside: '#l1-error', says: /reflect padding of 2 .*Showing padding 1\.$/, shows: { '#l1-padding': '1', '#l1-mode': 'reflect' } },
  { hash: '#h=0', beside: '#size-error', says: /must be 1 to 16, got 0\. Showing height 1 and width 1\.$/, shows: { '#height': '1', '#width': '1' } },
  { hash: '#h=99', beside: '#size-error', says: /got 99\. Showing height 16 and width 16\.$/, shows: { '#height': '16' } },
  { hash: '#k=99', beside: '#l1-error', says: /kernel must be 1 to 7, got 99\. Showing kernel 7\.$/, checked: '#l1-kernel-7' },
  { hash: '#k=7&h=2&w=2&p=0&mode=valid', beside: '#size-error', says: /larger than the padded input.*Showing kernel 2\.$/, checked: '#l1-kernel-2' },
  { hash: '#k2=9&mode2=reflect&h=3&w=3&p2=4', beside: '#l2-error', says: /got 9\. Showing layer 2's kernel 7 and padding 2\.$/, checked: '#l2-kernel-7', shows: { '#l2-padding': '2' } },
  { hash: '#mode=mirror', beside: '#l1-error', says: /no padding mode “mirror”.*Showing zeros\.$/, shows: { '#l1-mode': 'zeros' } },
  { hash: '#px=99,99', beside: '#counts-problem', says: /got 99\. Showing pixel W \(row 6, column 6\)\.$/, pixel: '6,6' },
  { hash: '#step=999', beside: '#steps-problem', says: /window 999 of pixel a, but it is read by 4 windows\. Showing window 4\.$/, position: 'window 4 of 4' },
];

const MESSAGE_SLOTS = ['#size-error', '#l1-error', '#l2-error', '#counts-problem', '#steps-problem', '#colormap-error'];

/** Whether an element is wholly inside the window, as loaded (no scrolling). */
function inView(page, selector) {
  return page.$eval(selector, (el) => {
    const box = el.getBoundingClientRect();
    return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
  });
}

for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
  for (const bad of BAD_LINKS) {
    test(`bad link ${bad.hash} at ${viewport.width}×${viewport.height}: drawn, and why beside ${bad.beside}, seen without scrolling`, async () => {
      const { page, context, log } = await openPage(env.browser, env.origin, `/explain.html${bad.hash}`, viewport);
      await waitIdle(page);
      // Drawn: both grids have cells, nothing is marked out of date.
      assert.ok((await page.locator('#counts .cell').count()) > 0, 'the count map is drawn');
      assert.ok((await page.locator('#padded .cell').count()) > 0, 'the padded input is drawn');
      assert.ok(await page.isHidden('#counts [data-role=stale]'), 'the view is the link’s nearest, not a stale one');
      // Beside its control, and only there.
      assert.ok(await page.isVisible(bad.beside), `the message is beside ${bad.beside}`);
      assert.match(await page.textContent(bad.beside), bad.says);
      for (const slot of MESSAGE_SLOTS.filter((s) => s !== bad.beside)) {
        assert.ok(await page.isHidden(slot), `nothing beside ${slot}`);
      }
      // Seen first: the notice above the figures says it too, inside the window as loaded.
      assert.match(await page.textContent('#notice .notice-message'), bad.says);
      assert.ok(await inView(page, '#notice'), 'the notice is visible without scrolling');
      // The controls and the URL show what is drawn.
      for (const [selector, value] of Object.entries(bad.shows ?? {})) assert.equal(await page.inputValue(selector), value, selector);
      if (bad.checked) assert.ok(await page.isChecked(bad.checked), bad.checked);
      if (bad.pixel) assert.equal(await selectedPixel(page), bad.pixel);
      if (bad.position) assert.equal((await readSteps(page)).position, bad.position);
      const drawn = await page.evaluate(() => location.hash);
      assert.equal(wasm.explainNearestValid(toConfig(decodeHash(drawn, catalog).state)), null, `the URL holds the drawn view: ${drawn}`);
      const problems = log.console.filter((m) => m.type === 'error' || m.type === 'warning');
      assert.deepEqual([...problems, ...log.errors], [], 'console errors or page errors');
      await context.close();
    });
  }
}

test('on a phone the notice leads to the control: layer 2’s message is brought into view', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/explain.html#k2=9&mode2=reflect&h=3&w=3&p2=4', { width: 390, height: 844 });
  await waitIdle(page);
  assert.ok(!(await inView(page, '#l2-error')), 'below the figures at first');
  await page.click('#notice .notice-go');
  await page.waitForFunction(() => {
    const box = document.querySelector('#l2-error').getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  }, null, { timeout: 5000 });
  assert.equal(await page.evaluate(() => document.activeElement.id), 'l2-kernel-7', 'the kernel it is about has the focus');
  await context.close();
});

test('an error is placed beside the layer its position names, whatever its wording', async () => {
  const { page, context } = await open('#h=3&w=3&k=3&p=1&mode=zeros&k2=7&p2=2&mode2=reflect');
  assert.ok(await page.isHidden('#notice'), 'a good link needs no notice');
  const before = await readCounts(page);
  // "layer 2's padding must be 0 to 6, got 9" names no `layer 2` the old wording-based guess
  // looked for; its position says layer 2.
  await page.fill('#l2-padding', '9');
  await page.press('#l2-padding', 'Enter');
  assert.ok(await page.isVisible('#l2-error'));
  assert.match(await page.textContent('#l2-error'), /got 9/);
  assert.ok(await page.isHidden('#l1-error'), 'not beside layer 1');
  assert.equal(await page.getAttribute('#l2-padding', 'aria-invalid'), '');
  assert.equal(await page.getAttribute('#l1-padding', 'aria-invalid'), null);
  assert.ok(await page.isVisible('#counts [data-role=stale]'), 'the last view is marked not updated');
  assert.ok(await page.isHidden('#notice'), 'a refused control is not a link: no notice');
  assert.deepEqual(await readCounts(page), before, 'the last good map stays');
  // Reflect wider than layer 2's 3×3 input: the position again says layer 2.
  await page.fill('#l2-padding', '3');
  await page.press('#l2-padding', 'Enter');
  assert.match(await page.textContent('#l2-error'), /reflect padding of 3/);
  assert.ok(await page.isHidden('#l1-error'));
  await page.fill('#l2-padding', '2');
  await page.press('#l2-padding', 'Enter');
  assert.ok(await page.isHidden('#l2-error'));
  assert.ok(await page.isHidden('#counts [data-role=stale]'));
  await context.close();
});

test('a smaller kernel narrows the padding to what the core allows, and in-page links keep the view', async () => {
  const { page, context } = await open('#h=7&w=7&k=5&p=4&mode=zeros');
  await page.click('label[for=l1-kernel-1]');
  assert.equal(await page.inputValue('#l1-padding'), '0', 'a 1×1 kernel takes no padding');
  assert.ok(await page.isHidden('#l1-error'));
  assert.ok((await readCounts(page)).flat().every((c) => c === 1), 'a 1×1 layer reads every pixel once');
  await page.click('label[for=l1-kernel-3]');
  assert.equal(await page.inputValue('#l1-padding'), '0', 'a wider kernel keeps the padding');
  assert.match(await page.textContent('#layer-1 [data-role=padding-hint]'), /^0 to 2 /);
  const hash = await page.evaluate(() => location.hash);
  await page.click('a[href="#learn"]');
  assert.equal(await page.evaluate(() => location.hash), hash, 'the view stays in the URL');
  assert.equal(await page.inputValue('#l1-padding'), '0', 'and on screen');
  await context.close();
});

test('a bad link followed with the page open is drawn at its nearest too, and the next good change clears the notice', async () => {
  const { page, context } = await open();
  await page.evaluate(() => {
    location.hash = '#h=2&w=2&k=3&p=2&mode=reflect';
  });
  await page.waitForSelector('#l1-error:not([hidden])');
  assert.equal(await page.inputValue('#l1-padding'), '1');
  assert.equal(await page.inputValue('#height'), '2');
  assert.ok(await page.isVisible('#notice'));
  assert.ok(await page.isHidden('#counts [data-role=stale]'), 'drawn, not stale');
  assert.equal((await readCounts(page)).flat().length, 4, 'the 2×2 image is drawn');
  await page.click('#preset-list [data-preset=zeros]');
  assert.ok(await page.isHidden('#notice'));
  assert.ok(await page.isHidden('#l1-error'));
  await context.close();
});
