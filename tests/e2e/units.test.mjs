// The page's pure modules, run directly in node: request coalescing, tick and number
// formatting, profiles, and the URL-hash round trip.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOG } from './core.mjs';
import { LatestOnly } from '../../www/js/shared/bridge.js';
import { bandSvg, colorbarLabels, formatCount, formatNumber, lineChartSvg, linearTicks, logTicks } from '../../www/js/shared/draw.js';
import { decodeHash, describe, encodeHash, localError, searchError, sweepSizes, thresholdError } from '../../www/js/explorer/shared/state.js';
import { FIT, fitZoom, panBy, pixelAt, pixelBox, revealPixel, stepZoom, viewportOf, zoomAround } from '../../www/js/explorer/shared/viewport.js';

/** A job runner whose jobs finish when the test says so. */
function controlledRunner() {
  const started = [];
  const run = (payload) =>
    new Promise((resolve, reject) => {
      started.push({ payload, resolve, reject });
    });
  return { started, run };
}

test('LatestOnly runs the newest waiting job next and drops the ones in between', async () => {
  const { started, run } = controlledRunner();
  const latest = new LatestOnly(run, { cancel: () => assert.fail('nothing should be cancelled'), cancelAfterMs: 10_000 });
  const results = [];
  for (let i = 1; i <= 10; i++) latest.submit(i).then((r) => results.push([i, r]));
  assert.deepEqual(started.map((s) => s.payload), [1], 'only the first runs at once');
  started[0].resolve('one');
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(started.map((s) => s.payload), [1, 10], 'then only the newest');
  started[1].resolve('ten');
  await new Promise((r) => setTimeout(r, 0));
  const byJob = Object.fromEntries(results);
  assert.equal(byJob[1], 'one');
  assert.equal(byJob[10], 'ten');
  for (let i = 2; i <= 9; i++) assert.equal(byJob[i], undefined, `job ${i} was superseded`);
});

test('LatestOnly cancels a slow job when a newer one waits', async () => {
  const { started, run } = controlledRunner();
  let cancelled = 0;
  const latest = new LatestOnly(run, {
    cancel: () => {
      cancelled++;
      started[0].reject(new DOMException('cancelled', 'AbortError'));
    },
    cancelAfterMs: 20,
  });
  const slow = latest.submit('slow');
  const next = latest.submit('next');
  assert.equal(cancelled, 0, 'not before the job has run for cancelAfterMs');
  assert.equal(await slow, undefined, 'the cancelled job resolves as superseded');
  assert.equal(cancelled, 1);
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(started.map((s) => s.payload), ['slow', 'next']);
  started[1].resolve('done');
  assert.equal(await next, 'done');
});

test('LatestOnly passes real errors on', async () => {
  const latest = new LatestOnly(() => Promise.reject(new Error('boom')), { cancel() {} });
  await assert.rejects(latest.submit(1), /boom/);
});

