// The uneven-padding report and boundary marginalization: the report flags what the core
// finds, a suggested size applies to the whole page, the framework switch turns the verdict
// around, the depth chart and the sweep draw, and a long sweep can be cancelled while the
// map keeps updating.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapSize, openPage, readSummary, useBrowser, waitIdle } from './harness.mjs';

const env = useBrowser();

/** Waits until the report and the map's marginalization show the newest request. */
function waitReport(page) {
  return page.waitForSelector('#doctor[data-status=idle]', { state: 'attached', timeout: 30000 });
}

/** The report's rows as {layer, verdict (kind), text, offending}. */
function reportRows(page) {
  return page.$$eval('#uneven-report .report-table tbody tr', (rows) =>
    rows.map((r) => ({
      layer: r.dataset.layer,
      verdict: r.dataset.verdict,
      text: r.querySelector('.verdict').textContent,
      offending: r.classList.contains('offending'),
      // input, k/s/p/d, output, read top/bottom, read left/right, tail, input unread, verdict
      cells: [...r.querySelectorAll('td')].map((td) => td.textContent),
    })),
  );
}

// torchvision's ResNet-50 at 224: every down-sampling layer reads its padding unevenly, and
// the 1×1 shortcuts of stride 2 drop the last row and column (definitions.md §1).
const RESNET50_224_FLAGGED = [
  'conv1', 'maxpool',
  'layer2.0.conv2', 'layer2.0.downsample.0',
  'layer3.0.conv2', 'layer3.0.downsample.0',
  'layer4.0.conv2', 'layer4.0.downsample.0',
];

