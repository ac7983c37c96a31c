// The site's pages as the offline and static-build tests visit them: what shows that each has
// drawn its main figure, and a page that records errors and CSP violations. Not a test file.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { WWW, canvasStats, waitIdle } from './harness.mjs';

/** Every page of the site: the .html files at the root of www/. */
export const SITE_PAGES = fs.readdirSync(WWW).filter((name) => name.endsWith('.html')).sort();

/** The policy every page sets in its meta tag. */
export const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; worker-src 'self'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'";

// The pages, each with what shows that it drew its main figure (cheap settings where a page
// takes any: the coarsest stride of the blind-spots grid).
export const PAGES = [
  ['index.html', async (page) => {
    await waitIdle(page, 60000);
    assert.ok((await canvasStats(page, '#map-a canvas.map-canvas')).distinct > 1, 'the map has content');
  }],
  ['explain.html', async (page) => {
    await waitIdle(page, 60000);
    assert.ok((await page.locator('#counts .cell').count()) > 0, 'the count map has cells');
  }],
  ['model.html', async (page) => {
    await page.waitForSelector('#summary table', { timeout: 60000 });
    await page.waitForSelector('#top-outputs tbody tr', { timeout: 60000 });
  }],
  ['blindspots.html#stride=16', async (page) => {
    await page.waitForFunction(() => /^\d+ placements in /.test(document.querySelector('#run-status').textContent), null, { timeout: 120000 });
  }],
  ['embed.html#view=map&arch=vgg19&h=64&w=64', async (page) => {
    await page.waitForSelector('padlens-map[data-status=idle]', { state: 'attached', timeout: 60000 });
    assert.ok((await canvasStats(page, 'padlens-map canvas.map-canvas >> nth=0')).distinct > 1, 'the map has content');
  }],
  ['paper.html', async (page) => {
    await page.waitForFunction(() => document.querySelector('#foveation').dataset.state === 'done', null, { timeout: 60000 });
    assert.ok((await canvasStats(page, '#foveation padlens-map-figure')).distinct > 1, 'the first figure has content');
  }],
];

/**
 * A page in a new context that records console errors, page errors and CSP violations (from
 * the document and from shadow roots: the event is composed).
 */
export async function openRecorded(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const log = { errors: [], violations: [] };
  await context.exposeBinding('reportViolation', (_, v) => log.violations.push(v));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      window.reportViolation(`${e.effectiveDirective} refused ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && log.errors.push(m.text()));
  page.on('pageerror', (e) => log.errors.push(String(e)));
  await page.goto(url);
  return { page, context, log };
}
