// padlens' inference engine against onnxruntime-web and rten on full-size ONNX models, in the
// same headless Chromium run, each on the page's thread with one thread and WebAssembly SIMD
// (BENCHMARKS.md, "ONNX models in the browser"). Not a test: timings are measurements.
//
//   node tests/e2e/run-model-bench.mjs [--models resnet18,resnet50,mobilenet_v2,vgg19]
//       [--runs 15] [--warmup 3] [--engines padlens,ort,rten] [--rten-prepack]
//       [--pkg DIR] [--profile] [--profile-runs 5] [--breakdown]
//       [--breakdown-runs 7] [--out FILE]
//
// Serves, on 127.0.0.1 only: www/ at / (the page's own engine, www/pkg; --pkg DIR serves
// another build of it at /pkg/), benches/web/ at /bench/ (the benchmark page and rten's
// build, benches/web/rten-pkg, from benches/rten-web), onnxruntime-web's wasm build from
// node_modules at /ort/, and tools/.cache/models (`tools/onnx_models.py full`) at
// /onnx-models/. Each model gets a fresh page (its WASM memories are dropped afterwards), all
// three engines in it: benches/web/models.js loads, checks each output against ONNX
// Runtime's stored one, warms up, then times rounds of one pass per engine in rotating order.
//
// --profile then records a CPU profile (the DevTools protocol) of --profile-runs more padlens
// passes and lists where their time went, by WASM function: it needs a padlens build whose
// function names were kept (`wasm-opt -g`), given with --pkg. (With LTO nearly everything is
// inlined into `Plan::run`, so --breakdown says more.)
//
// --breakdown then shows where a pass goes, per kind of layer, for padlens and for
// onnxruntime-web side by side: padlens' steps each timed alone (benches/web/steps: the
// plan's own kernels and packed weights, --breakdown-runs times each, median), and
// onnxruntime-web's per-node times from its own profiler (`enableProfiling`; its wasm build
// logs one JSON event per node on the console), the mean of --breakdown-runs passes. The
// row "everything else" is the whole pass less the rows above it.
//
// Everything measured goes to --out (default target/bench/models.json); a Markdown table is
// printed. `./build.sh bench` runs it last.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WWW, launchBrowser } from './harness.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { values: options } = parseArgs({
  options: {
    models: { type: 'string', default: 'resnet18,resnet50,mobilenet_v2,vgg19' },
    runs: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    engines: { type: 'string', default: 'padlens,ort,rten' },
    'rten-prepack': { type: 'boolean', default: false },
    'ort-optimization': { type: 'string', default: 'all' },
    pkg: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'profile-runs': { type: 'string', default: '5' },
    breakdown: { type: 'boolean', default: false },
    'breakdown-runs': { type: 'string', default: '7' },
    'models-dir': { type: 'string', default: path.join(ROOT, 'tools/.cache/models') },
    out: { type: 'string', default: path.join(ROOT, 'target/bench/models.json') },
  },
});

const BENCH = path.join(ROOT, 'benches/web') + path.sep;
const ORT_DIST = path.join(ROOT, 'node_modules/onnxruntime-web/dist') + path.sep;
// Only the files of onnxruntime-web's wasm-only build (no WebGPU/WebGL) are served.
const ORT_FILES = new Set(['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']);
const MODELS = path.resolve(options['models-dir']) + path.sep;
const PKG = options.pkg ? path.resolve(options.pkg) + path.sep : path.join(WWW, 'pkg') + path.sep;

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** The file a request path maps to, or null; never outside the mapped folders. */
function resolveFile(pathname) {
  const mounts = [
    ['/bench/', BENCH],
    ['/ort/', ORT_DIST],
    ['/onnx-models/', MODELS],
    ['/pkg/', PKG],
    ['/', WWW],
  ];
  for (const [prefix, dir] of mounts) {
    if (!pathname.startsWith(prefix)) continue;
    const rest = pathname.slice(prefix.length);
    if (prefix === '/ort/' && !ORT_FILES.has(rest)) return null;
    const file = path.join(dir, rest);
    return file.startsWith(dir) ? file : null;
  }
  return null;
}

/** A static server on 127.0.0.1 that streams files (the VGG-19 model is 575 MB). */
async function startServer() {
  const server = http.createServer((req, res) => {
    let file = null;
    try {
      file = resolveFile(decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname));
    } catch {
      // a malformed path: not found
    }
    const stat = file && fs.statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Self time per function from a CDP CPU profile, longest first. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map();
  let total = 0;
  // timeDeltas[i] is the time from sample i − 1 to sample i: charge it to sample i − 1.
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const frame = byId.get(profile.samples[i]).callFrame;
    const name = frame.functionName || `(anonymous ${path.basename(frame.url)})`;
    totals.set(name, (totals.get(name) ?? 0) + dt);
    total += dt;
  }
  return { totalMs: total / 1000, functions: [...totals].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms) };
}

