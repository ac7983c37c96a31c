// A bad link never leaves the explorer broken: the message goes beside the control at fault
// and the nearest valid view is drawn. Then the messages a new user meets (a malformed spec,
// a size too small) and the layout defects found by trying the page at several widths.
// (The explainer's bad links are in explainer.test.mjs.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorText, mapSize, mapStats, openPage, readSummary, useBrowser, waitIdle } from './harness.mjs';

const env = useBrowser();

/** Waits until the report and the marginalization show the newest request. */
const waitReport = (page) => page.waitForSelector('#doctor[data-status=idle]', { state: 'attached', timeout: 30000 });

// (hash, the error slot it belongs in, what the message says, the view drawn instead:
// [height, width] and the controls' values)
const BAD_LINKS = [
  ['#arch=foo', 'network', /^unknown architecture `foo`; known: vgg11, .* Showing vgg19\.$/, [224, 224], { arch: 'vgg19' }],
  ['#h=0', 'size', /^input size 0×0: both sides must be at least 1 pixel\. Showing 32×32\.$/, [32, 32], { height: '32' }],
  ['#h=7&w=300', 'size', /^`vgg19` needs an input of at least 32×32 pixels, got 7×300 .* Showing 32×300\.$/, [32, 300], { height: '32', width: '300' }],
  ['#h=99999999', 'size', /the input \(99999999\) is too large \(at most 1048576\)\. Showing 5792×5792\.$/, [5792, 5792], { height: '5792' }],
  ['#depth=999', 'depth', /^depth 999 is out of range: `vgg19` has 21 layers \(choose 1 to 21\)\. Showing all layers\.$/, [224, 224], {}],
  ['#arch=custom&spec=garbage', 'network', /^network spec: the JSON is malformed at line 1, column 1: .* The map shows vgg19 until the spec is fixed\.$/, [224, 224], { arch: 'custom', spec: 'garbage' }],
  ['#mode=mirror', 'padding', /^unknown padding mode `mirror`.* Showing the network’s own padding\.$/, [224, 224], { mode: '' }],
  ['#arch=resnet50&h=2&w=2&mode=reflect', 'size', /^`resnet50` needs an input of at least 33×33 pixels, got 2×2 \(layer `conv1`, height axis: reflect padding of 3.*\)\. Showing 33×33\.$/, [33, 33], { height: '33', mode: 'reflect' }],
];

for (const [hash, slot, message, size, controls] of BAD_LINKS) {
  test(`bad link ${hash}: the nearest valid view, and why beside the ${slot} control`, async () => {
    const { page, context, log } = await openPage(env.browser, env.origin, `/${hash}`);
    await waitIdle(page, 60000);
    const shown = await page.$$eval('#config-a [data-role=error]', (els) => els.filter((el) => !el.hidden).map((el) => el.dataset.subject));
    assert.deepEqual(shown, [slot], 'one message, beside its control');
    assert.match(await errorText(page), message);
    // Drawn: the map, its colour bar and its figures, not "computing…" or an empty strip.
    assert.deepEqual(await mapSize(page, '#map-a'), size);
    assert.ok((await mapStats(page, '#map-a canvas.map-canvas')).distinct > 1, 'the map has content');
    assert.ok(await page.isHidden('#map-a [data-role=stale]'), 'what is shown is up to date');
    assert.doesNotMatch(await page.textContent('#map-a [data-role=caption]'), /computing/);
    const bar = await page.$eval('#map-a .colorbar-body', (el) => el.getBoundingClientRect().height);
    assert.ok(bar > 50 && bar < 900, `colour bar ${bar} px tall`);
    assert.match(await page.textContent('#profile-centres'), /^Centre \(the middle pixel.*\): rows \d/);
    assert.match((await readSummary(page)).size, /^\d+ × \d+$/);
    // The controls hold the view drawn; the menu gained no unknown entry.
    const values = {
      arch: await page.inputValue('#a-arch'),
      spec: await page.inputValue('#a-spec'),
      height: await page.inputValue('#a-height'),
      width: await page.inputValue('#a-width'),
      mode: await page.inputValue('#a-mode'),
    };
    for (const [key, value] of Object.entries(controls)) assert.equal(values[key], value, key);
    assert.equal(await page.locator('#a-arch option[value=foo]').count(), 0);
    assert.doesNotMatch(await page.evaluate(() => location.hash), /arch=foo|h=0&|depth=999|mode=mirror/, 'the address shows the view drawn');
    await waitReport(page);
    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.console.filter((m) => m.type === 'error'), []);
    await context.close();
  });
}

