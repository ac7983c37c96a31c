// Export: every view's <padlens-share> toolbar — Copy link, downloads, the Embed dialog — and
// what the downloads hold. Maps' NPY and CSV must be the CLI's bytes for the same state (the
// golden files in tests/e2e/export-golden are `padlens utilization` output, kept current by
// tests/export.rs); PNGs hold the map at a whole scale in the core's colours, with a colour
// bar; tables parse; SVGs are well-formed standalone files with the plotted points.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { PNG } from 'pngjs';
import { openPage, useBrowser, waitIdle } from './harness.mjs';
import { mapOrigin, pngScale } from '../../www/js/shared/map-png.js';
import { csvNumber } from '../../www/js/shared/export.js';

const env = useBrowser();
const GOLDEN = new URL('./export-golden/', import.meta.url);
const golden = (name) => fs.readFileSync(new URL(name, GOLDEN));

/**
 * Opens the share menu `share` (a selector) and downloads the one item whose file name
 * matches `pick` (a RegExp).
 */
async function download(page, share, pick) {
  const toolbar = page.locator(share);
  await toolbar.locator('summary').click();
  await toolbar.locator('.menu li').first().waitFor();
  const names = (await toolbar.locator('button.item').evaluateAll((items) => items.map((i) => i.dataset.filename))).filter((n) => pick.test(n));
  assert.equal(names.length, 1, `one download ${pick} in ${share}: ${names}`);
  const item = toolbar.locator(`button.item[data-filename="${names[0]}"]`);
  const [file] = await Promise.all([page.waitForEvent('download'), item.click()]);
  return { name: file.suggestedFilename(), bytes: fs.readFileSync(await file.path()) };
}

/** A .npy file's shape and f64 values. */
function readNpy(bytes) {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  assert.match(header, /^\{'descr': '<f8', 'fortran_order': False, 'shape': \(\d+, \d+\)\} *\n$/);
  assert.equal((10 + headerLength) % 64, 0, 'the data starts 64-byte aligned');
  const shape = /'shape': \((\d+), (\d+)\)/.exec(header).slice(1).map(Number);
  const data = bytes.subarray(10 + headerLength);
  assert.equal(data.length, shape[0] * shape[1] * 8);
  return { shape, values: Array.from({ length: shape[0] * shape[1] }, (_, i) => data.readDoubleLE(8 * i)) };
}

