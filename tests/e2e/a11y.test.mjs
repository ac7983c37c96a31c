// Accessibility audit: axe-core (npm) checks every page, and the states of it worth a second
// look, against WCAG 2.1 A and AA and axe's best practices, inside open shadow roots too. A
// page passes with no violation at all; the failure lists each one with the elements it
// names, so that it can be fixed where it is.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { openPage, useBrowser, waitIdle } from './harness.mjs';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

const env = useBrowser();

// How each page says it has settled. The pages set body[data-status=idle] when they show the
// result of their newest request; the benchmark page runs for minutes, so its tables are
// audited once the first case has filled a row.
const idle = (page) => waitIdle(page, 120000);
const gridDone = (page) => page.waitForFunction(() => /^\d+ placements in /.test(document.querySelector('#run-status').textContent), null, { timeout: 120000 });
const firstBenchRow = (page) => page.waitForSelector('#bench-times tbody tr', { timeout: 120000 });

/** Compare mode with the uneven report (ResNet-50 at 224 is uneven) and a finished sweep. */
async function compareWithReportAndSweep(page) {
  await idle(page);
  await page.waitForSelector('#uneven-report:not([hidden])');
  await page.waitForSelector('#sweep-chart:not([hidden])');
  await page.waitForFunction(() => /^Done/.test(document.querySelector('#sweep-status').textContent), null, { timeout: 120000 });
}

/** The explainer at a pixel's second window (the links ask for step=2) of several. */
async function explainerMidway(page) {
  await idle(page);
  await page.waitForFunction(() => /^window 2 of [3-9]/.test(document.querySelector('#steps [data-role=position]').textContent));
}

/** The model page with a demo open: its summary, forward pass and padding report. */
async function modelDemo(page) {
  await idle(page);
  await page.waitForSelector('#summary table');
  await page.waitForSelector('#top-outputs tbody tr');
  await page.waitForFunction(() => /layers/.test(document.querySelector('#padding-body').textContent));
}

/** The same with its mean feature maps computed (the link asks for them: features=1). */
async function modelWithFeatures(page) {
  await modelDemo(page);
  await page.waitForFunction(() => document.querySelector('#features-status').textContent.startsWith('3 random inputs'), null, { timeout: 120000 });
}

/** Every embedded figure on the page has drawn its state (js/embed). */
const figuresDrawn = (page) =>
  page.waitForFunction(() => {
    // embed.html adds its figure once the engine has said what the hash means.
    const figures = [...document.querySelectorAll('padlens-map, padlens-grid, padlens-explainer')];
    return figures.length > 0 && figures.every((el) => el.dataset.status === 'idle');
  }, null, { timeout: 120000 });

// A phone: the wide tables scroll sideways in their boxes there, and the layouts are one column.
const PHONE = { width: 390, height: 844 };

// One line a page (or a state of it): a name, the path with its hash, how to wait for it, and
// a viewport other than the desktop's.
const PAGES = [
  ['explorer', '/', idle],
  ['explorer comparing 224 with 225, uneven report and sweep', '/#arch=resnet50&h=224&w=224&compare=1&b.arch=resnet50&b.h=225&b.w=225&sweep.from=200&sweep.to=240&sweep.step=8&sweep.run=1', compareWithReportAndSweep],
  ['explorer with a custom network', '/#arch=custom&h=64&w=64', idle],
  ['explorer refusing a size', '/#arch=vgg19&h=0&w=224', idle],
  ['explainer', '/explain.html', idle],
  ['explainer showing the nearest view to a bad link', '/explain.html#h=99&mode=mirror&step=999', idle],
  ['explainer mid-way through a pixel', '/explain.html#h=7&w=7&k=3&s=1&d=1&p=1&mode=reflect&px=3,1&step=2', explainerMidway],
  ['explainer with two layers, the first a partial convolution', '/explain.html#h=6&w=6&k=3&p=1&mode=partial&k2=3&p2=1&mode2=zeros&px=0,1&step=2', explainerMidway],
  ['model page with a demo and its feature maps', '/model.html#demo=resnet18-narrow.onnx&features=1&samples=3&seed=1', modelWithFeatures],
  ['blind spots with a grid', '/blindspots.html#stride=40', gridDone],
  ['blind spots comparing two paddings, with a shift experiment', '/blindspots.html#compare=1&bmode=reflect&stride=28&shift=2,3&smax=8', gridDone],
  ['the paper, live', '/paper.html', idle],
  ['benchmark', '/bench.html', firstBenchRow],
  ['embedded comparison (embed.html)', '/embed.html#view=map&arch=resnet50&h=96&w=96&compare=1&b.h=97&b.w=97', figuresDrawn],
  ['embedded explainer (embed.html)', '/embed.html#view=explainer&h=6&w=6&k=3&s=2&d=1&p=1&mode=zeros&px=5,5&step=1', figuresDrawn],
  ['embedded grid (embed.html)', '/embed.html#view=grid&demo=detector-zeros-224.onnx&stride=32', figuresDrawn],
  ['example post with embedded figures', '/examples/index.html', figuresDrawn],
  ['explorer on a phone, with the uneven report', '/#arch=resnet50&h=224&w=224&compare=1&b.arch=resnet50&b.h=225&b.w=225', idle, PHONE],
  ['explainer on a phone', '/explain.html#px=3,1&step=2', explainerMidway, PHONE],
  ['model page on a phone', '/model.html#demo=resnet18-narrow.onnx', modelDemo, PHONE],
  ['blind spots on a phone', '/blindspots.html#stride=40', gridDone, PHONE],
  ['the paper, live, on a phone', '/paper.html', idle, PHONE],
  ['benchmark on a phone', '/bench.html', firstBenchRow, PHONE],
];

