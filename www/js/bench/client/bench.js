// The in-browser engine benchmark: per case, the time to compute a utilization map, colour it
// and draw it whole at 1:1 into an OffscreenCanvas — the explorer worker's work for one change
// — separately and together, with the same WASM module, on this page's thread (no worker hop, so the times are the
// engine's). Also the engine calls the worker makes besides, and the size of the download.
// Publishes everything as window.benchResults for tests/e2e/run-bench.mjs.

import { loadEngine } from '../../engine/engine.js';
import { csvTable, fileName, jsonText } from '../../shared/export.js';
import { scrollHint } from '../../shared/scroll-hint.js';
import '../../shared/share-menu.js';

const CASES = [
  { arch: 'resnet50', size: 224, mode: 'zeros' },
  { arch: 'resnet50', size: 224, mode: 'reflect' },
  { arch: 'vgg19', size: 512, mode: 'zeros' },
  { arch: 'vgg19', size: 512, mode: 'reflect' },
];
const WARMUP_RUNS = 10; // per operation: enough for V8 to tier the hot WASM functions up
const TIMED_RUNS = 15; // samples per operation
const SAMPLE_MS = 20; // a sample repeats an operation for about this long
const DISPLAY = { colormap: 'viridis', reference: 'max', scale: 'linear' };

const status = document.querySelector('#bench-status');
// Each table's section scrolls sideways on a phone: say so, and let the keyboard scroll it.
document.querySelectorAll('.bench-section').forEach(scrollHint);
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
const round = (ms) => Math.round(ms * 10000) / 10000;
/** Milliseconds to read: two decimals, three below 1 ms. */
const fixed = (ms) => ms.toFixed(ms < 1 ? 3 : 2);

/** @param {number[]} xs @returns {{median: number, min: number}} */
function stats(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median: round(median), min: round(sorted[0]) };
}

/**
 * Times each operation: warm-up runs, then `TIMED_RUNS` samples per operation, interleaved
 * (round by round) so that a noisy moment spreads over all of them. Browsers round
 * performance.now() to 0.1 ms or coarser, so a sample repeats its operation enough times to
 * last about SAMPLE_MS and is divided back.
 * @param {Record<string, () => void>} ops
 * @returns {Promise<Record<string, {median: number, min: number, repeat: number}>>}
 */
async function timeOps(ops) {
  const names = Object.keys(ops);
  const repeat = {};
  for (const name of names) {
    // The warm-up runs, timed together, also say how many runs make a sample.
    const t0 = performance.now();
    for (let run = 0; run < WARMUP_RUNS; run++) ops[name]();
    const each = (performance.now() - t0) / WARMUP_RUNS;
    repeat[name] = Math.max(1, Math.ceil(SAMPLE_MS / Math.max(each, 0.001)));
    await nextTask();
  }
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (let run = 0; run < TIMED_RUNS; run++) {
    for (const name of names) {
      const op = ops[name];
      const n = repeat[name];
      const t0 = performance.now();
      for (let i = 0; i < n; i++) op();
      samples[name].push((performance.now() - t0) / n);
    }
    await nextTask(); // keep the page responsive and the status current
  }
  return Object.fromEntries(names.map((name) => [name, { ...stats(samples[name]), repeat: repeat[name] }]));
}

/** One case: the four timings of the map, and the worker's other calls. Frees what it makes. */
async function timeCase(engine, { arch, size, mode }) {
  const network = engine.network({ arch });
  const query = { height: size, width: size, mode, depth: null };
  const viewport = { width: size, height: size, zoom: 1, offset: [0, 0] };
  const context = new OffscreenCanvas(size, size).getContext('2d');
  let map = null;
  try {
    map = network.utilization(query);
    map.colour(DISPLAY);
    const main = await timeOps({
      compute: () => network.utilization(query).free(),
      colour: () => map.colour(DISPLAY),
      draw: () => map.draw(context, viewport),
      total: () => {
        const m = network.utilization(query);
        m.colour(DISPLAY);
        m.free();
      },
      withDraw: () => {
        const m = network.utilization(query);
        m.colour(DISPLAY);
        m.draw(context, viewport);
        m.free();
      },
    });
    const extra = await timeOps({
      layerNames: () => network.layerNames(),
      sizeLimits: () => network.sizeLimits(mode, undefined),
      summaryProfiles: () => {
        map.summary();
        map.profiles();
      },
      colorbar: () => engine.colorbar(DISPLAY.colormap, 256),
    });
    return { arch, size, mode, runs: TIMED_RUNS, ...main, extra };
  } finally {
    map?.free();
    network.free();
  }
}

