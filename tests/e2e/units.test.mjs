// The page's pure modules, run directly in node: request coalescing, tick and number
// formatting, profiles, and the URL-hash round trip.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatestOnly } from '../../www/js/bridge.js';
import { bandSvg, centreProfiles, colorbarLabels, formatCount, formatNumber, lineChartSvg, linearTicks, logTicks } from '../../www/js/draw.js';
import { decodeHash, encodeHash, searchError, sweepSizes, thresholdError } from '../../www/js/state.js';

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

test('centre profiles average the middle two rows and columns of even sides', () => {
  // 2 rows × 3 columns.
  const p = centreProfiles(Float64Array.from([1, 2, 3, 5, 6, 7]), 2, 3);
  assert.deepEqual(Array.from(p.row), [3, 4, 5]);
  assert.deepEqual(Array.from(p.column), [2, 6]);
  assert.deepEqual(p.rows, [0, 1]);
  assert.deepEqual(p.columns, [1]);
});

test('the URL hash round-trips every control', () => {
  const modes = ['zeros', 'reflect', 'symmetric'];
  const state = {
    a: { arch: 'custom', spec: '{"layers": [{"type": "conv", "kernel": 3}]}', height: 225, width: 300, linked: false, mode: 'reflect', depth: 1 },
    b: { arch: 'resnet50', spec: '', height: 0, width: 0, linked: true, mode: null, depth: null },
    compare: true,
    display: { reference: 'centre', scale: 'log', colormap: 'cividis' },
    doctor: { framework: 'tf', searchFrom: 100, searchTo: 300 },
    sweep: { threshold: 0.25, from: 64, to: 512, step: 16, second: { arch: 'vgg19', mode: 'symmetric' } },
  };
  assert.deepEqual(decodeHash(`#${encodeHash(state)}`, modes), state);
  const single = { ...state, sweep: { ...state.sweep, second: { arch: 'vgg11', mode: null } } };
  assert.deepEqual(decodeHash(`#${encodeHash(single)}`, modes), single, 'a second series with its own padding');
  // Nonsense falls back to defaults instead of breaking the page.
  const junk = decodeHash('#h=abc&mode=weird&ref=nope&depth=-1&fw=caffe&tau=1.5&sweep.step=-2&sweep.b.mode=odd', modes);
  assert.equal(junk.a.height, 224);
  assert.equal(junk.a.mode, null);
  assert.equal(junk.a.depth, null);
  assert.equal(junk.display.reference, 'max');
  assert.deepEqual(junk.doctor, { framework: 'torch', searchFrom: 16, searchTo: 2048 });
  assert.deepEqual(junk.sweep, { threshold: 0.5, from: 32, to: 1024, step: 8, second: null });
  // Links from before the padding report still open, with its defaults.
  assert.equal(decodeHash('#arch=resnet50&h=224&w=224', modes).sweep.second, null);
});

test('sweep sizes, search ranges and thresholds are checked before the engine sees them', () => {
  assert.deepEqual(sweepSizes({ from: 32, to: 64, step: 16 }).sizes, [32, 48, 64]);
  assert.deepEqual(sweepSizes({ from: 30, to: 40, step: 4 }).sizes, [30, 34, 38], 'the last size may fall short of `to`');
  assert.match(sweepSizes({ from: 64, to: 32, step: 1 }).error, /starts after it ends/);
  assert.match(sweepSizes({ from: 32, to: 64, step: NaN }).error, /whole numbers/);
  assert.match(sweepSizes({ from: 1, to: 100000, step: 1 }).error, /100000 sizes; at most 4096/);
  assert.equal(searchError({ searchFrom: 16, searchTo: 2048 }), null);
  assert.match(searchError({ searchFrom: 300, searchTo: 200 }), /starts after it ends \(300 > 200\)/);
  assert.match(searchError({ searchFrom: 0, searchTo: 200 }), /whole numbers from 1/);
  assert.equal(thresholdError(1), null);
  assert.ok(thresholdError(0) && thresholdError(1.01) && thresholdError(NaN));
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
