// Detectability grids (issue: a 30×30 grid, 16-px stimulus at stride 7, on ResNet-18 at
// 224×224 in Chromium on this 2-core machine, ≤ 10 s): the Blind spots page as a user runs it
// — the full-size model chosen as a file, the pool of one worker per core — incremental and
// whole-network, and natively (the CLI, one thread) per placement, in one run. Not a test:
// timings are measurements (BENCHMARKS.md, "Detectability grids").
//
//   node tests/e2e/run-detect-bench.mjs [--models resnet18,mobilenet_v2] [--native]
//       [--models-dir tools/.cache/models] [--out target/bench/detect.json]
//
// The models are the full-size ones of `tools/onnx_models.py full`; absent ones are skipped.
// --native also times `padlens detect` (release build, `cargo build --release` first) with and
// without --full on the same grids.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchBrowser, openPage, startServer } from './harness.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { values: options } = parseArgs({
  options: {
    models: { type: 'string', default: 'resnet18,mobilenet_v2' },
    native: { type: 'boolean', default: false },
    'models-dir': { type: 'string', default: path.join(ROOT, 'tools/.cache/models') },
    out: { type: 'string', default: path.join(ROOT, 'target/bench/detect.json') },
  },
});

// The grid: 224×224, a 16-px traffic light at stride 7 on grey, 30×30 placements.
const GRID = { size: 224, stimulus: 16, stride: 7 };
const HASH = `#stimulus=traffic-light&size=${GRID.stimulus}&stride=${GRID.stride}&background=grey&score=class&k=0&threshold=0.5&range=unit`;

async function pageGrid(browser, origin, model, full) {
  // No service worker: precaching the site would compete with the grid being timed.
  const { page, context, log } = await openPage(browser, origin, `/blindspots.html${HASH}${full ? '&full=1' : ''}`, undefined, { serviceWorkers: 'block' });
  // The bundled demo computes first; then the file replaces it, as a user would drop it.
  await page.waitForFunction(() => document.querySelector('#run-status').dataset.ms !== undefined, null, { timeout: 120000 });
  await page.setInputFiles('#file', model);
  await page.waitForFunction(
    () => document.querySelector('#run-status').dataset.ms !== undefined && document.querySelector('#grid-a').shadowRoot.querySelector('figcaption').textContent.includes('.onnx'),
    null,
    { timeout: 900000, polling: 200 },
  );
  const ms = Number(await page.$eval('#run-status', (el) => el.dataset.ms));
  const status = await page.textContent('#run-status');
  const placements = Number(/^(\d+) placements/.exec(status)[1]);
  const workers = Number(/on (\d+) worker/.exec(status)[1]);
  if (log.errors.length) throw new Error(log.errors.join('\n'));
  await context.close();
  return { ms, placements, workers };
}

function nativeGrid(model, full) {
  const out = path.join(os.tmpdir(), `padlens-detect-bench-${process.pid}.npy`);
  const args = ['detect', '--model', model, '--background', 'grey', '--stimulus', 'traffic-light', '--stimulus-size', String(GRID.stimulus), '--stride', String(GRID.stride), '--score', 'class:0', '--format', 'npy', '--out', out, ...(full ? ['--full'] : [])];
  const binary = path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'), 'release/padlens');
  const start = performance.now();
  execFileSync(binary, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const ms = performance.now() - start;
  fs.rmSync(out, { force: true });
  return { ms, placements: 900 };
}

const results = { date: new Date().toISOString(), cpus: os.cpus().length, loadavg: [os.loadavg()], grid: GRID, models: {} };
const server = await startServer();
const browser = await launchBrowser();
results.browser = browser.version();
try {
  for (const name of options.models.split(',')) {
    const model = path.join(options['models-dir'], `${name}.onnx`);
    if (!fs.existsSync(model)) {
      console.log(`${name}: ${model} is missing (tools/onnx_models.py full), skipped`);
      continue;
    }
    const entry = {};
    entry.incremental = await pageGrid(browser, server.origin, model, false);
    entry.full = await pageGrid(browser, server.origin, model, true);
    if (options.native) {
      entry.nativeIncremental = nativeGrid(model, false);
      entry.nativeFull = nativeGrid(model, true);
    }
    results.models[name] = entry;
    console.log(name, JSON.stringify(entry));
  }
} finally {
  await browser.close();
  await server.close();
}
results.loadavg.push(os.loadavg());
fs.mkdirSync(path.dirname(options.out), { recursive: true });
fs.writeFileSync(options.out, JSON.stringify(results, null, 2));

const s = (ms) => (ms / 1000).toFixed(1);
const per = (r) => (r.ms / r.placements).toFixed(1);
console.log(`\n| model | page, incremental | page, whole network | speed-up | native ms/placement, incremental | native, whole | speed-up |`);
console.log('|---|---|---|---|---|---|---|');
for (const [name, r] of Object.entries(results.models)) {
  const native = r.nativeIncremental
    ? `${per(r.nativeIncremental)} | ${per(r.nativeFull)} | ${(r.nativeFull.ms / r.nativeIncremental.ms).toFixed(2)}×`
    : '— | — | —';
  console.log(`| ${name} | ${s(r.incremental.ms)} s (${r.incremental.placements} on ${r.incremental.workers} workers) | ${s(r.full.ms)} s | ${(r.full.ms / r.incremental.ms).toFixed(2)}× | ${native} |`);
}
console.log(`\nload average ${results.loadavg.map((l) => l.map((v) => v.toFixed(2)).join(' ')).join(' → ')}; written to ${options.out}`);