test('spec errors name the layer and the field and say what is allowed', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=custom&h=64&w=64');
  await waitIdle(page);
  const cases = [
    ['{"layers": [{"type": "conv", "kernel": -3}]}', /^network spec, layer `layers\.0`, `kernel`: expected a whole number ≥ 1 or \[height, width\], got -3$/],
    ['{"layers": [{"type": "conv", "kernel": "3"}]}', /`kernel`: .*got "3" \(a string; write numbers without quotes\)/],
    ['{"layers": [{"type": "conv", "kernel": 3, "ceil_mode": true}]}', /`ceil_mode`: applies to pooling only/],
    ['', /^network spec: the text is empty; expected a JSON object like \{"layers": \[\.\.\.\]\}/],
    ['null', /expected a JSON object like .*, got null/],
    ['[1,2,3]', /expected a JSON object like .*, got \[1, 2, 3\]/],
  ];
  for (const [spec, message] of cases) {
    await page.fill('#a-spec', spec);
    await waitIdle(page);
    assert.match(await errorText(page), message, spec);
    assert.doesNotMatch(await errorText(page), /untagged|variant|enum|unknown architecture/, spec);
    assert.ok(await page.isVisible('#a-error-network'), `${spec}: the message is beside the spec`);
  }
  await context.close();
});

test('too small a size says the smallest that works, and the hint says it first', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=vgg19&h=224&w=224');
  await waitIdle(page);
  assert.match(await page.textContent('#config-a [data-role=size-hint]'), /^vgg19 takes 32 to \d+ px per side here\.$/);
  await page.fill('#a-height', '7');
  await waitIdle(page);
  assert.match(await errorText(page), /^`vgg19` needs an input of at least 32×32 pixels, got 7×7 \(layer `features\.\d+`, height axis:/);
  await context.close();
});

test('the summary and profiles are marked stale with the map; one layer is "1 layer"', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=vgg19&h=224&w=224&depth=1');
  await waitIdle(page);
  assert.match(await page.textContent('#map-a [data-role=caption]'), /first 1 layer$/);
  assert.match(await page.textContent('#a-depth-text'), /^first 1 of 21 layers, through features\.0$/);
  assert.ok(await page.isHidden('#summary-title [data-role=details-stale]'));
  await page.fill('#a-height', '0');
  await waitIdle(page);
  assert.ok(await page.isVisible('#map-a [data-role=stale]'));
  assert.ok(await page.isVisible('#summary-title [data-role=details-stale]'), 'the summary says it is the last good map’s');
  assert.ok(await page.isVisible('#profiles-title [data-role=details-stale]'));
  await page.fill('#a-height', '64');
  await waitIdle(page);
  assert.ok(await page.isHidden('#summary-title [data-role=details-stale]'));
  await context.close();
});

test('the size field shows the whole number', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=vgg19&h=224&w=224');
  await waitIdle(page);
  await page.fill('#a-height', '99999999');
  const fits = await page.$eval('#a-height', (input) => {
    const probe = document.createElement('span');
    probe.style.font = getComputedStyle(input).font;
    probe.textContent = input.value;
    document.body.append(probe);
    const text = probe.getBoundingClientRect().width;
    probe.remove();
    const style = getComputedStyle(input);
    const inner = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return { text, inner };
  });
  // Chromium keeps room for the spin buttons of a number field: about 15 px.
  assert.ok(fits.text + 15 <= fits.inner, `${fits.text} px of digits in ${fits.inner} px`);
  await context.close();
});

