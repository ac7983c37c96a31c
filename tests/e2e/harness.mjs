// Shared helpers for the page tests and the benchmark runner: a static server for www/,
// Debian's Chromium driven by playwright-core, and pages that record what they log and fetch.
// Not a test file (the runner only picks up *.test.mjs).

import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import pngjs from 'pngjs';

const { PNG } = pngjs;

export const WWW = fileURLToPath(new URL('../../www/', import.meta.url));

// The WASM must be served as application/wasm for streaming compilation, and module
// scripts must carry a JavaScript MIME type or the browser refuses them.
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves `root` on 127.0.0.1 on a free port, at `prefix` (a sub-path such as '/padlens/', as
 * a static host may; anything outside it is not found).
 * @param {string} [root]
 * @param {{prefix?: string, cors?: boolean}} [options] `cors`: answer every origin's
 *   requests, as static hosts such as GitHub Pages do (a page elsewhere embedding padlens'
 *   figures needs it)
 * @returns {Promise<{origin: string, close: () => Promise<void>}>}
 */
export async function startServer(root = WWW, { prefix = '/', cors = false } = {}) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    let file = path.join(root, decodeURIComponent(url.pathname.slice(prefix.length - 1)));
    // Never serve anything outside root, whatever the request path says.
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (file.endsWith(path.sep)) file += 'index.html';
    try {
      const body = await fs.readFile(file);
      res.writeHead(200, {
        'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        ...(cors ? { 'access-control-allow-origin': '*' } : {}),
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function chromiumPath() {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    return '/usr/bin/chromium';
  }
}

/** Debian's Chromium, headless; playwright-core never downloads a browser. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
}

/**
 * A new page (in its own context) that records console messages, page errors and every
 * request URL, including the worker's. Requests leaving 127.0.0.1 are recorded and aborted,
 * so a test sees them even when they would have failed offline anyway.
 * @returns {Promise<{page: import('playwright-core').Page, context: any, log: {console: {type: string, text: string}[], errors: string[], requests: string[]}}>}
 */
export async function openPage(browser, origin, pathAndHash = '/', viewport = { width: 1280, height: 900 }, contextOptions = {}) {
  const context = await browser.newContext({ viewport, ...contextOptions });
  const log = { console: [], errors: [], requests: [] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    log.requests.push(url);
    const { hostname, protocol } = new URL(url);
    if ((protocol === 'http:' || protocol === 'https:') && hostname !== '127.0.0.1') return route.abort();
    return route.continue();
  });
  const page = await context.newPage();
  page.on('console', (msg) => log.console.push({ type: msg.type(), text: msg.text() }));
  page.on('pageerror', (error) => log.errors.push(String(error)));
  await page.goto(origin + pathAndHash);
  return { page, context, log };
}

/** Waits until the page has shown the result of its newest request. */
export function waitIdle(page, timeout = 30000) {
  return page.waitForSelector('body[data-status=idle]', { state: 'attached', timeout });
}

/**
 * What a canvas shows on screen: its size in CSS pixels, how many distinct colours, and a
 * hash of its pixels (to tell whether it changed). Read from a screenshot, since the maps are
 * drawn by a worker into canvases the page itself cannot read back.
 * @returns {Promise<{width: number, height: number, distinct: number, hash: string, pixels: PNG}>}
 */
export async function canvasStats(page, selector) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  return screenStats(page, await page.locator(selector).boundingBox());
}

/**
 * What a map canvas shows of the map itself: the drawn rectangle of the map (the canvas is
 * the panel's box; a smaller map sits in the middle of it, with transparent margins).
 * @returns {Promise<{width: number, height: number, distinct: number, hash: string, pixels: PNG}>}
 */
export async function mapStats(page, canvasSelector) {
  await page.locator(canvasSelector).scrollIntoViewIfNeeded();
  const box = await page.locator(canvasSelector).boundingBox();
  const viewport = JSON.parse(await page.$eval(canvasSelector, (c) => c.dataset.viewport));
  const size = (await page.$eval(canvasSelector, (c) => c.closest('padlens-map-view').dataset.mapSize)).split('x').map(Number);
  const scaled = size.map((n) => (viewport.zoom >= 1 ? n * viewport.zoom : Math.ceil(n / -viewport.zoom)));
  const css = box.width / viewport.width; // CSS pixels per device pixel
  const top = Math.max(0, viewport.offset[0]);
  const left = Math.max(0, viewport.offset[1]);
  const bottom = Math.min(viewport.height, viewport.offset[0] + scaled[0]);
  const right = Math.min(viewport.width, viewport.offset[1] + scaled[1]);
  return screenStats(page, { x: box.x + left * css, y: box.y + top * css, width: (right - left) * css, height: (bottom - top) * css });
}

