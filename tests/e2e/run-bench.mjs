// The benchmarks that need a browser, and PyTorch beside them, in one run (BENCHMARKS.md):
//
//   1. the engine: www/bench.html in headless Chromium (compute, colour, draw; the page's thread);
//   2. frame latency of the real explorer (www/index.html): from a control change to the first
//      animation frame after the page has shown the new map, for padding-mode and size
//      changes, and the maps that reach the screen per second while a size slider is dragged;
//   3. PyTorch autograd computing the same maps (tools/bench_torch.py --json, tools/.venv);
//
// then one summary, as Markdown tables. Not a test (timings are measurements, not pass/fail):
//
//   node tests/e2e/run-bench.mjs [--only engine,frames,torch] [--changes 48] [--out FILE]
//                                [--python tools/.venv/bin/python] [--torch-runs 21] [--www DIR]
//
// `./build.sh bench` runs it after the native benchmarks, with the venv in place. Everything it
// measured, per change, goes to --out (default target/bench/browser.json). --www serves another
// copy of www/ (e.g. an explorer with a change to try) instead of this one.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WWW, launchBrowser, startServer } from './harness.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { values: options } = parseArgs({
  options: {
    only: { type: 'string', default: 'engine,frames,torch' },
    changes: { type: 'string', default: '48' },
    out: { type: 'string', default: path.join(ROOT, 'target/bench/browser.json') },
    python: { type: 'string', default: process.env.PADLENS_PYTHON ?? path.join(ROOT, 'tools/.venv/bin/python') },
    'torch-runs': { type: 'string', default: '21' },
    www: { type: 'string' },
  },
});
const only = new Set(options.only.split(','));
const CHANGES = Number(options.changes);

/**
 * The explorer's cases: the maps the issue names; the sizes of the size changes, of the drag,
 * and of the untimed detours that keep the padding-mode changes out of the worker's cache.
 */
const FRAME_CASES = [
  { arch: 'resnet50', size: 224, sizes: range(200, 239), drag: range(240, 359), detours: range(360, 379) },
  { arch: 'vgg19', size: 512, sizes: range(440, 479), drag: range(480, 599), detours: range(600, 619) },
];
const FRAME_GOAL_MS = 16;
const DRAG_MS = 2000;
const DRAG_STEP_MS = 1000 / 60;

function range(from, to) {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
}

function summary(xs) {
  return { n: xs.length, median: round(quantile(xs, 0.5)), p90: round(quantile(xs, 0.9)), max: round(Math.max(...xs)), min: round(Math.min(...xs)) };
}