/** One line a violation: rule, impact, the elements (shadow paths joined by ' >> '), summary. */
function describe(violations) {
  return violations.flatMap((v) =>
    v.nodes.map((n) => {
      const target = n.target.map((t) => (Array.isArray(t) ? t.join(' >> ') : t)).join(' | ');
      const summary = (n.failureSummary ?? v.help).replace(/\s+/g, ' ').trim();
      return `${v.id} (${v.impact}) at ${target}: ${summary}`;
    }),
  );
}

/**
 * Scrolls from top to bottom as a reader would, a frame at each stop: the explorer's panels
 * below the fold skip layout (content-visibility: auto) until they near the screen, and what
 * they set up once laid out (a scrolling box taking focus) is part of what is audited.
 */
function readThrough(page) {
  return page.evaluate(async () => {
    // Two frames: layout, then the resize observers it wakes. The timer keeps a page that
    // draws no frames (a throttled one) from hanging the test; the audit then says what it found.
    const frame = () => new Promise((resolve) => {
      requestAnimationFrame(() => requestAnimationFrame(resolve));
      setTimeout(resolve, 500);
    });
    for (let y = 0; y < document.documentElement.scrollHeight; y += innerHeight / 2) {
      scrollTo(0, y);
      await frame();
    }
    scrollTo(0, 0);
    await frame();
  });
}

/** Loads axe into the page (once) and audits the whole document, shadow roots included. */
async function audit(page) {
  // Evaluated through the debugging protocol rather than added as a <script>: the pages'
  // Content-Security-Policy allows no inline script, and the audit must not need it to.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), TAGS);
  assert.ok(results.passes.length > 0, 'axe ran its rules');
  return describe(results.violations);
}

for (const [name, path, ready, viewport] of PAGES) {
  test(`axe finds nothing on ${name} (${path}), light and dark`, { timeout: 300000 }, async () => {
    const { page, context, log } = await openPage(env.browser, env.origin, path, viewport);
    await ready(page);
    await readThrough(page);
    // Each colour scheme has its own palette, so contrast is checked in both.
    for (const colorScheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme });
      assert.deepEqual(await audit(page), [], `accessibility violations on ${path} (${colorScheme})`);
    }
    assert.deepEqual(log.errors, [], 'uncaught page errors');
    await context.close();
  });
}

test('the audit reaches into shadow roots and reports what it finds', async () => {
  const { page, context } = await openPage(env.browser, env.origin, '/blindspots.html#stride=40');
  await gridDone(page);
  // An unlabelled field inside a grid view's shadow root: the audit must name it by its path.
  await page.$eval('#grid-a', (view) => view.shadowRoot.append(Object.assign(document.createElement('input'), { id: 'unlabelled' })));
  const found = await audit(page);
  assert.ok(found.some((line) => /^label \(critical\) at #grid-a >> #unlabelled:/.test(line)), found.join('\n'));
  await context.close();
});