test('no sideways scroll at 900 px, and the sweep menus show their whole text', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=resnet50&h=224&w=224&sweep.b.arch=densenet121', { width: 900, height: 900 });
  await waitIdle(page);
  await waitReport(page);
  assert.ok(await page.isChecked('#sweep-second'));
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.equal(widths[0], widths[1], 'the page is no wider than the window');
  const cut = await page.$$eval('#sweep-form select', (selects) =>
    selects.map((select) => {
      const probe = document.createElement('span');
      probe.style.font = getComputedStyle(select).font;
      probe.style.whiteSpace = 'nowrap';
      probe.textContent = select.selectedOptions[0].textContent;
      document.body.append(probe);
      const text = probe.getBoundingClientRect().width;
      probe.remove();
      // The arrow and the padding take about 30 px.
      return { id: select.id, text: probe.textContent, fits: text + 28 <= select.clientWidth };
    }),
  );
  assert.deepEqual(cut.filter((c) => !c.fits), [], 'no menu cuts its text');
  await context.close();
});

test('on a phone, wide tables say they scroll', async () => {
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto(`${env.origin}/#arch=resnet50&h=224&w=224`);
  await waitIdle(page);
  await waitReport(page);
  // The report is drawn once it comes near the screen (content-visibility).
  await page.locator('#uneven-report .report-table').scrollIntoViewIfNeeded();
  const hint = page.locator('#uneven-report .scroll-hint').first();
  await hint.waitFor({ state: 'visible', timeout: 5000 });
  assert.ok(await hint.isVisible(), 'the report table is wider than the phone, and says so');
  assert.match(await hint.textContent(), /Scroll sideways/);
  // On a desktop the same table fits: no hint.
  const desktop = await openPage(env.browser, env.origin, '/#arch=resnet50&h=224&w=224', { width: 1600, height: 900 });
  await waitIdle(desktop.page);
  await waitReport(desktop.page);
  await desktop.page.locator('#uneven-report .report-table').scrollIntoViewIfNeeded();
  await desktop.page.waitForTimeout(200);
  assert.ok(await desktop.page.locator('#uneven-report .scroll-hint').first().isHidden());
  await desktop.context.close();
  await context.close();
});

test('the depth chart labels its lower end, and the line at 1 is labelled clear of the points', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/#arch=resnet50&h=224&w=224&fw=tf');
  await waitIdle(page);
  await waitReport(page);
  const chart = await page.$eval('#depth-chart .chart svg', (svg) => {
    const axis = svg.querySelector('.axis line');
    const bottom = Number(axis.getAttribute('y2'));
    const top = Number(axis.getAttribute('y1'));
    const labels = [...svg.querySelectorAll('.axis text[text-anchor=end]')].map((t) => Number(t.getAttribute('y')));
    const rule = svg.querySelector('.rule text');
    const dots = [...svg.querySelectorAll('.dots circle, .dots rect')].map((d) => d.getBBox());
    return {
      lowestLabel: Math.max(...labels),
      top,
      bottom,
      rule: rule.getBBox(),
      overlaps: dots.filter((d) => {
        const r = rule.getBBox();
        return d.x < r.x + r.width && d.x + d.width > r.x && d.y < r.y + r.height && d.y + d.height > r.y;
      }).length,
    };
  });
  // TF/Keras SAME skews ResNet-50 to a left ÷ right of 0.25: the axis runs below 0.5.
  assert.ok(chart.bottom - chart.lowestLabel < (chart.bottom - chart.top) * 0.3, `a label near the bottom: ${JSON.stringify(chart)}`);
  assert.equal(chart.overlaps, 0, 'no point under the "symmetric" label');
  await context.close();
});