/** A Markdown table from a header and rows of cells. */
function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(2)} ms` : '–');

// ---- 1. the engine, on bench.html ----------------------------------------------------------

// No service worker: precaching the site (3.4 MB) would compete with what is measured.
const CONTEXT = { viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' };

async function engineBench(browser, origin) {
  const context = await browser.newContext(CONTEXT);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  await page.goto(`${origin}/bench.html`);
  await page.waitForFunction(() => window.benchResults, null, { timeout: 600_000, polling: 250 });
  const results = await page.evaluate(() => window.benchResults);
  await context.close();
  if (results.error || errors.length) throw new Error(`bench.html: ${results.error ?? errors.join('\n')}`);
  return results;
}

// ---- 2. frame latency, on the explorer -----------------------------------------------------

/**
 * Runs in the page before its own scripts: records, on one clock (performance.timeOrigin +
 * now), every request the page posts to a worker and every reply it gets back, and offers
 * the measuring helpers. Wraps `Worker` so that its recording listener comes before the page's.
 */
function instrumentPage() {
  const clock = () => performance.timeOrigin + performance.now();
  const log = { posts: [], replies: [] };
  const NativeWorker = window.Worker;
  window.Worker = class extends NativeWorker {
    constructor(url, opts) {
      super(url, opts);
      this.kind = String(url).includes('map-worker') ? 'map' : 'analysis';
      this.addEventListener('message', ({ data }) => {
        if (data && !data.progress) log.replies.push({ worker: this.kind, id: data.id, t: clock() });
      });
    }

    postMessage(message, transfer) {
      log.posts.push({ worker: this.kind, id: message?.id, type: message?.type, t: clock() });
      return super.postMessage(message, transfer);
    }
  };

  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve(clock())));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const quiet = () =>
    document.body.dataset.status === 'idle' &&
    document.querySelector('#doctor').dataset.status === 'idle' &&
    document.querySelector('#marginalization').dataset.status === 'idle';

  /** Waits until the map, the report and the marginalization are all shown, then a little. */
  async function settle(timeout = 60_000) {
    const start = performance.now();
    while (!quiet()) {
      if (performance.now() - start > timeout) throw new Error('the page did not settle');
      await sleep(10);
    }
    await nextFrame();
    await nextFrame();
    await sleep(50);
  }

  /** The value a control gets, as a user's input would set it, with the events it fires. */
  function setControl(selector, value) {
    const control = document.querySelector(selector);
    control.value = String(value);
    control.dispatchEvent(new Event('input', { bubbles: true }));
    control.dispatchEvent(new Event('change', { bubbles: true }));
  }

  /**
   * One change: its time to the screen (t0 just before the change is dispatched; `shown` when
   * #map-a has shown the new drawing (its `data-drawn` count moves; for a change that draws
   * nothing, an error, when body[data-status] is idle); `frame` at the first animation frame
   * after that), the page's worker traffic meanwhile, when the page was idle (profiles and
   * summary done: `idle`) and when the report (#doctor) was done.
   */
  function change(selector, value) {
    return new Promise((resolve, reject) => {
      const body = document.body;
      const doctor = document.querySelector('#doctor');
      const mapA = document.querySelector('#map-a');
      const drawnBefore = mapA.dataset.drawn;
      const marks = { shown: null, idle: null, frame: null, painted: null, doctorIdle: null };
      const finish = () => {
        if (marks.painted === null || marks.doctorIdle === null) return;
        observer.disconnect();
        const error = [...document.querySelectorAll('#config-a [data-role=error]')].find((e) => !e.hidden)?.textContent ?? null;
        resolve({
          value,
          t0,
          ...marks,
          posts: log.posts.filter((p) => p.t >= t0),
          replies: log.replies.filter((r) => r.t >= t0),
          mapSize: document.querySelector('#map-a').dataset.mapSize,
          error,
        });
      };
      const observer = new MutationObserver(() => {
        const now = clock();
        if (marks.idle === null && body.dataset.status === 'idle') marks.idle = now;
        const drawn = mapA.dataset.drawn !== drawnBefore;
        if (marks.shown === null && (drawn || marks.idle !== null)) {
          marks.shown = now;
          requestAnimationFrame(() => {
            marks.frame = clock();
            // A message posted now is handled once this frame's style, layout and paint are done.
            const channel = new MessageChannel();
            channel.port1.onmessage = () => {
              marks.painted = clock();
              channel.port1.close();
              finish();
            };
            channel.port2.postMessage(null);
          });
        }
        if (marks.idle !== null && marks.doctorIdle === null && doctor.dataset.status === 'idle') {
          marks.doctorIdle = now;
          finish();
        }
      });
      observer.observe(body, { attributes: true, attributeFilter: ['data-status'] });
      observer.observe(doctor, { attributes: true, attributeFilter: ['data-status'] });
      observer.observe(mapA, { attributes: true, attributeFilter: ['data-drawn'] });
      const t0 = clock();
      setControl(selector, value);
      if (body.dataset.status !== 'computing') {
        observer.disconnect();
        reject(new Error(`setting ${selector} to ${value} started no update`));
      }
      setTimeout(() => reject(new Error(`setting ${selector} to ${value}: no map after 30 s`)), 30_000);
    });
  }

  /**
   * A slider drag: `input` events on `selector` every `stepMs` with the next of `values`,
   * for `durationMs`; every animation frame meanwhile (and until the last value is shown)
   * notes which map size #map-a shows.
   */
  function drag(selector, values, stepMs, durationMs) {
    const map = document.querySelector('#map-a');
    const control = document.querySelector(selector);
    const frames = [];
    const sent = [];
    return new Promise((resolve) => {
      const t0 = clock();
      const last = String(values[Math.floor(durationMs / stepMs)] ?? values.at(-1));
      const expected = `${last}x${last}`;
      const onFrame = () => {
        const t = clock();
        frames.push({ t, size: map.dataset.mapSize });
        if (t - t0 > durationMs && map.dataset.mapSize === expected) resolve({ t0, sent, frames, durationMs });
        else if (t - t0 > durationMs + 10_000) resolve({ t0, sent, frames, durationMs, timedOut: true });
        else requestAnimationFrame(onFrame);
      };
      requestAnimationFrame(onFrame);
      let i = 0;
      const step = () => {
        const t = clock();
        if (t - t0 > durationMs || i >= values.length) return;
        control.value = String(values[i]);
        control.dispatchEvent(new Event('input', { bubbles: true }));
        sent.push({ t, value: values[i] });
        i += 1;
        setTimeout(step, Math.max(0, t0 + i * stepMs - clock()));
      };
      step();
    });
  }

  window.__bench = { log, settle, change, drag, setControl };
}

/**
 * Runs in the map worker, after its module has loaded: times each engine call the worker makes
 * (the engine module is the worker's own instance: importing its URL again returns it, and
 * the WASM classes' prototypes are shared by every object), each putImageData, and notes
 * when each reply leaves, on the page's clock.
 */
async function instrumentWorker() {
  const clock = () => performance.timeOrigin + performance.now();
  const log = { calls: [], replies: [] };
  self.__bench = log;
  const wrap = (object, name, label) => {
    const original = object[name];
    object[name] = function (...args) {
      const t = clock();
      try {
        return original.apply(this, args);
      } finally {
        log.calls.push({ name: label, t, ms: clock() - t });
      }
    };
  };
  const { loadEngine } = await import(new URL('/js/engine/engine.js', self.location.href));
  const api = await loadEngine();
  const network = api.network({ arch: 'resnet18' });
  const map = network.utilization({ height: 32, width: 32 });
  const [networkProto, mapProto] = [Object.getPrototypeOf(network), Object.getPrototypeOf(map)];
  map.free();
  network.free();
  for (const name of ['utilization', 'layerNames', 'sizeLimits', 'nearestValid']) wrap(networkProto, name, name);
  for (const name of ['colour', 'draw', 'summary', 'profiles', 'relativeRange']) wrap(mapProto, name, name);
  for (const name of ['network', 'colorbar', 'ratio']) wrap(api, name, name);
  wrap(OffscreenCanvasRenderingContext2D.prototype, 'putImageData', 'putImageData');
  const post = self.postMessage.bind(self);
  self.postMessage = (message, transfer) => {
    if (message && !message.progress) log.replies.push({ id: message.id, t: clock() });
    return post(message, transfer);
  };
}

/** Where one change's time went, from its marks and the worker traffic. */
function breakdown(change, worker) {
  const view = change.posts.find((p) => p.worker === 'map' && p.type === 'view');
  const reply = view && change.replies.find((r) => r.worker === 'map' && r.id === view.id);
  const workerReply = view && worker.replies.find((r) => r.id === view.id);
  const analysis = change.posts.find((p) => p.worker === 'analysis' && p.type === 'analysis');
  // The engine calls the worker made for this request (between the post and its reply).
  const calls = view && workerReply ? worker.calls.filter((c) => c.t >= view.t && c.t <= workerReply.t) : [];
  const engine = {};
  for (const c of calls) engine[c.name] = round((engine[c.name] ?? 0) + c.ms, 3);
  const engineMs = calls.filter((c) => c.name !== 'putImageData').reduce((sum, c) => sum + c.ms, 0);
  return {
    value: change.value,
    error: change.error,
    mapSize: change.mapSize,
    latency: change.frame - change.t0,
    painted: change.painted - change.t0,
    toIdle: change.idle - change.t0,
    // main thread, from the change to posting the request to the map worker
    beforePost: view ? view.t - change.t0 : NaN,
    // from the post to the worker's reply: the trip there and the worker's handling
    worker: view && workerReply ? workerReply.t - view.t : NaN,
    // of which engine calls (WASM, with their JS glue; putImageData is inside `draw`)
    engine: engineMs,
    engineCalls: engine,
    // the map came from the worker's cache (no utilization call): not what is measured here
    cached: Boolean(view && workerReply) && !('utilization' in engine),
    // the reply's trip back, then the page showing the map (until #map-a's data-drawn moves)
    toPage: reply && workerReply ? reply.t - workerReply.t : NaN,
    showing: reply ? change.shown - reply.t : NaN,
    // from then to the next animation frame, and that frame's rendering
    toFrame: change.frame - change.shown,
    frameWork: change.painted - change.frame,
    // the report's request relative to the map's reply reaching the page (> 0: after it), and
    // when the report was done
    analysisAfterMap: analysis && reply ? analysis.t - reply.t : NaN,
    doctorDone: change.doctorIdle - change.t0,
  };
}

async function openExplorer(browser, origin, hash) {
  const context = await browser.newContext(CONTEXT);
  await context.addInitScript(instrumentPage);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  const mapWorker = new Promise((resolve) => {
    page.on('worker', async (worker) => {
      if (!worker.url().includes('map-worker')) return;
      await worker.evaluate(instrumentWorker);
      resolve(worker);
    });
  });
  await page.goto(`${origin}/index.html#${hash}`);
  const worker = await mapWorker;
  await page.evaluate(() => window.__bench.settle());
  return { context, page, worker, errors };
}

