// ONNX models in the browser: padlens' inference engine against onnxruntime-web and rten, on
// this page's thread, one model at a time (BENCHMARKS.md, "ONNX models in the browser").
//
// Served by tests/e2e/run-model-bench.mjs, which puts www/ at /, this folder at /bench/,
// onnxruntime-web's wasm build at /ort/ and tools/.cache/models at /onnx-models/. Nothing in
// www/ refers to this page or to either peer engine.
//
// Each engine loads the same .onnx bytes, runs the model's stored input (`<name>.input_0.pb`,
// 1×3×224×224) once, and has its output checked against ONNX Runtime's stored output
// (`<name>.output_0.pb`): max |ours − stored| ÷ max |stored|. Then warm-up runs, then rounds:
// in each round every engine runs one forward pass, in an order that rotates from round to
// round, so that a slower or faster stretch of the machine falls on all of them alike. Each
// sample is one forward pass as a caller sees it: the input copied in, the pass, the first
// output copied out (ORT's `session.run` also awaits a resolved promise).
//
//   models.html?model=resnet18[&runs=15][&warmup=3][&engines=padlens,ort,rten][&prepack=1]
//
// runs by itself and leaves its result in `window.modelBenchResult`; the runner calls
// `window.modelBench` step by step instead (and profiles between the steps).

import { loadEngine } from '/js/engine/engine.js';
import { readTensorProto, relativeError } from './tensor-proto.js';

const ORT_BASE = '/ort/';

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

const now = () => performance.now();

/**
 * Each engine: instantiate its WASM (`init`, untimed as part of loading), then `load(bytes,
 * shape)` → `{run(input) → Float32Array | Promise, free(), info}`.
 */
const ENGINES = {
  padlens: {
    label: 'padlens',
    async init() {
      return loadEngine();
    },
    async load(api, bytes, shape) {
      const model = api.model(bytes);
      const forward = model.forward({ height: shape[2], width: shape[3] });
      return {
        run: (input) => forward.runInput(input),
        free() {
          forward.free();
          model.free();
        },
        info: {},
      };
    },
  },

  ort: {
    label: 'onnxruntime-web',
    async init(options) {
      const ort = await import(`${ORT_BASE}ort.wasm.min.mjs`);
      // One thread, no proxy worker: the session runs on this page's thread, like padlens.
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.simd = true;
      ort.env.wasm.proxy = false;
      ort.env.wasm.wasmPaths = ORT_BASE;
      ort.env.logLevel = 'error';
      return { ort, graphOptimizationLevel: options.ortOptimization };
    },
    async load({ ort, graphOptimizationLevel }, bytes, shape) {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: ['wasm'],
        graphOptimizationLevel,
      });
      const [inputName] = session.inputNames;
      const [outputName] = session.outputNames;
      return {
        async run(input) {
          const feeds = { [inputName]: new ort.Tensor('float32', input, shape) };
          const outputs = await session.run(feeds);
          const data = outputs[outputName].data;
          for (const tensor of Object.values(outputs)) tensor.dispose();
          return data;
        },
        free: () => session.release(),
        info: {
          version: ort.env.versions?.web ?? ort.env.versions?.common ?? null,
          numThreads: ort.env.wasm.numThreads,
          simd: ort.env.wasm.simd,
          graphOptimizationLevel,
        },
      };
    },
  },

  rten: {
    label: 'rten',
    async init() {
      const module = await import('./rten-pkg/rten_web.js');
      await module.default();
      return module;
    },
    async load(module, bytes, dims, options) {
      const model = new module.RtenModel(bytes, options.prepack);
      const shape = new Uint32Array(dims);
      return {
        run: (input) => model.run(input, shape),
        free: () => model.free(),
        info: { simd: module.RtenModel.simd(), prepack: options.prepack },
      };
    },
  },
};