/** RFC 4180 rows: quoted fields may hold commas and doubled quotes. */
function csvRows(bytes) {
  return bytes
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .map((line) => [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map(([, field]) => (field.startsWith('"') ? field.slice(1, -1).replace(/""/g, '"') : field)));
}
const csvGrid = (bytes) => csvRows(bytes).flat().map(Number);

/** A CSV with a header as objects (no quoted commas in these files' numeric columns). */
function csvObjects(bytes) {
  const [header, ...rows] = csvRows(bytes);
  return rows.map((row) => Object.fromEntries(header.map((h, i) => [h, row[i]])));
}

/** Parses `text` as SVG in the page: its root name, parse errors, and how many points it plots. */
async function parseSvg(page, text) {
  return page.evaluate((svg) => {
    const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    const points = [...doc.querySelectorAll('path, polyline, circle, rect')].length;
    return {
      root: doc.documentElement.localName,
      namespace: doc.documentElement.namespaceURI,
      error: doc.querySelector('parsererror')?.textContent ?? null,
      title: doc.querySelector('title')?.textContent ?? null,
      points,
      styled: /stroke="/.test(svg),
      classes: /class="/.test(svg),
    };
  }, text);
}

function assertStandaloneSvg(svg) {
  assert.equal(svg.error, null, 'well-formed XML');
  assert.equal(svg.root, 'svg');
  assert.equal(svg.namespace, 'http://www.w3.org/2000/svg');
  assert.ok(svg.title, 'a <title>');
  assert.ok(svg.styled && !svg.classes, 'the page CSS written on as attributes, no classes left');
}

test('the core CSV number form: the JavaScript writer matches Rust\'s `{:?}`', () => {
  // What Rust prints for each (src/export.rs tests pin the Rust side).
  const cases = [[1, '1.0'], [0.30000000000000004, '0.30000000000000004'], [1e-24, '1e-24'], [2.5e300, '2.5e300'], [-0, '-0.0'], [0, '0.0'], [1e16, '1e16'], [9999999999999998, '9999999999999998.0'], [0.0001, '0.0001'], [0.00009, '9e-5'], [-1.5e-7, '-1.5e-7'], [123456.789, '123456.789'], [NaN, 'NaN']];
  for (const [value, text] of cases) assert.equal(csvNumber(value), text, String(value));
});

test('explorer: a map exports the CLI\'s NPY and CSV bytes, and a PNG in the core\'s colours', async () => {
  const { page, context, log } = await openPage(env.browser, env.origin, '/#arch=resnet18&h=20&w=21&mode=zeros');
  await waitIdle(page);
  const share = '#map-a padlens-share';
  const npy = await download(page, share, /\.npy$/);
  assert.equal(npy.name, 'resnet18_20x21_zeros.npy');
  assert.deepEqual(npy.bytes, golden('resnet18_20x21_zeros.npy'), 'the bytes of `padlens utilization --format npy`');
  const csv = await download(page, share, /\.csv$/);
  assert.equal(csv.name, 'resnet18_20x21_zeros.csv');
  assert.deepEqual(csv.bytes, golden('resnet18_20x21_zeros.csv'), 'the bytes of `padlens utilization --format csv`');
  const values = readNpy(npy.bytes).values;
  assert.deepEqual(csvGrid(csv.bytes), values);

  // The PNG: a title line, the map at a whole scale, a colour bar; each map value a k × k
  // block of the colour the CLI's PNG gives it (viridis, relative to the maximum, linear).
  const png = await download(page, share, /\.png$/);
  assert.equal(png.name, 'resnet18_20x21_zeros.png');
  const image = PNG.sync.read(png.bytes);
  const cli = PNG.sync.read(golden('resnet18_20x21_zeros.png'));
  const k = pngScale(20, 21);
  const [top, left] = mapOrigin();
  assert.ok(image.width > left + 21 * k + 16 + 16, `room for the bar and labels (${image.width})`);
  assert.ok(image.height >= top + 20 * k, `${image.height}`);
  const cliZoom = Math.min(16, Math.max(1, Math.floor(256 / 21))); // src/bin/padlens/main.rs map_png
  const pixel = (img, y, x) => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)];
  let distinct = new Set();
  for (let y = 0; y < 20; y++) {
    for (let x = 0; x < 21; x++) {
      const expected = pixel(cli, 4 + y * cliZoom + 1, x * cliZoom + 1);
      for (const [dy, dx] of [[0, 0], [k - 1, k - 1], [k >> 1, 1]]) {
        assert.deepEqual(pixel(image, top + y * k + dy, left + x * k + dx), expected, `map value (${y}, ${x})`);
      }
      distinct.add(expected.join());
    }
  }
  assert.ok(distinct.size > 10, `the map has colours (${distinct.size})`);
  // The colour bar: its top is viridis's top (yellow), its bottom viridis's bottom (purple).
  const barX = left + 21 * k + 16 + 8;
  const [r, g, b] = pixel(image, top + 2, barX);
  assert.ok(r > 200 && g > 200 && b < 80, `yellow at the top of the bar: ${[r, g, b]}`);
  const [r2, g2, b2] = pixel(image, top + 20 * k - 3, barX);
  assert.ok(r2 < 90 && g2 < 30 && b2 > 60, `purple at the bottom: ${[r2, g2, b2]}`);
  // Labels and title are dark text on white beside the bar and above the map.
  const darkIn = (y0, y1, x0, x1) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (pixel(image, y, x)[0] < 100) return true;
    return false;
  };
  assert.ok(darkIn(0, top - 4, left, image.width), 'a title line');
  assert.ok(darkIn(top, top + 20 * k, barX + 12, image.width), 'colour bar labels');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('explorer: copy link, its refused-clipboard fallback, profiles, summary, report, depth chart and sweep', async () => {
  const { page, context, log } = await openPage(env.browser, env.origin, '/#arch=resnet18&h=20&w=21&mode=zeros&sweep.from=20&sweep.to=40&sweep.step=10');
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.origin });
  await waitIdle(page);
  await page.waitForSelector('#doctor[data-status=idle]', { state: 'attached' });

  // Copy link: the clipboard holds the URL of this view, and the toolbar says so.
  const map = page.locator('#map-a padlens-share');
  await map.locator('button[data-action=link]').click();
  await page.waitForFunction(() => document.querySelector('#map-a padlens-share').shadowRoot.querySelector('.bar .note').textContent === 'Link copied');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const params = new URLSearchParams(new URL(copied).hash.slice(1));
  assert.deepEqual(['arch', 'h', 'w', 'mode', 'sweep.from'].map((k) => params.get(k)), ['resnet18', '20', '21', 'zeros', '20']);
  assert.equal(new URL(copied).pathname, '/');
  // Refused: the link is shown in a selected text field instead.
  await page.evaluate(() => {
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
  });
  await map.locator('button[data-action=link]').click();
  const fallback = map.locator('.fallback input');
  await fallback.waitFor({ state: 'visible' });
  assert.equal(await fallback.inputValue(), copied);
  assert.equal(await fallback.evaluate((input) => input.getRootNode().activeElement === input && input.selectionEnd - input.selectionStart === input.value.length), true);

  // Profiles: counts and counts ÷ max as plotted; the SVG draws standalone.
  const max = Math.max(...csvGrid(golden('resnet18_20x21_zeros.csv')));
  const row = await download(page, '.profiles padlens-share', /centre-row\.csv$/);
  assert.equal(row.name, 'resnet18_20x21_zeros_centre-row.csv');
  const rows = csvObjects(row.bytes);
  assert.equal(rows.length, 21);
  for (const r of rows) assert.equal(Number(r['count ÷ max']), Number(r.count) / max);
  const svg = await download(page, '.profiles padlens-share', /centre-column\.svg$/);
  const parsed = await parseSvg(page, svg.bytes.toString());
  assertStandaloneSvg(parsed);
  assert.ok(parsed.points >= 1, 'the profile line');

  // Summary: the core's figures.
  const summary = JSON.parse((await download(page, '.summary padlens-share', /\.json$/)).bytes);
  assert.equal(summary.length, 1);
  assert.equal(summary[0].max, max);
  assert.equal(summary[0].network, 'resnet18');
  for (const field of ['centre', 'min', 'corner_to_centre', 'left_to_right', 'top_to_bottom', 'height', 'width']) assert.ok(field in summary[0], field);
  const summaryCsv = csvObjects((await download(page, '.summary padlens-share', /\.csv$/)).bytes);
  assert.equal(Number(summaryCsv[0].max), max);

  // The uneven-padding report: the core's diagnosis, and one CSV row per layer.
  const report = await download(page, '#doctor > padlens-share', /_uneven\.json$/);
  assert.equal(report.name, 'resnet18_20x21_zeros_torch_uneven.json');
  const diagnosis = JSON.parse(report.bytes);
  assert.ok(Array.isArray(diagnosis.report.layers) && diagnosis.report.layers.length > 5);
  assert.ok(Array.isArray(diagnosis.depth_profile));
  const layerFile = await download(page, '#doctor > padlens-share', /_layers\.csv$/);
  assert.deepEqual(layerFile.bytes, golden('resnet18_20x21_zeros_torch_uneven_layers.csv'), 'the bytes of `padlens uneven --format csv`');
  const layers = csvObjects(layerFile.bytes);
  assert.deepEqual(layers.map((l) => l.name), diagnosis.report.layers.map((l) => l.name));

  // The depth chart: CSV of the ratios, and the chart.
  const depth = csvObjects((await download(page, '#depth padlens-share', /\.csv$/)).bytes);
  assert.equal(depth.length, diagnosis.depth_profile.length);
  depth.forEach((d, i) => assert.equal(d.layer, diagnosis.depth_profile[i].layer));
  assertStandaloneSvg(await parseSvg(page, (await download(page, '#depth padlens-share', /\.svg$/)).bytes.toString()));

  // Boundary marginalization of A's map: the figures on screen, and the band diagram.
  const margin = await download(page, '#marginalization > padlens-share', /\.json$/);
  const figures = JSON.parse(margin.bytes.toString());
  assert.match(margin.name, /_marginalization_tau0\.5\.json$/);
  assert.equal(await page.textContent('#margin-current [data-field=band]'), figures.band.join(', '));
  const [marginRow] = csvObjects((await download(page, '#marginalization > padlens-share', /\.csv$/)).bytes);
  assert.equal(Number(marginRow.share), figures.share);
  assert.equal(Number(marginRow.band_right), figures.band[3]);
  assertStandaloneSvg(await parseSvg(page, (await download(page, '#marginalization > padlens-share', /band\.svg$/)).bytes.toString()));

  // The sweep: nothing to download before one runs; then the CLI's columns.
  await page.locator('#sweep padlens-share summary').click();
  assert.match(await page.locator('#sweep padlens-share .menu').textContent(), /Nothing on screen/);
  await page.keyboard.press('Escape');
  await page.click('#sweep-run');
  await page.waitForSelector('#sweep[data-status=done]', { state: 'attached', timeout: 60000 });
  const sweep = await download(page, '#sweep padlens-share', /\.csv$/);
  assert.equal(sweep.name, 'resnet18_zeros_sweep_20-40_tau0.5.csv');
  const sweepText = sweep.bytes.toString();
  assert.match(sweepText, /^size,share,band_top,band_bottom,band_left,band_right,band_max,band_relative,period_height,period_width,interior_log2,error\n/);
  assert.deepEqual(csvObjects(sweep.bytes).map((p) => p.size), ['20', '30', '40']);
  const sweepSvg = await parseSvg(page, (await download(page, '#sweep padlens-share', /\.svg$/)).bytes.toString());
  assertStandaloneSvg(sweepSvg);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('explorer: compare mode names B and the ratio after what they hold', async () => {
  const { page, context, log } = await openPage(env.browser, env.origin, '/#arch=resnet18&h=20&w=21&mode=zeros&compare=1&b.arch=resnet18&b.h=20&b.w=21&b.mode=symmetric');
  await waitIdle(page);
  const b = await download(page, '#map-b padlens-share', /\.npy$/);
  assert.equal(b.name, 'resnet18_20x21_symmetric.npy');
  const a = readNpy((await download(page, '#map-a padlens-share', /\.npy$/)).bytes);
  const ratio = await download(page, '#map-ratio padlens-share', /\.csv$/);
  assert.equal(ratio.name, 'resnet18_20x21_zeros_vs_symmetric_ratio.csv');
  const bValues = readNpy(b.bytes).values;
  csvGrid(ratio.bytes).forEach((r, i) => assert.equal(r, a.values[i] / bValues[i], `A ÷ B at ${i}`));
  const png = PNG.sync.read((await download(page, '#map-ratio padlens-share', /\.png$/)).bytes);
  assert.ok(png.width > 21 * 16 && png.height > 20 * 16);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('the toolbar: keyboard, labels, and the Embed dialog with both snippets', async () => {
  const { page, context, log } = await openPage(env.browser, env.origin, '/#arch=resnet18&h=20&w=21&mode=zeros');
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.origin });
  await waitIdle(page);
  const share = page.locator('#map-a padlens-share');
  assert.equal(await share.locator('.bar').getAttribute('aria-label'), 'Share and export: map A');
  await share.locator('button[data-action=embed]').click();
  const dialog = share.locator('dialog');
  await dialog.waitFor({ state: 'visible' });
  assert.equal(await dialog.evaluate((d) => d.open), true);
  // The snippets of the view on screen (js/embed/shared/snippets.js).
  const element = `<script type="module" src="${env.origin}/js/embed/padlens-embed.js"></script>\n<padlens-map network="resnet18" size="20x21" padding="zeros"></padlens-map>`;
  assert.equal(await share.locator('textarea').first().inputValue(), element);
  const iframe = await share.locator('textarea').nth(1).inputValue();
  assert.match(iframe, new RegExp(`^<iframe src="${env.origin}/embed\\.html#view=map&amp;arch=resnet18&amp;h=20&amp;w=21&amp;`));
  await share.locator('dialog button[data-copy]').nth(1).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), iframe);
  assert.equal(await share.locator('dialog .note').textContent(), 'Copied.');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  // A view that cannot be embedded says why, with no snippet.
  await page.evaluate(() => {
    const bar = document.querySelector('#map-a padlens-share');
    bar.configure({ link: () => location.href, downloads: () => [], embed: () => ({ ok: false, reason: 'Not this one.' }) });
  });
  await share.locator('button[data-action=embed]').click();
  await dialog.waitFor({ state: 'visible' });
  assert.equal(await share.locator('dialog .embed-reason').textContent(), 'Not this one.');
  assert.equal(await share.locator('dialog .snippet').first().isVisible(), false);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });

  // The menu by keyboard: Enter opens it with its first item focused, Escape closes it.
  const summary = page.locator('#summary-title + padlens-share summary');
  await summary.focus();
  await page.keyboard.press('Enter');
  const focused = () => page.evaluate(() => document.querySelector('#summary-title + padlens-share').shadowRoot.activeElement?.dataset.filename ?? null);
  await page.waitForFunction(() => document.querySelector('#summary-title + padlens-share').shadowRoot.activeElement?.classList.contains('item'));
  assert.equal(await focused(), 'resnet18_20x21_zeros_summary.json');
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => document.querySelector('#summary-title + padlens-share').shadowRoot.querySelector('details').open), false);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('blind spots: grid PNG, NPY and CSV from the core, rates, profiles and the shift experiment', async () => {
  const { page, context, log } = await openPage(env.browser, env.origin, '/blindspots.html#stride=40');
  await page.waitForFunction(() => /^\d+ placements in /.test(document.querySelector('#run-status').textContent), null, { timeout: 120000 });
  const share = 'padlens-share[data-grid=A]';
  const npy = await download(page, share, /\.npy$/);
  assert.match(npy.name, /^resnet18-narrow_224x224_own_traffic-light\d+_stride40_.*\.npy$/);
  const grid = readNpy(npy.bytes);
  const [rows, cols] = grid.shape;
  const csv = await download(page, share, /\.csv$/);
  assert.equal(csv.bytes.toString(), grid.values.reduce((text, v, i) => text + csvNumber(v) + ((i + 1) % cols ? ',' : '\n'), ''), 'the core\'s CSV of the NPY\'s values');
  const png = PNG.sync.read((await download(page, share, /\d\.png$/)).bytes);
  const k = pngScale(rows, cols);
  const [top, left] = mapOrigin();
  assert.ok(png.width > left + cols * k + 32 && png.height >= top + rows * k, `${png.width}×${png.height}`);
  // Equal scores, equal colours; each cell a k × k block.
  const colourAt = (r, c, dy = 0, dx = 0) => [...png.data.subarray(((top + r * k + dy) * png.width + left + c * k + dx) * 4, ((top + r * k + dy) * png.width + left + c * k + dx) * 4 + 3)].join();
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) assert.equal(colourAt(r, c), colourAt(r, c, k - 1, k - 1));
  const lowest = grid.values.indexOf(Math.min(...grid.values));
  const highest = grid.values.indexOf(Math.max(...grid.values));
  assert.notEqual(colourAt(Math.floor(lowest / cols), lowest % cols), colourAt(Math.floor(highest / cols), highest % cols));
  const overlay = await download(page, share, /_overlay\.png$/);
  assert.ok(PNG.sync.read(overlay.bytes).width >= 224);

  const rates = JSON.parse((await download(page, '#share-rates', /\.json$/)).bytes);
  assert.equal(rates[0].grid, 'A');
  assert.equal(rates[0].placements, rows * cols);
  assert.equal(rates[0].detected, grid.values.filter((v) => v >= rates[0].threshold).length);
  const ratesCsv = csvObjects((await download(page, '#share-rates', /\.csv$/)).bytes);
  assert.equal(Number(ratesCsv[0].detected), rates[0].detected);

  const profiles = csvObjects((await download(page, '#share-profiles', /\.csv$/)).bytes);
  assert.equal(profiles.filter((p) => p.axis === 'row').length, rows);
  const firstRow = grid.values.slice(0, cols);
  assert.equal(Number(profiles[0].mean_A), firstRow.reduce((s, v) => s + v, 0) / cols);
  assertStandaloneSvg(await parseSvg(page, (await download(page, '#share-profiles', /_rows\.svg$/)).bytes.toString()));

  // The shift experiment: nothing until a cell is clicked; then the CLI's `shift` CSV columns.
  await page.locator('#share-shift summary').click();
  assert.match(await page.locator('#share-shift .menu').textContent(), /Nothing on screen/);
  await page.keyboard.press('Escape');
  await page.$eval('#grid-a', (el) => el.shadowRoot.querySelector('canvas.map').focus());
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#shift-status').textContent.startsWith('Stimulus at'), null, { timeout: 60000 });
  const shift = await download(page, '#share-shift', /\.csv$/);
  const shiftText = shift.bytes.toString();
  assert.match(shiftText, /^direction,shift,score\n(up|down|left|right),0,-?\d/);
  const curve = JSON.parse((await download(page, '#share-shift', /\.json$/)).bytes);
  assert.equal(csvObjects(shift.bytes).length, curve.directions.reduce((n, d) => n + d.scores.length, 0));
  const shiftSvg = await parseSvg(page, (await download(page, '#share-shift', /\.svg$/)).bytes.toString());
  assertStandaloneSvg(shiftSvg);
  assert.ok(shiftSvg.points >= 4, 'four directions');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('model page: the utilization map from the worker, the report, feature maps and filters', async () => {
  const { page, context, log } = await openPage(env.browser, env.origin, '/model.html');
  await page.waitForFunction(() => document.querySelector('#utilization-caption').textContent !== '', null, { timeout: 120000 });
  const npy = await download(page, '#share-padding', /\.npy$/);
  assert.match(npy.name, /_224_own_utilization\.npy$/);
  const map = readNpy(npy.bytes);
  assert.deepEqual(map.shape, [224, 224]);
  assert.deepEqual(csvGrid((await download(page, '#share-padding', /utilization\.csv$/)).bytes), map.values);
  const png = PNG.sync.read((await download(page, '#share-padding', /\.png$/)).bytes);
  assert.ok(png.width > 224 + 32 && png.height > 224);
  const report = JSON.parse((await download(page, '#share-padding', /_uneven\.json$/)).bytes);
  assert.ok(report.report.layers.length > 0);
  const layers = csvObjects((await download(page, '#share-padding', /_layers\.csv$/)).bytes);
  assert.deepEqual(layers.map((l) => l.name), report.report.layers.map((l) => l.name));
  assert.ok(JSON.parse((await download(page, '#share-summary', /\.json$/)).bytes).size);
  const filters = JSON.parse((await download(page, '#share-filters', /\.json$/)).bytes);
  const filterCsv = csvObjects((await download(page, '#share-filters', /\.csv$/)).bytes);
  assert.equal(filterCsv.length, filters.reduce((n, f) => n + f.values.length, 0));
  assert.equal(Number(filterCsv[0].value), filters[0].values[0]);
  // The forward pass: the table's largest values, with the output they are of.
  await page.waitForSelector('#top-outputs tbody tr');
  const forward = JSON.parse((await download(page, '#share-forward', /\.json$/)).bytes);
  assert.equal(forward.top.length, await page.locator('#top-outputs tbody tr').count());
  assert.equal(String(forward.top[0].index), await page.textContent('#top-outputs tbody tr:first-child td:first-child'));
  const forwardCsv = csvObjects((await download(page, '#share-forward', /\.csv$/)).bytes);
  assert.deepEqual(forwardCsv.map((row) => Number(row.value)), forward.top.map((p) => p.logit));
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('explainer: the count map from the core as NPY, CSV and PNG, and the steps as JSON', async () => {
  const { page, context, log } = await openPage(env.browser, env.origin, '/explain.html');
  await page.waitForSelector('#counts[data-drawn], #counts canvas, #counts svg', { state: 'attached' });
  const npy = await download(page, '#share-explain', /_counts\.npy$/);
  const counts = readNpy(npy.bytes);
  assert.match(npy.name, /^explain_\d+(x\d+)?_k\d+s\d+d\d+p\d+-\w+_counts\.npy$/);
  assert.deepEqual(csvGrid((await download(page, '#share-explain', /_counts\.csv$/)).bytes), counts.values);
  const json = JSON.parse((await download(page, '#share-explain', /\.json$/)).bytes);
  assert.deepEqual(json.explanation.counts, counts.values);
  assert.ok(Array.isArray(json.pixel.windows));
  const png = PNG.sync.read((await download(page, '#share-explain', /_counts\.png$/)).bytes);
  const [top, left] = mapOrigin();
  assert.ok(png.width > left + counts.shape[1] * pngScale(...counts.shape));
  assert.ok(png.height > top + counts.shape[0] * pngScale(...counts.shape));
  const link = await page.locator('#share-explain button[data-action=link]').isVisible();
  assert.ok(link, 'Copy link');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('paper: each utilization figure exports its map as the core encodes it, and links to the explorer', async () => {
  const { page, context, log } = await openPage(env.browser, env.origin, '/paper.html');
  await page.waitForFunction(() => !document.querySelector('#share-uneven-224').shadowRoot.querySelector('details').hidden, null, { timeout: 120000 });
  const npy = await download(page, '#share-uneven-224', /\.npy$/);
  assert.equal(npy.name, 'resnet50_224_own.npy');
  const map = readNpy(npy.bytes);
  assert.deepEqual(map.shape, [224, 224]);
  assert.deepEqual(csvGrid((await download(page, '#share-uneven-224', /\.csv$/)).bytes), map.values);
  const png = PNG.sync.read((await download(page, '#share-uneven-224', /\.png$/)).bytes);
  const [top, left] = mapOrigin();
  assert.ok(png.width > left + 224 * pngScale(224, 224) + 32 && png.height > top + 224 * pngScale(224, 224));
  // ResNet-50 at 224 favours the top-left (uneven padding): the first column outweighs the last.
  const column = (c) => map.values.filter((_, i) => i % 224 === c).reduce((s, v) => s + v, 0);
  assert.ok(column(0) > column(223));
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.origin });
  await page.locator('#share-uneven-224 button[data-action=link]').click();
  const link = new URL(await page.evaluate(() => navigator.clipboard.readText()));
  assert.equal(link.pathname, '/index.html');
  assert.equal(new URLSearchParams(link.hash.slice(1)).get('arch'), 'resnet50');

  // The detectability grids and the shift experiment, once the page has computed them.
  await waitIdle(page, 240000);
  const grid = await download(page, '#share-grid-zeros', /\.npy$/);
  assert.match(grid.name, /^detector-zeros-224_.*_grid\.npy$/);
  const scores = readNpy(grid.bytes);
  assert.deepEqual(csvGrid((await download(page, '#share-grid-zeros', /\.csv$/)).bytes), scores.values);
  assert.ok(PNG.sync.read((await download(page, '#share-grid-mirror', /\.png$/)).bytes).width > 0);
  await page.waitForSelector('#shift-chart svg[role=img]', { timeout: 120000 });
  const shift = await download(page, '#share-shift-chart', /\.csv$/);
  assert.match(shift.bytes.toString(), /^direction,shift,score\n/);
  assertStandaloneSvg(await parseSvg(page, (await download(page, '#share-shift-chart', /\.svg$/)).bytes.toString()));

  // The mean filters of the three detectors, and the AP table with the paper's quoted rows.
  const filters = JSON.parse((await download(page, '#share-filters', /\.json$/)).bytes);
  assert.deepEqual([...new Set(filters.map((f) => f.model))], ['detector-mirror-224.onnx', 'detector-zeros-224.onnx', 'detector-zeros-225.onnx']);
  const filterRows = csvObjects((await download(page, '#share-filters', /\.csv$/)).bytes);
  assert.equal(filterRows.length, filters.reduce((n, f) => n + f.values.length, 0));
  assert.equal(Number(filterRows[0].value), filters[0].values[0]);
  const ap = csvObjects((await download(page, '#share-ap', /\.csv$/)).bytes);
  assert.deepEqual(ap.map((row) => row.source), ['model card detector-zeros-224.json', 'model card detector-mirror-224.json', 'model card detector-zeros-225.json', 'the paper (quoted)', 'the paper (quoted)']);
  assert.equal(Number(ap[3].ap50), 0.4958);
  assert.equal(await page.locator('#ap-ours tr').count(), 3);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('benchmark: the results as JSON (window.benchResults) and one CSV row per case', { timeout: 400000 }, async () => {
  const { page, context, log } = await openPage(env.browser, env.origin, '/bench.html');
  await page.waitForFunction(() => /^Done/.test(document.querySelector('#bench-status').textContent), null, { timeout: 360000 });
  const results = await page.evaluate(() => window.benchResults);
  const json = await download(page, '#share-bench', /\.json$/);
  assert.match(json.name, /^padlens_bench_\d{4}-\d\d-\d\d\.json$/);
  assert.deepEqual(JSON.parse(json.bytes), results);
  const rows = csvObjects((await download(page, '#share-bench', /\.csv$/)).bytes);
  assert.deepEqual(rows.map((r) => `${r.network} ${r.size} ${r.padding}`), results.cases.map((c) => `${c.arch} ${c.size} ${c.mode}`));
  assert.equal(Number(rows[0].compute_median), results.cases[0].compute.median);
  assert.equal(Number(rows[3].colorbar_median), results.cases[3].extra.colorbar.median);
  assert.deepEqual(log.errors, []);
  await context.close();
});