async function workerLog(worker) {
  return worker.evaluate(() => {
    const log = self.__bench;
    const copy = { calls: log.calls.slice(), replies: log.replies.slice() };
    log.calls.length = 0;
    log.replies.length = 0;
    return copy;
  });
}

/**
 * `count` changes of one control, one at a time, each once the page is quiet again.
 * `beforeEach(i)`, if given, runs (untimed) before the i-th change.
 */
async function changes(page, worker, selector, values, count, beforeEach) {
  const out = [];
  for (let i = 0; i < count; i++) {
    if (beforeEach) await beforeEach(i);
    await workerLog(worker);
    const change = await page.evaluate(([s, v]) => window.__bench.change(s, v), [selector, values[i % values.length]]);
    await page.evaluate(() => window.__bench.settle());
    out.push(breakdown(change, await workerLog(worker)));
  }
  return out;
}

/**
 * Makes the next padding-mode change miss the worker's cache of 6 maps: a network with only
 * 6 modes that it can take (ResNet-50 fails with valid and full) would otherwise find every
 * map of the cycle there. An untimed detour to another size and back leaves 6 other maps
 * between two uses of the same mode.
 */
function evictBy(page, size, detours) {
  return async (i) => {
    for (const value of [detours[i % detours.length], size]) {
      await page.evaluate(([v]) => window.__bench.setControl('#a-height', v), [value]);
      await page.evaluate(() => window.__bench.settle());
    }
  };
}

