// The in-browser benchmark: time to compute and colour-map the maps the explorer shows most,
// and the size of the WASM download. Runs on this page's thread (no worker hop, so the times
// are the engine's) and publishes everything as window.benchResults for headless runners.

import { loadEngine } from '../../engine/engine.js';

const CASES = [
  { arch: 'resnet50', size: 224, mode: 'zeros' },
  { arch: 'resnet50', size: 224, mode: 'reflect' },
  { arch: 'vgg19', size: 512, mode: 'zeros' },
  { arch: 'vgg19', size: 512, mode: 'reflect' },
];
const WARMUP_RUNS = 10; // enough for V8 to tier the hot WASM functions up
const TIMED_RUNS = 15;
const SAMPLE_MS = 20;
const RENDER = { colormap: 'viridis', reference: 'max', scale: 'linear' };

const status = document.querySelector('#bench-status');
const nextFrame = () => new Promise((resolve) => setTimeout(resolve, 0));

/** @param {number[]} xs @returns {{median: number, min: number}} */
function stats(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median: round(median), min: round(sorted[0]) };
}

const round = (ms) => Math.round(ms * 1000) / 1000;

function row(cells, header = false) {
  const tr = document.createElement('tr');
  cells.forEach((text, i) => {
    const cell = document.createElement(header && i === 0 ? 'th' : 'td');
    if (header && i === 0) cell.scope = 'row';
    cell.textContent = text;
    tr.append(cell);
  });
  return tr;
}

/**
 * Per-map times of one case. Browsers round performance.now() to 0.1 ms or coarser, so each
 * timed sample repeats the work enough times to last a few milliseconds and is divided back.
 */
async function timeCase(engine, { arch, size, mode }) {
  const request = { arch, height: size, width: size, mode, depth: null };
  let map = null;
  let warm = Infinity;
  for (let run = 0; run < WARMUP_RUNS; run++) {
    const t0 = performance.now();
    map = engine.utilization(request, RENDER);
    warm = Math.min(warm, performance.now() - t0);
    await nextFrame();
  }
  const repeat = Math.max(1, Math.ceil(SAMPLE_MS / Math.max(warm, 0.05)));
  // The page's path: compute, copy the values out (for hover and profiles), colour the map
  // in WASM and copy the RGBA out. "compute" is the same without colouring; "colour-map" is
  // the difference.
  const compute = [];
  const total = [];
  for (let run = 0; run < TIMED_RUNS; run++) {
    const t0 = performance.now();
    for (let i = 0; i < repeat; i++) map = engine.utilization(request);
    const t1 = performance.now();
    for (let i = 0; i < repeat; i++) map = engine.utilization(request, RENDER);
    const t2 = performance.now();
    compute.push((t1 - t0) / repeat);
    total.push((t2 - t1) / repeat);
    await nextFrame(); // keep the page responsive and the status current
  }

  const [computeStats, totalStats] = [stats(compute), stats(total)];
  // Colour mapping is timed as the difference of the two medians: a per-sample difference of
  // two noisy timings has no meaningful minimum.
  const render = { median: round(totalStats.median - computeStats.median), min: null };
  return { arch, size, mode, runs: TIMED_RUNS, repeat, compute: computeStats, render, total: totalStats };
}

async function wasmSize() {
  const url = new URL('../pkg/padlens_bg.wasm', import.meta.url);
  const raw = await (await fetch(url)).arrayBuffer();
  const gzipped = await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
  return { raw: raw.byteLength, gzip: gzipped.byteLength };
}

async function main() {
  const t0 = performance.now();
  const engine = await loadEngine();
  const instantiateMs = round(performance.now() - t0);
  const times = document.querySelector('#bench-times tbody');
  const cases = [];
  for (const c of CASES) {
    status.textContent = `Running ${c.arch} at ${c.size}×${c.size}, ${c.mode} padding…`;
    await nextFrame();
    const result = await timeCase(engine, c);
    cases.push(result);
    times.append(row([
      result.arch, `${result.size}×${result.size}`, result.mode, `${result.runs} × ${result.repeat}`,
      ...[result.compute, result.render, result.total].flatMap((s) => [s.median.toFixed(2), s.min === null ? '—' : s.min.toFixed(2)]),
    ]));
  }
  status.textContent = 'Measuring the download…';
  const wasm = await wasmSize();
  document.querySelector('#bench-size tbody').append(
    row(['WASM, raw', `${wasm.raw.toLocaleString('en-US')} bytes (${(wasm.raw / 1024).toFixed(1)} KiB)`], true),
    row(['WASM, gzip', `${wasm.gzip.toLocaleString('en-US')} bytes (${(wasm.gzip / 1024).toFixed(1)} KiB)`], true),
    row(['Instantiation (first load)', `${instantiateMs.toFixed(1)} ms`], true),
  );
  window.benchResults = {
    date: new Date().toISOString(),
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    warmupRuns: WARMUP_RUNS,
    instantiateMs,
    wasm,
    cases,
  };
  status.textContent = 'Done.';
}

main().catch((error) => {
  status.textContent = `The benchmark failed: ${error.message}`;
  window.benchResults = { error: error.message };
});