/** The group a convolution falls in: its window and stride, and whether it is depthwise. */
const convGroup = ({ kh, kw, stride, depthwise }) => `conv ${kh}×${kw} s${stride}${depthwise ? ' depthwise' : ''}`;
const REST = 'everything else (the pass less the rows above)';

/** A padlens step's group (null: not timed on its own). */
function stepGroup(step) {
  const g = step.geometry;
  if (['gemm', 'pointwise', 'depthwise'].includes(step.kind) && g.length === 10) {
    const [cin, , groups, kh, kw, stride] = g;
    return convGroup({ kh, kw, stride, depthwise: groups > 1 && cin === groups });
  }
  if (step.kind === 'pool' || step.kind === 'global pool') return step.op;
  if (step.kind === 'gemm') return 'Gemm (classifier)';
  if (step.kind === 'in place') return `${step.op}, a step of its own`;
  return null;
}

/** An onnxruntime-web node's group, and its multiply-adds. */
function nodeGroup(event) {
  const [input, weights] = event.inputs;
  if ((event.op === 'Conv' || event.op === 'FusedConv') && weights?.length === 4 && input?.length === 4) {
    const [cout, cinPerGroup, kh, kw] = weights;
    const [, cin, h] = input;
    const [, , ho, wo] = event.output;
    return { group: convGroup({ kh, kw, stride: Math.round(h / ho), depthwise: cinPerGroup === 1 && cin > 1 }), macs: cout * ho * wo * cinPerGroup * kh * kw };
  }
  if (/Pool$/.test(event.op)) return { group: event.op, macs: 0 };
  if (event.op === 'Gemm' || event.op === 'FusedGemm') return { group: 'Gemm (classifier)', macs: event.output.reduce((a, b) => a * b, 1) * input.at(-1) };
  return { group: REST, macs: 0 };
}

/** Times summed by group per pass, `totalMs` the whole pass: the rest is what no group holds. */
function groupTimes(totalMs, items) {
  const groups = new Map();
  let grouped = 0;
  for (const { group, ms, macs } of items) {
    if (group === REST || !Number.isFinite(ms)) continue;
    const g = groups.get(group) ?? { group, count: 0, ms: 0, macs: 0 };
    g.count += 1;
    g.ms += ms;
    g.macs += macs;
    groups.set(group, g);
    grouped += ms;
  }
  const rows = [...groups.values()];
  rows.push({ group: REST, count: null, ms: totalMs - grouped, macs: 0 });
  return rows.map((r) => ({ ...r, ms: round(r.ms, 2), share: round(r.ms / totalMs, 3), gflops: r.macs ? round((2 * r.macs) / (r.ms * 1e6), 1) : null }));
}

/** padlens' steps timed one by one, and onnxruntime-web's profiled nodes, side by side. */
function breakdown(steps, ort) {
  const padlens = groupTimes(
    steps.totalMs,
    steps.steps.map((s) => ({ group: stepGroup(s) ?? REST, ms: s.ms, macs: s.macs })),
  );
  let ortRows = null;
  if (ort) {
    const items = ort.events.map((e) => ({ ...nodeGroup(e), ms: e.us / 1000 / ort.runs }));
    // per pass: each node ran `runs` times, so its share of one pass is its sum ÷ runs
    const merged = groupTimes(ort.totalMs, items);
    ortRows = merged.map((r) => ({ ...r, count: r.count === null ? null : r.count / ort.runs, macs: r.macs / ort.runs, gflops: r.macs ? round((2 * r.macs) / ort.runs / (r.ms * 1e6), 1) : null }));
  }
  const names = [...new Set([...padlens.map((r) => r.group), ...(ortRows ?? []).map((r) => r.group)])].filter((g) => g !== REST);
  names.sort((a, b) => (padlens.find((r) => r.group === b)?.ms ?? 0) - (padlens.find((r) => r.group === a)?.ms ?? 0));
  names.push(REST);
  return {
    padlensPassMs: steps.totalMs,
    ortPassMs: ort?.totalMs ?? null,
    rows: names.map((group) => ({ group, padlens: padlens.find((r) => r.group === group) ?? null, ort: ortRows?.find((r) => r.group === group) ?? null })),
  };
}