test('ticks are round numbers inside the range', () => {
  assert.deepEqual(linearTicks(0, 1, 6), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(linearTicks(0.0037, 1, 5), [0.5, 1]);
  assert.ok(linearTicks(0.0037, 1, 5).every((t) => t >= 0.0037 && t <= 1));
  assert.deepEqual(logTicks(4.4e-4, 1, 8), [0.001, 0.01, 0.1, 1]);
  assert.deepEqual(logTicks(0.3, 1, 8), [0.5, 1]);
});

test('numbers are formatted for people', () => {
  assert.equal(formatNumber(0.0037766, 4), '0.003777');
  assert.equal(formatNumber(4.4026e-4, 3), '4.4 × 10⁻⁴');
  assert.equal(formatNumber(1e15, 3), '10¹⁵');
  assert.equal(formatNumber(-2.5), '\u22122.5');
  assert.equal(formatNumber(NaN), 'n/a');
  assert.equal(formatNumber(256.75, 2), '260', 'never in exponent form between 10⁻³ and 10⁶');
  assert.equal(formatNumber(1.5, 4), '1.5');
  assert.deepEqual(formatCount(1853020188851841), { exact: '1853020188851841', approx: '1.853 × 10¹⁵' });
  assert.deepEqual(formatCount(1.5, 1), { exact: '3', approx: '3' });
  assert.equal(formatCount(1, 2000).approx, '1.148 × 10⁶⁰²');
  assert.equal(formatCount(2 ** 60).exact, null, 'beyond 2^53 a double is not exact');
});

test('colour-bar labels always show both ends and never crowd them', () => {
  const labels = colorbarLabels(0.00378, 1, 'linear', 400);
  assert.equal(labels[0].text, '1');
  assert.equal(labels.at(-1).text, '0.00378');
  for (let i = 1; i < labels.length; i++) assert.ok((labels[i].offset - labels[i - 1].offset) * 400 >= 18);
  assert.equal(colorbarLabels(1, 1, 'linear', 400).length, 1, 'a uniform map has one label');
  const log = colorbarLabels(4.4e-4, 1, 'log', 300);
  assert.ok(log.some((l) => l.value === 0.01), 'log bars label decades');
});

test('counts past the double range read as mantissa × 10^e, not ∞', () => {
  // A summary of 2000 stride-1 3×3 convs: stored value × 2^log2_scale is about 9^2000.
  const count = formatCount(1.5, 6339);
  assert.equal(count.exact, null);
  assert.match(count.approx, /^\d\.\d{3} × 10[⁰¹²³⁴⁵⁶⁷⁸⁹]+$/);
  assert.ok(!count.approx.includes('∞'));
});

test('the URL hash round-trips every control', () => {
  const state = {
    a: { arch: 'custom', spec: '{"layers": [{"type": "conv", "kernel": 3}]}', height: 225, width: 300, linked: false, mode: 'reflect', depth: 1 },
    b: { arch: 'resnet50', spec: '', height: 0, width: 0, linked: true, mode: null, depth: null },
    compare: true,
    display: { reference: 'centre', scale: 'log', colormap: 'cividis', shared: false },
    doctor: { framework: 'tf', searchFrom: 100, searchTo: 300 },
    sweep: { threshold: 0.25, from: 64, to: 512, step: 16, second: { arch: 'vgg19', mode: 'symmetric' }, run: true },
  };
  assert.deepEqual(decodeHash(`#${encodeHash(state)}`, CATALOG), state);
  const single = { ...state, sweep: { ...state.sweep, second: { arch: 'vgg11', mode: null } } };
  assert.deepEqual(decodeHash(`#${encodeHash(single)}`, CATALOG), single, 'a second series with its own padding');
  // Nonsense in form falls back to the core's defaults instead of breaking the page; a value
  // of the right form stays, for the engine to explain beside its control.
  const junk = decodeHash('#h=abc&mode=weird&ref=nope&depth=-1&fw=caffe&tau=1.5&sweep.step=-2&sweep.b.mode=odd', CATALOG);
  assert.equal(junk.a.height, CATALOG.defaults.size);
  assert.equal(junk.a.mode, 'weird');
  assert.equal(junk.a.depth, null);
  assert.equal(junk.display.shared, true, 'compare mode shares one colour scale by default');
  assert.equal(junk.display.reference, 'max');
  assert.deepEqual(junk.doctor, { framework: 'torch', searchFrom: 16, searchTo: 2048 });
  assert.deepEqual(junk.sweep, { threshold: 0.5, from: 32, to: 1024, step: 8, second: null, run: false });
  // Links from before the padding report still open, with its defaults.
  assert.equal(decodeHash('#arch=resnet50&h=224&w=224', CATALOG).sweep.second, null);
});

test('sweep sizes, search ranges, sizes and thresholds are checked before the engine sees them', () => {
  const limits = CATALOG.limits;
  assert.deepEqual(sweepSizes({ from: 32, to: 64, step: 16 }, limits).sizes, [32, 48, 64]);
  assert.deepEqual(sweepSizes({ from: 30, to: 40, step: 4 }, limits).sizes, [30, 34, 38], 'the last size may fall short of `to`');
  assert.match(sweepSizes({ from: 64, to: 32, step: 1 }, limits).error, /starts after it ends/);
  assert.match(sweepSizes({ from: 32, to: 64, step: NaN }, limits).error, /whole numbers/);
  assert.match(sweepSizes({ from: 1, to: 100000, step: 1 }, limits).error, new RegExp(`100000 sizes; at most ${limits.max_sweep_sizes}`));
  assert.equal(searchError({ searchFrom: 16, searchTo: 2048 }, limits), null);
  assert.match(searchError({ searchFrom: 300, searchTo: 200 }, limits), /starts after it ends \(300 > 200\)/);
  assert.match(searchError({ searchFrom: 0, searchTo: 200 }, limits), new RegExp(`whole numbers from 1 to ${limits.max_side}`));
  assert.equal(thresholdError(1), null);
  assert.ok(thresholdError(0) && thresholdError(1.01) && thresholdError(NaN));
  const config = { arch: 'vgg19', spec: '', height: 224, width: 224, linked: true, mode: null, depth: null };
  assert.equal(localError(config, limits), null);
  assert.equal(localError({ ...config, height: 99999999 }, limits), null, 'the engine explains sizes it can be sent');
  assert.match(localError({ ...config, height: 1e12 }, limits), /at most/);
  assert.match(localError({ ...config, width: NaN }, limits), /whole number of pixels \(got nothing\)/);
});

test('one layer is "1 layer"', () => {
  const config = { arch: 'vgg19', spec: '', height: 224, width: 224, linked: true, mode: null, depth: 1 };
  assert.match(describe(config), /first 1 layer$/);
  assert.match(describe({ ...config, depth: 3 }), /first 3 layers$/);
});

test('maps are drawn at integer scales that fit, and zoom and pan keep them integer', () => {
  // 224 in a 600 × 500 box: 2 × 2 device pixels per map pixel, centred in the canvas, which
  // is the box whatever the map (a new size never resizes it).
  assert.equal(fitZoom([224, 224], [500, 600]), 2);
  const fit = viewportOf([224, 224], [500, 600], FIT);
  assert.deepEqual(fit, { height: 500, width: 600, zoom: 2, offset: [26, 76] });
  assert.deepEqual([viewportOf([225, 225], [500, 600], FIT).height, viewportOf([225, 225], [500, 600], FIT).width], [500, 600]);
  // A 4096² map in the same box: each device pixel is the mean of an 9 × 9 block.
  assert.equal(fitZoom([4096, 4096], [500, 600]), -9);
  assert.deepEqual(viewportOf([4096, 4096], [500, 600], FIT).offset, [22, 72]);
  // Zooming keeps the pixel under the pointer where it is, wherever the map outgrows the
  // canvas (where it fits, it is drawn whole and centred instead).
  const large = viewportOf([1000, 1000], [500, 600], { zoom: 1, centre: [500, 500] });
  assert.deepEqual(large.offset, [-250, -200]);
  for (const point of [[1, 1], [100, 300], [400, 20], [250, 550]]) {
    const zoomed = viewportOf([1000, 1000], [500, 600], zoomAround(large, [1000, 1000], [500, 600], point, 2));
    assert.equal(zoomed.zoom, 2);
    assert.deepEqual(pixelAt(zoomed, [1000, 1000], point), pixelAt(large, [1000, 1000], point), `${point}`);
  }
  // From the fit scale: at 3:1 the map (672) outgrows the canvas both ways, so the pixel
  // under the pointer stays put (unless that would pull an edge of the map inside).
  const point = [250, 300];
  const zoomed = viewportOf([224, 224], [500, 600], zoomAround(fit, [224, 224], [500, 600], point, 3));
  assert.deepEqual(pixelAt(zoomed, [224, 224], point), pixelAt(fit, [224, 224], point));
  assert.deepEqual(zoomAround(zoomed, [224, 224], [500, 600], point, 2), FIT, 'back at the fit scale');
  // Panning stops at the map's edges.
  const big = viewportOf([224, 224], [500, 600], { zoom: 8, centre: [0, 0] });
  assert.deepEqual([big.height, big.width, big.offset], [500, 600, [0, 0]]);
  const panned = viewportOf([224, 224], [500, 600], panBy(big, [224, 224], [-100, -50]));
  assert.deepEqual(panned.offset, [-100, -50]);
  assert.deepEqual(pixelAt(panned, [224, 224], [0, 0]), [12, 6]);
  assert.deepEqual(pixelBox(panned, [12, 6]), { top: -4, left: -2, size: 8 });
  // Steps stay within [fit or 1:1, 64], and the keyboard cursor pulls the view along.
  assert.equal(stepZoom(2, -1, 2), 1);
  assert.equal(stepZoom(1, -1, 2), 1);
  assert.equal(stepZoom(64, 1, 2), 64);
  assert.equal(revealPixel(big, [224, 224], [10, 10]), null);
  const revealed = viewportOf([224, 224], [500, 600], revealPixel(big, [224, 224], [100, 100]));
  const box = pixelBox(revealed, [100, 100]);
  assert.ok(box.top >= 0 && box.top + 8 <= 500 && box.left >= 0 && box.left + 8 <= 600);
});

test('line charts leave gaps, include reference values and label shaded ranges', () => {
  const svg = lineChartSvg(
    [{ label: 'r', className: 'series-a', marker: 'circle', points: [{ x: 1, y: 0.5 }, { x: 2, y: null }, { x: 3, y: 2 }, { x: 4, y: 4 }] }],
    { width: 400, height: 200, xDomain: [0.5, 4.5], integerX: true, yScale: 'log', yInclude: [1], xLabel: 'depth', yLabel: 'ratio', bands: [{ from: 2.5, to: 3.5, label: 'layer2.0' }], rules: [{ y: 1, label: 'symmetric' }] },
  );
  const d = svg.match(/<path class="series series-a" d="([^"]*)"/)[1];
  assert.deepEqual(d.match(/[ML]/g), ['M', 'M', 'L'], 'the null point breaks the line');
  assert.equal((svg.match(/<circle /g) ?? []).length, 3, 'a marker per drawn point');
  assert.match(svg, /layer2\.0<\/text>/);
  assert.match(svg, /symmetric<\/text>/, 'the reference line at 1 is inside the range');
  assert.ok(!/>1\.5</.test(svg), 'integer x ticks only');
});