function row(cells, { header = false, classes = [] } = {}) {
  const tr = document.createElement('tr');
  cells.forEach((text, i) => {
    const cell = document.createElement(header && i === 0 ? 'th' : 'td');
    if (header && i === 0) cell.scope = 'row';
    if (classes[i]) cell.className = classes[i];
    cell.textContent = text;
    tr.append(cell);
  });
  return tr;
}

async function wasmSize() {
  const url = new URL('../../../pkg/padlens_bg.wasm', import.meta.url);
  const raw = await (await fetch(url)).arrayBuffer();
  const gzipped = await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
  return { raw: raw.byteLength, gzip: gzipped.byteLength };
}

async function main() {
  const t0 = performance.now();
  const engine = await loadEngine();
  const instantiateMs = round(performance.now() - t0);
  const times = document.querySelector('#bench-times tbody');
  const extras = document.querySelector('#bench-extra tbody');
  const cases = [];
  for (const c of CASES) {
    status.textContent = `Running ${c.arch} at ${c.size}×${c.size}, ${c.mode} padding… (${cases.length + 1} of ${CASES.length})`;
    await nextTask();
    const r = await timeCase(engine, c);
    cases.push(r);
    const ms = (s) => [fixed(s.median), fixed(s.min)];
    const label = [r.arch, `${r.size}×${r.size}`, r.mode];
    times.append(row([...label, ...ms(r.compute), ...ms(r.colour), ...ms(r.draw), ...ms(r.total), ...ms(r.withDraw)], {
      classes: [, , , 'group-start', , 'group-start', , 'group-start', , 'group-start total', 'total', 'group-start'],
    }));
    extras.append(row([...label, ...['layerNames', 'sizeLimits', 'summaryProfiles', 'colorbar'].map((k) => fixed(r.extra[k].median))]));
  }
  status.textContent = 'Measuring the download…';
  const wasm = await wasmSize();
  const kib = (n) => `${n.toLocaleString('en-US')} bytes (${(n / 1024).toFixed(1)} KiB)`;
  document.querySelector('#bench-size tbody').append(
    row(['WASM, raw', kib(wasm.raw)], { header: true }),
    row(['WASM, gzip', kib(wasm.gzip)], { header: true }),
    row(['Instantiation (first load)', `${instantiateMs.toFixed(1)} ms`], { header: true }),
  );
  window.benchResults = {
    date: new Date().toISOString(),
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    warmupRuns: WARMUP_RUNS,
    timedRuns: TIMED_RUNS,
    display: DISPLAY,
    instantiateMs,
    wasm,
    cases,
  };
  status.textContent = `Done: ${CASES.length} cases, ${TIMED_RUNS} samples each.`;
  shareResults(window.benchResults);
}

/** The results' downloads: everything as JSON (as window.benchResults), the cases as CSV. */
function shareResults(results) {
  const timings = ['compute', 'colour', 'draw', 'total', 'withDraw'];
  const extras = ['layerNames', 'sizeLimits', 'summaryProfiles', 'colorbar'];
  const stem = ['padlens', 'bench', results.date.slice(0, 10)];
  document.querySelector('#share-bench').configure({
    link: () => location.href,
    downloads: () => [
      { label: 'JSON — every result, with the browser and settings', filename: fileName(stem, 'json'), mime: 'application/json', make: async () => jsonText(results) },
      {
        label: 'CSV — one row per case (milliseconds)',
        filename: fileName(stem, 'csv'),
        mime: 'text/csv',
        make: async () =>
          csvTable(
            ['network', 'size', 'padding', ...timings.flatMap((t) => [`${t}_median`, `${t}_min`]), ...extras.map((e) => `${e}_median`)],
            results.cases.map((c) => [c.arch, String(c.size), c.mode, ...timings.flatMap((t) => [c[t].median, c[t].min]), ...extras.map((e) => c.extra[e].median)]),
          ),
      },
    ],
    embed: null,
  });
}

main().catch((error) => {
  console.error(error);
  status.textContent = `The benchmark failed: ${error.message}`;
  window.benchResults = { error: error.message };
});