test('the report flags the 8 uneven layers of ResNet-50 at 224 and none at 225', async () => {
  const { page, context, log } = await openPage(env.browser, env.origin, '/#arch=resnet50&h=224&w=224');
  await waitReport(page);
  let rows = await reportRows(page);
  assert.equal(rows.length, 21, 'every layer that pads or down-samples');
  assert.deepEqual(rows.filter((r) => r.offending).map((r) => r.layer), RESNET50_224_FLAGGED);
  const byName = Object.fromEntries(rows.map((r) => [r.layer, r]));
  assert.equal(byName['layer2.0.conv2'].verdict, 'uneven');
  assert.equal(byName['layer2.0.conv2'].text, 'uneven: more top, left');
  // Padding read top/bottom, left/right: 1 before, none after.
  assert.deepEqual(byName['layer2.0.conv2'].cells.slice(3, 5), ['1 / 0', '1 / 0']);
  assert.equal(byName['layer2.0.downsample.0'].verdict, 'drops');
  assert.equal(byName['layer2.0.downsample.0'].cells[6], '1, 1', 'one row and one column of input unread');
  assert.equal(byName['layer1.0.conv2'].verdict, 'even');
  assert.match(await page.textContent('#uneven-report .report-headline'), /^8 of 21 layers/);
  // The flagged-only filter hides the even rows.
  await page.check('#uneven-report [data-role=filter]');
  assert.equal(await page.locator('#uneven-report .report-table tbody tr:visible').count(), 8);

  await page.fill('#a-height', '225');
  await waitReport(page);
  rows = await reportRows(page);
  assert.equal(rows.length, 21);
  assert.deepEqual(rows.filter((r) => r.offending), [], 'nothing flagged at 225');
  assert.ok(rows.every((r) => r.verdict === 'even'));
  assert.match(await page.textContent('#uneven-report .report-headline'), /^All 21 layers/);
  assert.equal(await page.locator('#uneven-report .report-table tbody tr:visible').count(), 0, 'the filter leaves no row');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('the size advice gives the rule, and choosing a suggested size applies it to the page', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=resnet50&h=224&w=224');
  await waitIdle(page);
  await waitReport(page);
  const advice = page.locator('#uneven-report .advice');
  assert.equal(await advice.count(), 1, 'one entry for both axes of a square input');
  assert.match(await advice.textContent(), /Height and width 224\s+uneven somewhere/);
  assert.match(await advice.locator('.advice-rule').textContent(), /n ≡ 1 \(mod 32\), for n ≥ 33/);
  assert.match(await advice.locator('.advice-sizes').textContent(), /in 16–2048/);
  assert.notEqual((await readSummary(page)).left_to_right, '1', 'skewed at 224');

  await advice.locator('button[data-height="225"]').click();
  await waitIdle(page);
  await waitReport(page);
  assert.equal(await page.inputValue('#a-height'), '225');
  assert.equal(await page.inputValue('#a-width'), '225');
  assert.match(await page.evaluate(() => location.hash), /(^|[#&])h=225&w=225(&|$)/);
  const summary = await readSummary(page);
  assert.equal(summary.size, '225 × 225');
  assert.equal(summary.left_to_right, '1');
  assert.equal(summary.top_to_bottom, '1');
  assert.deepEqual(await mapSize(page, '#map-a'), [225, 225]);
  assert.match(await page.textContent('#uneven-report .advice'), /Height and width 225\s+even at every layer/);

  // An alternative's input size applies the same way.
  await page.fill('#a-height', '224');
  await waitReport(page);
  await page.click('#uneven-report .alternatives-table button[data-height="193"][data-width="193"]');
  await waitIdle(page);
  assert.equal((await readSummary(page)).size, '193 × 193');
  assert.equal((await readSummary(page)).left_to_right, '1');

  // The search range bounds the advice.
  await page.fill('#a-height', '224');
  await page.fill('#search-from', '200');
  await page.fill('#search-to', '220');
  await waitReport(page);
  assert.match(await page.textContent('#uneven-report .advice-sizes'), /in 200–220:\s+below\s+none\s+above\s+none/);
  assert.match(await page.textContent('#uneven-report .advice-rule'), /no single residue class/);
  assert.match(await page.evaluate(() => location.hash), /search\.from=200&search\.to=220/);
  await page.fill('#search-from', '300');
  await waitReport(page);
  assert.match(await page.textContent('#doctor-error'), /starts after it ends \(300 > 220\)/);
  assert.ok(await page.isVisible('#doctor-stale'), 'the last report stays, marked as not updated');
  await context.close();
});

test('the framework switch turns the verdict to the other side', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=resnet50&h=224&w=224');
  await waitReport(page);
  let conv1 = (await reportRows(page)).find((r) => r.layer === 'conv1');
  assert.equal(conv1.text, 'uneven: more top, left');
  assert.deepEqual(conv1.cells.slice(3, 5), ['3 / 2', '3 / 2']);
  const torchLast = await page.$eval('#depth-chart tbody tr:last-child', (r) => r.cells[2].textContent);

  await page.check('#framework-tf', { force: true });
  await waitReport(page);
  const rows = await reportRows(page);
  conv1 = rows.find((r) => r.layer === 'conv1');
  assert.equal(conv1.text, 'uneven: more bottom, right', 'SAME puts the extra pixel after');
  assert.deepEqual(conv1.cells.slice(3, 5), ['2 / 3', '2 / 3']);
  assert.equal(rows.find((r) => r.layer === 'maxpool').text, 'uneven: more bottom, right');
  assert.match(await page.textContent('#uneven-report .alternatives-table tr.as-is'), /TF\/Keras SAME/);
  // The map leans the other way: left ÷ right below 1 instead of above.
  const tfLast = await page.$eval('#depth-chart tbody tr:last-child', (r) => r.cells[2].textContent);
  assert.ok(Number(torchLast) > 1 && Number(tfLast) < 1, `left ÷ right ${torchLast} then ${tfLast}`);
  assert.match(await page.evaluate(() => location.hash), /fw=tf/);

  // A link keeps the framework.
  const again = await openPage(env.browser, env.origin, `/${await page.evaluate(() => location.hash)}`);
  await waitReport(again.page);
  assert.ok(await again.page.isChecked('#framework-tf'));
  assert.equal((await reportRows(again.page)).find((r) => r.layer === 'conv1').text, 'uneven: more bottom, right');
  await again.context.close();
  await context.close();
});

test('the depth chart steps away from 1 at the flagged layers', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=resnet50&h=224&w=224');
  await waitReport(page);
  const chart = await page.$eval('#depth-chart .chart svg', (svg) => ({
    lines: [...svg.querySelectorAll('path.series')].map((p) => (p.getAttribute('d').match(/[ML]/g) ?? []).length),
    bands: [...svg.querySelectorAll('.band-label')].map((t) => t.textContent),
    rule: svg.querySelector('.rule text')?.textContent,
    label: svg.getAttribute('aria-label'),
  }));
  assert.deepEqual(chart.lines, [19, 19], 'left ÷ right and top ÷ bottom after each of 19 top-level layers');
  assert.deepEqual(chart.bands, ['conv1', 'maxpool', 'layer2.0', 'layer3.0', 'layer4.0']);
  assert.equal(await page.locator('#depth-chart rect.band').count(), 5, 'a shaded band per flagged depth');
  assert.equal(chart.rule, 'symmetric');
  assert.match(chart.label, /19 top-level layers; 5 contain a flagged layer/);
  // The numbers as text: the ratio grows at each flagged layer.
  const table = await page.$$eval('#depth-chart tbody tr', (rows) =>
    rows.map((r) => ({ layer: r.cells[1].textContent, ratio: Number(r.cells[2].textContent), flagged: r.cells[5].textContent === 'yes' })));
  assert.equal(table.length, 19);
  assert.equal(table.at(-1).ratio, 4.975);
  for (const i of [5, 9, 15]) assert.ok(table[i].flagged && table[i].ratio > table[i - 1].ratio, `step at ${table[i].layer}`);

  await page.fill('#a-height', '225');
  await waitReport(page);
  const flat = await page.$$eval('#depth-chart tbody tr', (rows) => rows.map((r) => r.cells[2].textContent));
  assert.ok(flat.every((v) => v === '1'), `symmetric at every depth: ${flat}`);
  assert.equal(await page.locator('#depth-chart rect.band').count(), 0);
  await context.close();
});

test('oblong and depth-limited maps get their own figures; full padding changes the report', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=resnet50&h=97&w=131&depth=5');
  await waitReport(page);
  const share = await page.textContent('#margin-current td[data-field=share]');
  assert.match(share, /^\d+(\.\d+)?%$/, `a share for the 97×131 map of 5 layers, got ${share}`);
  assert.equal((await page.textContent('#margin-current td[data-field=band]')).split(', ').length, 4);
  await context.close();

  // FULL widens every convolution's padding to kernel − 1: VGG-19's first conv at 224 then
  // outputs 226×226, and the report says so rather than describing the network's own padding.
  const full = await openPage(env.browser, env.origin, '/#arch=vgg19&h=224&w=224&mode=full');
  await waitReport(full.page);
  const first = await full.page.$eval('#uneven-report .report-table tbody tr', (row) => row.textContent);
  assert.match(first, /features\.0/);
  assert.match(first, /226×226/);
  await full.context.close();
});

test('the map’s marginalization and a sweep with two series', async () => {
  const hash = '#arch=resnet50&h=224&w=224&tau=0.5&sweep.from=32&sweep.to=288&sweep.step=32&sweep.b.arch=vgg19&sweep.b.mode=symmetric';
  const { page, context, log } = await openPage(env.browser, env.origin, `/${hash}`);
  await waitReport(page);
  // The uneven map's band is wider at the bottom and right (definitions.md §4: resnet50 at 224).
  assert.equal(await page.textContent('#margin-current td[data-field=band]'), '16, 36, 16, 36');
  assert.equal(await page.textContent('#margin-current td[data-field=share]'), '46.82%');
  assert.ok(await page.isChecked('#sweep-second'));
  assert.equal(await page.inputValue('#sweep-b-mode'), 'symmetric');

  await page.click('#sweep-run');
  await page.waitForSelector('#sweep[data-status=done]', { state: 'attached', timeout: 60000 });
  assert.match(await page.textContent('#sweep-status'), /^Done: 9 sizes/);
  assert.equal(await page.$eval('#sweep-progress', (p) => p.value), 9);
  assert.equal(await page.textContent('#sweep-count'), '9 of 9 sizes');
  const plots = await page.$$eval('#sweep-chart .chart svg', (svgs) =>
    svgs.map((svg) => [...svg.querySelectorAll('path.series')].map((p) => ({ cls: p.getAttribute('class'), points: (p.getAttribute('d').match(/[ML]/g) ?? []).length }))));
  assert.equal(plots.length, 2, 'share and band charts');
  for (const plot of plots) {
    assert.deepEqual(plot, [{ cls: 'series series-a', points: 9 }, { cls: 'series series-b', points: 9 }]);
  }
  const legend = await page.textContent('#sweep-chart [data-role=legend]');
  assert.match(legend, /resnet50 · padding as defined/);
  assert.match(legend, /vgg19 · symmetric padding/);
  const rows = await page.$$eval('#sweep-chart tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.equal(rows.length, 9);
  assert.deepEqual(rows.map((r) => r[0]), ['32', '64', '96', '128', '160', '192', '224', '256', '288']);
  // Symmetric padding and sizes that every pooling divides: a uniform map, nothing marginalized.
  assert.ok(rows.every((r) => r[4] === '0%' && r[5] === '0, 0, 0, 0'), 'vgg19 symmetric: no marginalization');
  assert.deepEqual(rows[6].slice(1, 4), ['46.82%', '16, 36, 16, 36', '16.07%'], 'the sweep agrees with the map at 224');
  assert.ok(rows.every((r) => parseFloat(r[1]) > 10), 'resnet50 zeros: marginalized');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('a long sweep runs in the background, and Cancel stops it', async () => {
  // DenseNet-121 at every size from 32 to 4096: minutes of work.
  const hash = '#arch=densenet121&h=64&w=64&sweep.from=32&sweep.to=4096&sweep.step=1';
  const { page, context, log } = await openPage(env.browser, env.origin, `/${hash}`);
  await waitIdle(page);
  await waitReport(page);
  await page.click('#sweep-run');
  const progress = () => page.$eval('#sweep-progress', (p) => p.value);
  await page.waitForFunction(() => document.querySelector('#sweep-progress').value >= 3, null, { timeout: 30000 });
  assert.equal(await page.getAttribute('#sweep', 'data-status'), 'running');
  assert.equal(await page.$eval('#sweep-progress', (p) => p.max), 4065);

  // The page stays usable: the map follows the controls while the sweep goes on.
  const before = await progress();
  await page.fill('#a-height', '100');
  await waitIdle(page);
  assert.deepEqual(await mapSize(page, '#map-a'), [100, 100]);
  await page.waitForFunction((n) => document.querySelector('#sweep-progress').value > n, before, { timeout: 30000 });
  assert.equal(await page.getAttribute('#sweep', 'data-status'), 'running', 'still sweeping after the map updated');

  // Cancel must stop the computation, not just the display: the sweep's worker is terminated
  // (and a fresh one takes its place), so it cannot go on computing sizes nobody will see.
  const workers = page.workers();
  assert.equal(workers.length, 3, 'maps, report and sweep workers');
  const closed = [];
  for (const worker of workers) worker.on('close', () => closed.push(worker));
  await page.click('#sweep-cancel');
  assert.equal(await page.getAttribute('#sweep', 'data-status'), 'cancelled');
  const stopped = await progress();
  assert.ok(stopped < 4065, 'stopped before the end');
  assert.equal(await page.textContent('#sweep-status'), `Cancelled after ${stopped} of 4065 sizes.`);
  assert.ok(await page.isDisabled('#sweep-cancel'));
  // Chromium holds a busy worker's termination back for up to 2 s; the sweep yields between
  // sizes, so it goes at once.
  await page.waitForTimeout(1000);
  assert.equal(await progress(), stopped, 'no progress after Cancel');
  assert.equal(closed.length, 1, 'one worker, the sweep’s, was terminated within a second');
  assert.equal(page.workers().length, 3, 'and replaced');
  // The map's worker was not the one: the map still follows the controls.
  await page.fill('#a-height', '90');
  await waitIdle(page);
  assert.deepEqual(await mapSize(page, '#map-a'), [90, 90]);
  assert.equal(await page.locator('#sweep-chart tbody tr').count(), stopped, 'the points so far stay on the chart');

  // The sweep worker was replaced by a fresh one: the next sweep runs at once (behind the
  // cancelled one, which has minutes left, it would not).
  await page.fill('#sweep-to', '40');
  await page.click('#sweep-run');
  await page.waitForSelector('#sweep[data-status=done]', { state: 'attached', timeout: 10000 });
  assert.equal(await page.locator('#sweep-chart tbody tr').count(), 9);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('the report and sweep settings live in the URL', async () => {
  const hash = '#arch=resnet50&h=224&w=224&fw=tf&search.from=100&search.to=300&tau=0.3&sweep.from=64&sweep.to=256&sweep.step=32&sweep.b.arch=vgg11&sweep.b.mode=reflect';
  const { page, context } = await openPage(env.browser, env.origin, `/${hash}`);
  await waitIdle(page);
  await waitReport(page);
  assert.ok(await page.isChecked('#framework-tf'));
  const values = {};
  for (const id of ['search-from', 'search-to', 'tau', 'sweep-from', 'sweep-to', 'sweep-step', 'sweep-b-arch', 'sweep-b-mode']) {
    values[id] = await page.inputValue(`#${id}`);
  }
  assert.deepEqual(values, {
    'search-from': '100', 'search-to': '300', tau: '0.3', 'sweep-from': '64', 'sweep-to': '256', 'sweep-step': '32', 'sweep-b-arch': 'vgg11', 'sweep-b-mode': 'reflect',
  });
  assert.match(await page.textContent('#uneven-report .advice-sizes'), /in 100–300/);
  assert.match(await page.textContent('#margin-subject'), /τ = 0\.3/);
  // A lower τ counts fewer pixels as marginalized than the default 0.5 (46.82%).
  assert.ok(parseFloat(await page.textContent('#margin-current td[data-field=share]')) < 46);

  await page.fill('#tau', '0.5');
  await waitReport(page);
  assert.equal(await page.textContent('#margin-current td[data-field=share]'), '46.82%');
  await page.uncheck('#sweep-second');
  await page.fill('#sweep-step', '16');
  const written = await page.evaluate(() => location.hash);
  assert.match(written, /tau=0\.5/);
  assert.match(written, /sweep\.step=16/);
  assert.doesNotMatch(written, /sweep\.b\./, 'no second series');
  await context.close();
});