test('the band diagram draws each border band to scale', () => {
  const svg = bandSvg([11, 30, 11, 30], 224, 224, 224);
  const inner = svg.match(/class="band-inner" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/).slice(1).map(Number);
  assert.deepEqual(inner, [22 + 11, 22 + 11, 224 - 41, 224 - 41]);
  assert.match(svg, /top 11, bottom 30, left 11, right 30 pixels of a 224×224 input/);
});

test('embed snippets spell the view on screen, and round-trip through the attributes', async () => {
  const { embedSnippets } = await import('../../www/js/embed/shared/snippets.js');
  const { mapHashOf, gridHashOf } = await import('../../www/js/embed/shared/attributes.js');
  const site = 'https://example.org/padlens/';
  const explorer = `${site}index.html#arch=resnet50&h=224&w=224&compare=1&b.arch=resnet50&b.h=225&b.w=225&ref=max&scale=log&cmap=viridis`;
  const made = embedSnippets(explorer, site, CATALOG);
  assert.ok(made.ok);
  assert.equal(made.snippets.element, '<script type="module" src="https://example.org/padlens/js/embed/padlens-embed.js"></script>\n<padlens-map network="resnet50" size="224" compare-size="225" scale="log"></padlens-map>');
  assert.match(made.snippets.iframe, /^<iframe src="https:\/\/example\.org\/padlens\/embed\.html#view=map&amp;arch=resnet50&amp;h=224/);
  // The element's attributes decode to the state they came from.
  const attributes = new Map([...made.snippets.element.matchAll(/ ([a-z-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]).filter(([name]) => name !== 'type' && name !== 'src'));
  const back = decodeHash(mapHashOf((name) => attributes.get(name) ?? null), CATALOG);
  const original = decodeHash(new URL(explorer).hash, CATALOG);
  assert.deepEqual([back.a, back.b, back.compare, back.display], [original.a, original.b, original.compare, original.display]);

  const custom = embedSnippets(`${site}index.html#arch=custom&spec=${encodeURIComponent('{"name":"n","layers":[]}')}&h=97&w=131`, site, CATALOG);
  assert.match(custom.snippets.element, /<padlens-map spec="\{&quot;name&quot;:&quot;n&quot;,&quot;layers&quot;:\[\]\}" size="97x131"><\/padlens-map>/);

  const grid = embedSnippets(`${site}blindspots.html#demo=detector-zeros-224.onnx&height=224&width=224&background=image&bgimage=street-scene.png&score=boxes&k=0&iou=0.3&stride=16`, site, CATALOG);
  assert.match(grid.snippets.element, /<padlens-grid model="detector-zeros-224\.onnx" size="224" background="image" background-image="street-scene\.png" stride="16" score="boxes:0@0\.3"><\/padlens-grid>/);
  assert.equal(new URLSearchParams(gridHashOf((name) => ({ model: 'm.onnx', score: 'heatmap:2', size: '97x131' })[name] ?? null)).toString(), 'demo=m.onnx&height=97&width=131&score=heatmap&k=2');
  assert.deepEqual(embedSnippets(`${site}blindspots.html#demo=file:`, site, CATALOG), { ok: false, reason: 'A model opened from your disk stays on your computer: only the bundled models can be embedded.' });

  const explainer = embedSnippets(`${site}explain.html#h=6&w=6&k=3&s=2&d=1&p=1&mode=zeros&px=5,5&step=1&cmap=viridis`, site, CATALOG);
  assert.match(explainer.snippets.element, /<padlens-explainer size="6" kernel="3" stride="2" dilation="1" padding="1" mode="zeros" pixel="5,5" step="1" colormap="viridis"><\/padlens-explainer>/);
  assert.equal(embedSnippets(`${site}bench.html`, site, CATALOG).ok, false);
});