async function benchModel(browser, origin, model) {
  const context = await browser.newContext();
  // Nothing leaves the machine: any request off 127.0.0.1 is aborted and reported.
  const offsite = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '127.0.0.1') {
      offsite.push(url.href);
      return route.abort();
    }
    return route.continue();
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  await page.goto(`${origin}/bench/models.html`);
  await page.waitForFunction(() => window.modelBench);
  const engines = options.engines.split(',');
  process.stderr.write(`${model}: loading into ${engines.join(', ')}…\n`);
  const result = await page.evaluate(
    (opts) => window.modelBench.load(opts),
    { model, engines, prepack: options['rten-prepack'], ortOptimization: options['ort-optimization'] },
  );
  for (const [name, entry] of Object.entries(result.engines)) {
    process.stderr.write(
      entry.error
        ? `  ${name}: FAILED: ${entry.error}\n`
        : `  ${name}: load ${entry.loadMs} ms, first run ${entry.firstRunMs} ms, max rel. error ${entry.maxRelError.toExponential(1)}\n`,
    );
  }
  process.stderr.write(`${model}: ${options.warmup} warm-up and ${options.runs} timed rounds…\n`);
  result.timings = await page.evaluate((opts) => window.modelBench.measure(opts), { runs: Number(options.runs), warmup: Number(options.warmup) });
  for (const [name, t] of Object.entries(result.timings)) process.stderr.write(`  ${name}: median ${t.median} ms, min ${t.min} ms\n`);
  if (options.profile && result.timings.padlens) {
    const runs = Number(options['profile-runs']);
    process.stderr.write(`${model}: profiling ${runs} padlens passes…\n`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    await page.evaluate((n) => window.modelBench.repeat('padlens', n), runs);
    const { profile } = await cdp.send('Profiler.stop');
    const times = selfTimes(profile);
    result.profile = {
      runs,
      perPassMs: round(times.totalMs / runs),
      functions: times.functions.slice(0, 40).map((f) => ({ name: f.name, msPerPass: round(f.ms / runs, 3), share: round(f.ms / times.totalMs, 4) })),
    };
    await cdp.detach();
  }
  if (options.breakdown) {
    await page.evaluate(() => window.modelBench.unload());
    const runs = Number(options['breakdown-runs']);
    process.stderr.write(`${model}: timing padlens' steps one by one…\n`);
    result.steps = await page.evaluate((reps) => window.modelBench.steps(reps), runs);
    let ort = null;
    if (engines.includes('ort')) {
      process.stderr.write(`${model}: profiling onnxruntime-web's nodes…\n`);
      const lines = [];
      const listen = (msg) => msg.text().startsWith('{"cat" : "Node"') && lines.push(msg.text());
      page.on('console', listen);
      ort = await page.evaluate((n) => window.modelBench.ortProfile(n), runs);
      await page.waitForTimeout(200);
      page.off('console', listen);
      const events = [];
      for (const line of lines) {
        const e = JSON.parse(line.replace(/,\s*$/, ''));
        if (!e.name.endsWith('_kernel_time')) continue;
        events.push({ op: e.args.op_name, name: e.name.replace(/_kernel_time$/, ''), us: e.dur, inputs: e.args.input_type_shape.map((t) => Object.values(t)[0]), output: Object.values(e.args.output_type_shape[0])[0] });
      }
      if (events.length % (runs + 1)) throw new Error(`ORT profile: ${events.length} node events for ${runs + 1} passes`);
      // the first pass is a warm-up
      ort.events = events.slice(events.length / (runs + 1));
      result.ortProfile = ort;
    }
    result.breakdown = breakdown(result.steps, ort);
  }
  await page.evaluate(() => window.modelBench.unload());
  await context.close();
  if (errors.length) result.pageErrors = errors;
  if (offsite.length) result.offsiteRequests = offsite;
  return result;
}

function chromiumVersion(browser) {
  return `Chromium ${browser.version()}`;
}

const LABELS = { padlens: 'padlens', ort: 'ORT-web', rten: 'rten' };
const fmt = (x) => (Number.isFinite(x) ? `${x.toFixed(x < 100 ? 2 : 1)}` : '–');
const exp = (x) => (Number.isFinite(x) ? x.toExponential(1) : '–');