const round = (x, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const state = { model: null, input: null, expected: null, loaded: {} };

/**
 * Fetches the model and its stored input and output, and loads it into each engine; runs it
 * once in each and checks the output.
 * @param {{model: string, engines?: string[], prepack?: boolean, ortOptimization?: string}} options
 */
async function load(options) {
  const engines = options.engines ?? Object.keys(ENGINES);
  const settings = { prepack: options.prepack ?? false, ortOptimization: options.ortOptimization ?? 'all' };
  status(`${options.model}: fetching…`);
  const base = `/onnx-models/${options.model}`;
  const [bytes, inputBytes, outputBytes] = await Promise.all([
    fetchBytes(`${base}.onnx`),
    fetchBytes(`${base}.input_0.pb`),
    fetchBytes(`${base}.output_0.pb`),
  ]);
  state.model = options.model;
  state.input = readTensorProto(inputBytes);
  state.expected = readTensorProto(outputBytes);
  const result = { model: options.model, bytes: bytes.length, input: state.input.dims, output: state.expected.dims, engines: {} };
  for (const name of engines) {
    const engine = ENGINES[name];
    const entry = { label: engine.label };
    result.engines[name] = entry;
    try {
      status(`${options.model}: loading into ${engine.label}…`);
      let t = now();
      const handle = await engine.init(settings);
      entry.initMs = round(now() - t);
      t = now();
      const loaded = await engine.load(handle, bytes, state.input.dims, settings);
      entry.loadMs = round(now() - t);
      entry.info = loaded.info;
      t = now();
      const output = await loaded.run(state.input.data);
      entry.firstRunMs = round(now() - t);
      Object.assign(entry, check(output));
      state.loaded[name] = loaded;
    } catch (error) {
      entry.error = String(error?.message ?? error);
    }
  }
  return result;
}

/** The output against ONNX Runtime's stored one. */
function check(output) {
  const { rel, abs } = relativeError(output, state.expected.data);
  return { outputLength: output.length, maxRelError: rel, maxAbsError: abs };
}

/**
 * Warm-up runs, then `runs` rounds of one forward pass per engine (rotating order); then the
 * last output of each engine is checked again.
 */
async function measure({ runs = 15, warmup = 3 } = {}) {
  const names = Object.keys(state.loaded);
  const input = state.input.data;
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const last = {};
  for (let w = 0; w < warmup; w++) {
    for (const name of names) {
      status(`${state.model}: warm-up ${w + 1}/${warmup}, ${ENGINES[name].label}…`);
      await state.loaded[name].run(input);
    }
  }
  for (let r = 0; r < runs; r++) {
    status(`${state.model}: round ${r + 1}/${runs}…`);
    // Let the page breathe between rounds (status text, GC) outside any timed pass.
    await new Promise((resolve) => setTimeout(resolve, 0));
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      const t = now();
      last[name] = await state.loaded[name].run(input);
      samples[name].push(now() - t);
    }
  }
  const out = {};
  for (const name of names) {
    const xs = samples[name];
    out[name] = { samples: xs.map((x) => round(x, 2)), median: round(median(xs), 2), min: round(Math.min(...xs), 2), lastRun: check(last[name]) };
  }
  return out;
}

/** `count` more passes of one engine, untimed here (the runner profiles them). */
async function repeat(name, count) {
  for (let i = 0; i < count; i++) await state.loaded[name].run(state.input.data);
}

/**
 * Where padlens' pass goes: each convolution, pooling and Gemm step of the plan timed on its
 * own (benches/web/steps, padlens' own kernels and packed weights), `reps` times each, and
 * the whole pass; a separate WASM module and plan from the engine timed above.
 */
async function steps(reps = 5) {
  const module = await import('./steps-pkg/padlens_steps.js');
  await module.default();
  status(`${state.model}: timing padlens' steps…`);
  const bytes = await fetchBytes(`/onnx-models/${state.model}.onnx`);
  const [, , height, width] = state.input.dims;
  const timer = new module.StepTimer(bytes, height, width);
  try {
    // The whole pass before and after the steps; the lower median is kept (a busy machine
    // only ever slows a pass down).
    const before = timer.total(state.input.data, reps);
    const list = JSON.parse(timer.steps(reps));
    const after = timer.total(state.input.data, reps);
    return { reps, totalMs: round(Math.min(before, after), 2), totalsMs: [round(before, 2), round(after, 2)], steps: list };
  } finally {
    timer.free();
  }
}

/**
 * Where onnxruntime-web's pass goes: a second session with `enableProfiling`, one pass and
 * then `runs` passes. ORT's wasm build logs one JSON event per node run on the console (the
 * runner collects them; startProfiling is a no-op in the wasm backend, so the first pass's
 * events are there too, and the runner drops them).
 */
async function ortProfile(runs = 5) {
  const { ort } = await ENGINES.ort.init({ ortOptimization: 'all' });
  status(`${state.model}: profiling onnxruntime-web…`);
  const bytes = await fetchBytes(`/onnx-models/${state.model}.onnx`);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', enableProfiling: true });
  try {
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', state.input.data, state.input.dims) };
    await session.run(feeds);
    const t = now();
    for (let i = 0; i < runs; i++) await session.run(feeds);
    const totalMs = (now() - t) / runs;
    session.endProfiling();
    return { runs, totalMs: round(totalMs, 2) };
  } finally {
    await session.release();
  }
}

/** Frees every engine's model (the page's WASM memories stay as large as they grew). */
function unload() {
  for (const loaded of Object.values(state.loaded)) loaded.free();
  state.loaded = {};
}

function status(text) {
  const el = document.querySelector('#status');
  if (el) el.textContent = text;
}

window.modelBench = { load, measure, repeat, steps, ortProfile, unload, engines: Object.keys(ENGINES) };

const params = new URLSearchParams(location.search);
if (params.has('model')) {
  const options = {
    model: params.get('model'),
    engines: params.get('engines')?.split(','),
    prepack: params.get('prepack') === '1',
  };
  (async () => {
    try {
      const result = await load(options);
      result.timings = await measure({ runs: Number(params.get('runs') ?? 15), warmup: Number(params.get('warmup') ?? 3) });
      unload();
      window.modelBenchResult = result;
      status('done');
      document.querySelector('#result').textContent = JSON.stringify(result, null, 2);
    } catch (error) {
      window.modelBenchResult = { error: String(error?.stack ?? error) };
      status(`failed: ${error}`);
    }
  })();
} else {
  status('Give ?model=NAME (resnet18, resnet50, mobilenet_v2, vgg19, …), or drive window.modelBench.');
}