/** Maps reaching the screen during a drag, from the sizes seen at each animation frame. */
function dragResult(run) {
  const { t0, frames, sent, durationMs } = run;
  const within = frames.filter((f) => f.t - t0 <= durationMs);
  let shown = 0;
  let previous = within[0]?.size;
  const distinct = new Set();
  for (const f of within.slice(1)) {
    if (f.size !== previous) {
      shown += 1;
      distinct.add(f.size);
    }
    previous = f.size;
  }
  const lastSent = sent.at(-1);
  const lastShown = frames.find((f) => f.size === `${lastSent.value}x${lastSent.value}`);
  return {
    inputs: sent.length,
    inputsPerSecond: round(sent.length / (durationMs / 1000), 1),
    framesPerSecond: round(within.length / (durationMs / 1000), 1),
    mapsShown: shown,
    mapsPerSecond: round(shown / (durationMs / 1000), 1),
    distinctMaps: distinct.size,
    lastInputToScreen: lastShown ? round(lastShown.t - lastSent.t) : null,
    timedOut: Boolean(run.timedOut),
  };
}

async function frameBench(browser, origin) {
  const results = [];
  for (const c of FRAME_CASES) {
    const hash = `arch=${c.arch}&h=${c.size}&w=${c.size}`;
    const { context, page, worker, errors } = await openExplorer(browser, origin, hash);
    const modes = await page.$$eval('#a-mode option', (options) => options.map((o) => o.value).filter(Boolean));
    process.stderr.write(`frames: ${c.arch}@${c.size}, ${CHANGES} padding-mode changes…\n`);
    const mode = await changes(page, worker, '#a-mode', modes, CHANGES, evictBy(page, c.size, c.detours));
    // Back to the network's own padding at the case's size, then the sizes.
    await page.evaluate(() => window.__bench.setControl('#a-mode', ''));
    await page.evaluate(() => window.__bench.settle());
    process.stderr.write(`frames: ${c.arch}, ${CHANGES} size changes…\n`);
    const size = await changes(page, worker, '#a-height', c.sizes, CHANGES);
    await page.evaluate(([s]) => window.__bench.setControl('#a-height', s), [c.size]);
    await page.evaluate(() => window.__bench.settle());
    process.stderr.write(`frames: ${c.arch}, a ${DRAG_MS} ms drag of the height slider…\n`);
    const run = await page.evaluate(([v, step, d]) => window.__bench.drag('#a-height-range', v, step, d), [c.drag, DRAG_STEP_MS, DRAG_MS]);
    await page.evaluate(() => window.__bench.settle());
    await context.close();
    if (errors.length) throw new Error(`index.html (${c.arch}): ${errors.join('\n')}`);
    results.push({ arch: c.arch, size: c.size, modes, changes: { mode, size }, drag: { ...dragResult(run), sizes: [c.drag[0], c.drag.at(-1)] } });
  }
  return results;
}

