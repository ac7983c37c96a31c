// The pages in print and under "reduce motion". In print: the controls, navigation, buttons,
// live status lines and progress bars are gone, the figures stay (with their colours) in one
// column, and Chromium prints it to a PDF. With prefers-reduced-motion: nothing on the page
// animates or scrolls smoothly, while the same actions do move without it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, useBrowser, waitIdle } from './harness.mjs';

const env = useBrowser();

const gridDone = (page) => page.waitForFunction(() => /^\d+ placements in /.test(document.querySelector('#run-status').textContent), null, { timeout: 120000 });

/** The explorer once its uneven report is in (ResNet-50 at 224 is uneven). */
async function reportShown(page) {
  await waitIdle(page);
  await page.waitForSelector('#uneven-report:not([hidden]) tbody tr');
}

// What only works on a screen. Buttons that carry data (a size in the uneven report, a
// padding mode's name, a window's number) print as text and are not in this list.
const SCREEN_ONLY = [
  '.site-header nav',
  '.controls',
  'button:not(.size-choice, .mode-try, .row-button)',
  'progress',
  '[role=status]',
  '.map-tools',
  '.panel-controls',
  '.sweep-form',
];

// One line a page: its path, how to wait for it, and the figures that must print.
const PAGES = [
  ['/#arch=resnet50&h=224&w=224&compare=1&b.arch=resnet50&b.h=225&b.w=225', reportShown, ['#map-a canvas.map-canvas', '#map-b canvas.map-canvas', '#map-ratio canvas.map-canvas', '#map-a canvas.colorbar-canvas', '#profile-row svg', '#uneven-report table', '#summary']],
  ['/explain.html#h=7&w=7&k=3&s=1&d=1&p=1&mode=reflect&px=3,1&step=2', waitIdle, ['#padded svg', '#counts svg', '#steps .window-table']],
  ['/model.html#demo=resnet18-narrow.onnx', (page) => page.waitForSelector('#filter-grid figure canvas'), ['#utilization', '#filter-grid canvas', '#top-outputs']],
  ['/blindspots.html#stride=40', gridDone, ['#grid-a', '#row-profile svg']],
  ['/paper.html', (page) => waitIdle(page, 120000), ['#foveation-map', '#grid-zeros', '#ap-table']],
];

/** The selectors of `list` that match at least one element the page shows. */
const shown = (page, list) =>
  page.evaluate((selectors) => selectors.filter((s) => [...document.querySelectorAll(s)].some((el) => el.checkVisibility())), list);

for (const [path, ready, figures] of PAGES) {
  test(`print ${path}: no controls, every figure, in colour, one column`, { timeout: 300000 }, async () => {
    const { page, context, log } = await openPage(env.browser, env.origin, path);
    await ready(page);
    // On screen, some of the screen-only things are there: the check below can fail.
    assert.ok((await shown(page, SCREEN_ONLY)).length >= 2, 'controls on screen');
    await page.emulateMedia({ media: 'print' });
    assert.deepEqual(await shown(page, SCREEN_ONLY), [], 'shown in print');
    assert.deepEqual(await shown(page, figures), figures, 'figures in print');
    // The maps and charts keep their colours: print-color-adjust is inherited from the root.
    const adjust = await page.$$eval(figures.join(','), (els) => [...new Set(els.map((el) => getComputedStyle(el).printColorAdjust))]);
    assert.deepEqual(adjust, ['exact']);
    // Black on white, whatever the screen's colour scheme.
    await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
    assert.deepEqual(await page.$eval('body', (b) => [getComputedStyle(b).color, getComputedStyle(document.documentElement).backgroundColor]), ['rgb(0, 0, 0)', 'rgb(255, 255, 255)']);
    const pdf = await page.pdf({ format: 'A4' });
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.deepEqual(log.errors, []);
    await context.close();
  });
}

test('print: the explorer compare maps stack in one column', async () => {
  const { page, context } = await openPage(env.browser, env.origin, PAGES[0][0]);
  await waitIdle(page);
  const lefts = () => page.$$eval('#map-a, #map-b, #map-ratio, #summary', (els) => els.map((el) => Math.round(el.getBoundingClientRect().left)));
  assert.ok(new Set(await lefts()).size > 1, 'side by side on a wide screen');
  await page.emulateMedia({ media: 'print' });
  assert.equal(new Set(await lefts()).size, 1, 'one column in print');
  await context.close();
});

/**
 * Opens `path`, sets reduced motion or not, clicks `selector` and lists the CSS animations
 * and transitions that started (shadow roots included). Clicked and read in one task: a
 * transition of 0.15 s could end before a second round trip to the page.
 */
async function motionAfter(path, reducedMotion, selector) {
  const { page, context } = await openPage(env.browser, env.origin, path);
  await waitIdle(page);
  await page.emulateMedia({ reducedMotion });
  const animations = await page.evaluate((s) => {
    document.querySelector(s).click();
    return document.getAnimations().map((a) => `${a.animationName ?? a.transitionProperty} on ${a.effect.target.tagName}.${a.effect.target.getAttribute('class')}`);
  }, selector);
  await context.close();
  return animations;
}

const MOTIONS = [
  ['the explorer: unlinking height and width', '/', '#panel-a [data-control=link]'],
  ['the explainer: the next window', '/explain.html#h=7&w=7&k=3&s=1&d=1&p=1&mode=zeros&px=3,3', '#steps [data-action=next]'],
];

for (const [name, path, selector] of MOTIONS) {
  test(`reduced motion: ${name} does not animate (and does without the setting)`, async () => {
    assert.notDeepEqual(await motionAfter(path, 'no-preference', selector), [], 'it moves without the setting');
    assert.deepEqual(await motionAfter(path, 'reduce', selector), []);
  });
}

test('reduced motion: the explainer jumps to an in-page link instead of scrolling smoothly', async () => {
  for (const reducedMotion of ['reduce', 'no-preference']) {
    const { page, context } = await openPage(env.browser, env.origin, '/explain.html');
    await waitIdle(page);
    await page.emulateMedia({ reducedMotion });
    // Where #learn is right after the click, in the same task: an instant scroll has arrived,
    // a smooth one has not started moving yet.
    const top = await page.evaluate(() => {
      document.querySelector('a[href="#learn"]').click();
      return Math.round(document.querySelector('#learn').getBoundingClientRect().top);
    });
    if (reducedMotion === 'reduce') assert.ok(Math.abs(top) <= 1, `#learn at ${top}px from the top`);
    else assert.ok(top > 100, `a smooth scroll starts from where it was (#learn at ${top}px)`);
    await context.close();
  }
});
