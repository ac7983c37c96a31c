// The page's pure modules, run directly in node: request coalescing, tick and number
// formatting, profiles, and the URL-hash round trip.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatestOnly } from '../../www/js/bridge.js';
import { centreProfiles, colorbarLabels, formatCount, formatNumber, linearTicks, logTicks } from '../../www/js/draw.js';
import { decodeHash, encodeHash } from '../../www/js/state.js';

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
  };
  assert.deepEqual(decodeHash(`#${encodeHash(state)}`, modes), state);
  // Nonsense falls back to defaults instead of breaking the page.
  const junk = decodeHash('#h=abc&mode=weird&ref=nope&depth=-1', modes);
  assert.equal(junk.a.height, 224);
  assert.equal(junk.a.mode, null);
  assert.equal(junk.a.depth, null);
  assert.equal(junk.display.reference, 'max');
});