function report(all) {
  const engines = options.engines.split(',');
  const lines = [];
  lines.push(
    `${all.browser}, ${all.cpu}, load average ${all.loadavg.start.join(' / ')} at the start, ` +
      `${all.loadavg.end?.join(' / ')} at the end; ${options.runs} rounds after ${options.warmup} warm-up; median / min ms per pass.`,
  );
  lines.push('');
  const header = ['model', ...engines.map((e) => `${LABELS[e]} ms`)];
  const peers = engines.filter((e) => e !== 'padlens');
  if (engines.includes('padlens')) header.push(...peers.map((e) => `padlens ÷ ${LABELS[e]}`));
  header.push(...engines.map((e) => `${LABELS[e]} max rel. error`));
  lines.push(`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`);
  for (const r of all.models) {
    if (r.skipped) {
      lines.push(`| ${r.model} | ${r.skipped} |`);
      continue;
    }
    const t = (e) => r.timings?.[e];
    const cells = [r.model];
    for (const e of engines) cells.push(t(e) ? `${fmt(t(e).median)} / ${fmt(t(e).min)}` : `failed: ${r.engines[e]?.error ?? '?'}`);
    if (engines.includes('padlens')) {
      for (const e of peers) {
        cells.push(t('padlens') && t(e) ? `${(t('padlens').median / t(e).median).toFixed(2)} / ${(t('padlens').min / t(e).min).toFixed(2)}` : '–');
      }
    }
    for (const e of engines) cells.push(exp(r.engines[e]?.maxRelError));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('');
  lines.push('Load (ms: parse and plan or build the session, after the WASM is instantiated) and first pass:');
  for (const r of all.models.filter((m) => !m.skipped)) {
    const parts = engines.map((e) => r.engines[e] && !r.engines[e].error ? `${LABELS[e]} ${fmt(r.engines[e].loadMs)} + ${fmt(r.engines[e].firstRunMs)}` : `${LABELS[e]} –`);
    lines.push(`- ${r.model}: ${parts.join('; ')}`);
  }
  for (const r of all.models.filter((m) => m.profile)) {
    lines.push('', `padlens on ${r.model}: ${r.profile.runs} passes profiled, ${r.profile.perPassMs} ms per pass sampled; self time by function:`, '');
    lines.push('| function | ms per pass | share |', '|---|---|---|');
    for (const f of r.profile.functions.slice(0, 20)) lines.push(`| \`${f.name}\` | ${f.msPerPass.toFixed(2)} | ${(f.share * 100).toFixed(1)} % |`);
  }
  for (const r of all.models.filter((m) => m.breakdown)) {
    const b = r.breakdown;
    lines.push(
      '',
      `${r.model}, where a pass goes: padlens' steps each timed alone (median of ${r.steps.reps}; whole pass ${b.padlensPassMs} ms), ` +
        `onnxruntime-web's nodes from its profiler (mean of ${r.ortProfile?.runs ?? '–'} passes; whole pass ${b.ortPassMs ?? '–'} ms, profiling on):`,
      '',
    );
    lines.push('| steps | padlens ms | share | GFLOP/s | ORT-web ms | share | GFLOP/s |', '|---|---|---|---|---|---|---|');
    const cell = (x) => (x ? [x.ms.toFixed(2), `${(x.share * 100).toFixed(1)} %`, x.gflops ?? '–'] : ['–', '–', '–']);
    for (const row of b.rows) lines.push(`| ${row.group} | ${[...cell(row.padlens), ...cell(row.ort)].join(' | ')} |`);
  }
  return lines.join('\n');
}

const all = {
  date: new Date().toISOString(),
  cpu: os.cpus()[0]?.model ?? 'unknown CPU',
  cpus: os.cpus().length,
  loadavg: { start: os.loadavg().map((x) => round(x)) },
  pkg: path.relative(ROOT, PKG) || PKG,
  settings: {
    runs: Number(options.runs),
    warmup: Number(options.warmup),
    engines: options.engines.split(','),
    rtenPrepack: options['rten-prepack'],
    ortGraphOptimizationLevel: options['ort-optimization'],
  },
  models: [],
};
if (options.engines.split(',').includes('rten') && !fs.existsSync(path.join(BENCH, 'rten-pkg/rten_web.js'))) {
  throw new Error('benches/web/rten-pkg is missing: build benches/rten-web first (./build.sh bench does), or leave rten out with --engines padlens,ort');
}
const server = await startServer();
const browser = await launchBrowser();
try {
  all.browser = chromiumVersion(browser);
  for (const model of options.models.split(',')) {
    const missing = ['.onnx', '.input_0.pb', '.output_0.pb'].filter((ext) => !fs.existsSync(path.join(MODELS, model + ext)));
    if (missing.length) {
      process.stderr.write(`${model}: skipped, no ${missing.join(', ')} in ${MODELS} (tools/onnx_models.py full makes them)\n`);
      all.models.push({ model, skipped: `no ${model}${missing[0]} (tools/onnx_models.py full)` });
      continue;
    }
    all.models.push(await benchModel(browser, server.origin, model));
  }
} finally {
  await browser.close();
  await server.close();
}
all.loadavg.end = os.loadavg().map((x) => round(x));
fs.mkdirSync(path.dirname(options.out), { recursive: true });
fs.writeFileSync(options.out, JSON.stringify(all, null, 2));
console.log(report(all));
console.log(`\n(everything measured, per run: ${path.relative(process.cwd(), options.out) || options.out})`);