async function screenStats(page, box) {
  // Layout may place the canvas at a fractional position; the screenshot of its box would
  // then include a sliver of what surrounds it. Clip to the whole pixels inside the box.
  const [left, top] = [Math.ceil(box.x), Math.ceil(box.y)];
  const clip = { x: left, y: top, width: Math.floor(box.x + box.width) - left, height: Math.floor(box.y + box.height) - top };
  const png = PNG.sync.read(await page.screenshot({ clip }));
  const colours = new Set();
  let hash = 0x811c9dc5;
  for (let i = 0; i < png.data.length; i += 4) {
    colours.add((png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2]);
    for (let j = i; j < i + 4; j++) hash = Math.imul(hash ^ png.data[j], 0x01000193) >>> 0;
  }
  return { width: png.width, height: png.height, distinct: colours.size, hash: hash.toString(16), pixels: png };
}

/** The map size a <padlens-map-view> shows, as [height, width]. */
export async function mapSize(page, mapSelector) {
  const text = await page.$eval(mapSelector, (el) => el.dataset.mapSize ?? '');
  return text.split('x').map(Number);
}

/**
 * The summary table as {field: text} for one column ('a' or 'b'); counts also as exact
 * digits under `${field}Exact`.
 */
export function readSummary(page, column = 'a') {
  return page.$$eval(`#summary td[data-col=${column}]`, (cells) =>
    Object.fromEntries(cells.flatMap((c) => [[c.dataset.field, c.textContent], ...(c.title ? [[`${c.dataset.field}Exact`, c.title]] : [])])),
  );
}

/** The text of a configuration's visible error ('' when none). */
export function errorText(page, config = 'a') {
  return page.$$eval(`#config-${config} [data-role=error]`, (els) => els.filter((el) => !el.hidden).map((el) => el.textContent).join(' '));
}

/**
 * The client position of the centre of map pixel (y, x) of a map canvas, from the viewport
 * the worker drew it at (`data-viewport`, device pixels).
 */
export async function pixelPoint(page, canvasSelector, y, x) {
  await page.locator(canvasSelector).scrollIntoViewIfNeeded();
  const box = await page.locator(canvasSelector).boundingBox();
  const viewport = JSON.parse(await page.$eval(canvasSelector, (c) => c.dataset.viewport));
  const toDevice = (p, axis) => viewport.offset[axis] + (viewport.zoom >= 1 ? (p + 0.5) * viewport.zoom : (p + 0.5) / -viewport.zoom);
  return {
    x: box.x + (toDevice(x, 1) / viewport.width) * box.width,
    y: box.y + (toDevice(y, 0) / viewport.height) * box.height,
  };
}

/** Moves the mouse over pixel (y, x) of a map canvas. */
export async function hoverPixel(page, canvasSelector, y, x) {
  const point = await pixelPoint(page, canvasSelector, y, x);
  await page.mouse.move(point.x, point.y);
}

/**
 * The hover readout of a map as {term: value}, once it has the value of the pixel it names
 * (the value comes from the worker).
 */
export async function readout(page, mapSelector) {
  await page.waitForFunction((sel) => !('pending' in document.querySelector(`${sel} [data-role=readout]`).dataset), mapSelector);
  return page.$$eval(`${mapSelector} [data-role=readout] div`, (rows) =>
    Object.fromEntries(rows.map((r) => [r.querySelector('dt').textContent, r.querySelector('dd').textContent])),
  );
}

/**
 * Starts the static server and Chromium before a test file's tests and stops them after.
 * @returns {{browser: import('playwright-core').Browser, origin: string}} filled in by the
 *   `before` hook, so read its fields inside tests
 */
export function useBrowser() {
  const env = { browser: null, origin: '' };
  let server;
  before(async () => {
    server = await startServer();
    env.origin = server.origin;
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await server?.close();
  });
  return env;
}