// ---- 3. PyTorch ----------------------------------------------------------------------------

function torchBench() {
  if (!fs.existsSync(options.python)) {
    throw new Error(`no Python at ${options.python}: ./build.sh bench creates tools/.venv (tools/README.md), or pass --python`);
  }
  process.stderr.write(`PyTorch autograd (${options.python})…\n`);
  const run = spawnSync(options.python, [path.join(ROOT, 'tools/bench_torch.py'), '--json', '--runs', options['torch-runs']], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`tools/bench_torch.py exited with ${run.status}`);
  return JSON.parse(run.stdout);
}

// ---- the report ----------------------------------------------------------------------------

function chromiumVersion(browser) {
  try {
    return execFileSync('chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return `Chromium ${browser.version()}`;
  }
}

function report(all) {
  const lines = [];
  const say = (text = '') => lines.push(text);
  say(`# padlens benchmarks, ${all.date}`);
  say();
  say(`${all.browser}; ${all.cpus} logical CPUs (${all.cpu})` + (all.torch ? `; PyTorch ${all.torch.torch}, ${all.torch.threads} thread(s)` : '') + `; load average ${all.loadavg.start.join(' ')} at the start, ${all.loadavg.end.join(' ')} at the end` + (all.www === 'www' ? '' : `; pages from ${all.www}`) + '.');
  const engine = all.engine;
  if (engine) {
    say();
    say(`## Engine in the browser (www/bench.html, page thread; median / min of ${engine.timedRuns} samples; speed-ups median / min, goal ≥ 10×)`);
    say();
    const torchOf = (c) => all.torch?.results.find((r) => r.net === c.arch && r.input[0] === c.size && r.mode === c.mode);
    say(table(
      ['map', 'compute', 'colour', 'draw 1:1', 'compute + colour', 'compute + colour + draw', 'PyTorch autograd', 'speed-up of compute + colour', 'speed-up with draw'],
      engine.cases.map((c) => {
        const t = torchOf(c);
        const fixed = (x) => x.toFixed(x < 1 ? 3 : 2);
        const pair = (s) => `${fixed(s.median)} / ${fixed(s.min)} ms`;
        const speedup = (s) => (t ? `${(t.median_ms / s.median).toFixed(1)}× / ${(t.min_ms / s.min).toFixed(1)}×` : '–');
        return [
          `${c.arch} @${c.size}, ${c.mode}`,
          pair(c.compute),
          pair(c.colour),
          pair(c.draw),
          `**${pair(c.total)}**`,
          pair(c.withDraw),
          t ? `${t.median_ms.toFixed(2)} / ${t.min_ms.toFixed(2)} ms` : '–',
          `**${speedup(c.total)}**`,
          speedup(c.withDraw),
        ];
      }),
    ));
    say();
    say(`WASM ${engine.wasm.raw.toLocaleString('en-US')} bytes raw, ${engine.wasm.gzip.toLocaleString('en-US')} gzip; instantiation ${engine.instantiateMs} ms.`);
    say('Other engine calls per change in the explorer worker (median ms): ' + engine.cases.map((c) =>
      `${c.arch} ${c.mode}: layerNames ${c.extra.layerNames.median}, sizeLimits ${c.extra.sizeLimits.median}, summary+profiles ${c.extra.summaryProfiles.median}, colorbar ${c.extra.colorbar.median}`).join('; ') + '.');
  }
  if (all.frames) {
    say();
    say(`## Frame latency of the explorer (www/index.html, goal ≤ ${FRAME_GOAL_MS} ms median)`);
    say();
    say('From just before a change is dispatched to the first animation frame after the map has been shown (#map-a data-drawn); each change once the page (map, profiles, report, marginalization) is quiet.');
    say();
    const rows = [];
    const parts = [];
    const calls = [];
    const notes = [];
    const CALLS = ['utilization', 'sizeLimits', 'layerNames', 'colour', 'summary', 'profiles', 'draw', 'putImageData', 'colorbar'];
    for (const c of all.frames) {
      for (const [kind, all] of Object.entries(c.changes)) {
        // A change the network cannot take (ResNet-50 with valid or full padding: its
        // branches disagree in size) shows an error and keeps the last map: not a new map.
        const list = all.filter((x) => !x.error);
        const failed = all.filter((x) => x.error);
        const label = [`${c.arch} @${c.size}`, kind === 'mode' ? `padding mode (cycling ${c.modes.length})` : 'size'];
        const s = summary(list.map((x) => x.latency));
        const p = summary(list.map((x) => x.painted));
        const cached = list.filter((x) => x.cached).length;
        rows.push([...label, `${s.n}${cached ? ` (${cached} from the cache)` : ''}`, ms(s.median), ms(s.p90), ms(s.max), ms(p.median), s.median <= FRAME_GOAL_MS ? 'met' : 'not met']);
        if (failed.length) {
          notes.push(`${c.arch} @${c.size}: ${failed.length} of ${all.length} mode changes (${[...new Set(failed.map((x) => x.value))].join(', ')}) showed an error instead of a map (median ${ms(round(quantile(failed.map((x) => x.latency), 0.5)))}); they are left out above.`);
        }
        const med = (key) => round(quantile(list.map((x) => x[key]).filter(Number.isFinite), 0.5));
        parts.push([...label, ...['beforePost', 'worker', 'engine', 'toPage', 'showing', 'toFrame', 'latency', 'frameWork'].map((k) => ms(med(k)))]);
        calls.push([...label, ...CALLS.map((name) => {
          const v = list.map((x) => x.engineCalls[name] ?? 0);
          return v.some((x) => x > 0) ? round(quantile(v, 0.5), 3).toFixed(2) : '–';
        })]);
      }
    }
    say(table(['map', 'change', 'changes', 'median', 'p90', 'max', 'median, frame painted', `≤ ${FRAME_GOAL_MS} ms median`], rows));
    say();
    for (const note of notes) say(note);
    if (notes.length) say();
    say('Where the time goes (medians of each part, so they need not add up):');
    say();
    say(table(['map', 'change', 'page: change → request', 'worker: request → reply', 'of which engine calls', 'reply → page', 'page shows the map', 'shown → frame', '= latency', 'frame: style, layout, paint'], parts));
    say();
    say('Engine calls in the map worker per change (median ms; putImageData is part of draw):');
    say();
    say(table(['map', 'change', ...CALLS], calls));
    say();
    say(`Slider drag: \`input\` on #a-height-range every ${DRAG_STEP_MS.toFixed(1)} ms for ${DRAG_MS / 1000} s, a new size each time (goal: 60 maps/s):`);
    say();
    say(table(
      ['map', 'sizes', 'inputs/s', 'maps on screen/s', 'page frames/s', 'last input → on screen'],
      all.frames.map((c) => [`${c.arch}`, `${c.drag.sizes[0]}→${c.drag.sizes[1]}`, String(c.drag.inputsPerSecond), `**${c.drag.mapsPerSecond}**`, String(c.drag.framesPerSecond), ms(c.drag.lastInputToScreen)]),
    ));
    say();
    const analysis = all.frames.flatMap((c) => Object.values(c.changes).flat());
    const after = analysis.filter((x) => x.analysisAfterMap >= 0).length;
    const done = summary(analysis.map((x) => x.doctorDone));
    say(`The report (#doctor) was requested after the map came back from the worker in ${after} of ${analysis.length} changes (median ${ms(round(quantile(analysis.map((x) => x.analysisAfterMap), 0.5)))} after it, once the page had shown the map); it was done a median ${ms(done.median)} after the change (max ${ms(done.max)}).`);
  }
  if (all.torch) {
    say();
    say(`## PyTorch autograd (tools/bench_torch.py, ${all.torch.threads} thread, ${all.torch.results[0].runs} runs)`);
    say();
    say(table(['map', 'median', 'min'], all.torch.results.map((r) => [`${r.net} @${r.input[0]}, ${r.mode}`, ms(r.median_ms), ms(r.min_ms)])));
  }
  return lines.join('\n');
}

// ---- main ----------------------------------------------------------------------------------

const all = {
  date: new Date().toISOString(),
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? 'unknown CPU',
  www: options.www ?? 'www',
  // The machine's load when the run starts and ends (1, 5, 15 min): other work skews timings.
  loadavg: { start: os.loadavg().map((x) => round(x)) },
};
const server = await startServer(options.www ? path.resolve(options.www) + path.sep : WWW);
const browser = await launchBrowser();
try {
  all.browser = chromiumVersion(browser);
  if (only.has('engine')) {
    process.stderr.write('engine: www/bench.html…\n');
    all.engine = await engineBench(browser, server.origin);
  }
  if (only.has('frames')) all.frames = await frameBench(browser, server.origin);
} finally {
  await browser.close();
  await server.close();
}
// After the browser is closed, so that the two never compete for the CPU.
if (only.has('torch')) all.torch = torchBench();
all.loadavg.end = os.loadavg().map((x) => round(x));
fs.mkdirSync(path.dirname(options.out), { recursive: true });
fs.writeFileSync(options.out, JSON.stringify(all, null, 2));
console.log(report(all));
console.log(`\n(everything measured, per change: ${path.relative(process.cwd(), options.out) || options.out})`);
