// The compute worker: every call into the WASM engine happens here, off the main thread, so
// the page stays responsive while a large map is computed. The page runs three of these, one
// per kind of work (maps, the padding report, sweeps), so that no kind waits for another and
// cancelling one (which terminates its worker) leaves the others alone. Protocol (see bridge.js):
//   in:  {id, type, payload}
//   out: {id, progress} zero or more times, then {id, result} or {id, error: {name, message}}

import { loadEngine } from './engine.js';

/** A tiny least-recently-used cache: a Map iterates in insertion order. */
class Lru {
  constructor(capacity) {
    this.capacity = capacity;
    this.entries = new Map();
  }
  get(key, make) {
    if (this.entries.has(key)) {
      const value = this.entries.get(key);
      this.entries.delete(key);
      this.entries.set(key, value);
      return value;
    }
    const value = make();
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value);
    return value;
  }
}

// Changing only the colormap or scale, or one side of a comparison, must not recompute the
// maps that did not change; a 1024×1024 map is 8 MB, so keep only a few.
const maps = new Lru(4);
const layerNames = new Lru(8);
// Changing τ must not re-run the report, nor changing the framework the marginalization.
const diagnoses = new Lru(8);
const margins = new Lru(8);

/**
 * The part of `values` (h×w) that overlaps a map of size `into`, with the centres aligned
 * (the larger map is cropped by ⌊difference/2⌋ before and the rest after).
 */
function cropCentred(values, [h, w], [ch, cw]) {
  const top = Math.floor((h - ch) / 2);
  const left = Math.floor((w - cw) / 2);
  if (top === 0 && left === 0 && ch === h && cw === w) return { values, top, left };
  const out = new Float64Array(ch * cw);
  for (let y = 0; y < ch; y++) out.set(values.subarray((y + top) * w + left, (y + top) * w + left + cw), y * cw);
  return { values: out, top, left };
}

function computeMap(engine, config, display) {
  let names = null;
  try {
    names = layerNames.get(config.arch, () => engine.layerNames(config.arch));
    // A fresh map is coloured inside WASM as it is computed; a cached one (only the display
    // changed) is coloured from its values.
    let rendered = null;
    const map = maps.get(JSON.stringify(config), () => {
      const { rendered: fresh, ...computed } = engine.utilization(config, display);
      rendered = fresh;
      return computed;
    });
    rendered ??= engine.render(map.values, map.height, map.width, display);
    // The cache keeps its own values; the page gets a copy it may own (transferred).
    return { ok: true, config, layerNames: names, ...map, values: map.values.slice(), ...rendered };
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) throw error; // a panic: let the bridge respawn us
    // `subject` (set by the core) names the input at fault: network, size, padding, depth.
    return { ok: false, config, layerNames: names, error: error.message, subject: error.subject ?? 'request' };
  }
}

/** A ÷ B of raw counts over the centre-aligned common region. */
function computeRatio(engine, a, b, display) {
  const size = [Math.min(a.height, b.height), Math.min(a.width, b.width)];
  const ca = cropCentred(a.values, [a.height, a.width], size);
  const cb = cropCentred(b.values, [b.height, b.width], size);
  const values = engine.ratio(ca.values, cb.values);
  // Stored values are raw counts / 2^log2Scale; bring both to raw counts.
  if (a.log2Scale !== b.log2Scale) {
    const factor = 2 ** (a.log2Scale - b.log2Scale);
    for (let i = 0; i < values.length; i++) values[i] *= factor;
  }
  const rendered = engine.render(values, size[0], size[1], { ...display, reference: 'none' });
  return {
    values,
    height: size[0],
    width: size[1],
    offsets: { a: [ca.top, ca.left], b: [cb.top, cb.left] },
    ...rendered,
  };
}

/**
 * Resolves in a new task, so that whatever the browser has queued for this worker runs
 * first — notably its termination, which Chromium otherwise holds back until the running task
 * ends (or for 2 s). A MessageChannel rather than setTimeout: nested timers are clamped to
 * 4 ms, which a sweep of a thousand sizes would feel.
 */
function nextTask() {
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

/** `make()`'s value, or its error as a value (a panic still goes to the bridge). */
function attempt(make) {
  try {
    return { ok: true, value: make() };
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) throw error;
    return { ok: false, error: error.message };
  }
}

const handlers = {
  catalog: (engine) => ({ result: engine.catalog() }),

  /**
   * The uneven-padding report and the map's marginalization; either may be null (not asked
   * for). payload: {diagnose: DiagnoseRequest|null, margin: MapMarginalizationRequest|null}
   */
  analysis(engine, { diagnose, margin }) {
    const doctor = diagnose && attempt(() => diagnoses.get(JSON.stringify(diagnose), () => engine.diagnose(diagnose)));
    const marginalization = margin && attempt(() => margins.get(JSON.stringify(margin), () => engine.marginalizationOfMap(margin)));
    return { result: { doctor, marginalization } };
  },

  /**
   * Marginalization at each square size, for one or two series; each size's points go out
   * as progress as soon as they are known. Runs to the end unless the page cancels, which
   * terminates this worker (bridge.js); yielding between sizes lets the termination through
   * at the next size instead of after the browser's grace period.
   * payload: {series: {arch, mode}[], sizes: number[], threshold: number}
   */
  async sweep(engine, { series, sizes, threshold }, progress) {
    for (const [i, size] of sizes.entries()) {
      const points = series.map(({ arch, mode }) => engine.marginalizationAt({ arch, size, mode, threshold }));
      progress({ done: i + 1, total: sizes.length, size, points });
      await nextTask();
    }
    return { result: { done: sizes.length } };
  },

  /** payload: {configs: UtilizationRequest[1|2], display: RenderOptions} */
  view(engine, { configs, display }, progress) {
    const results = configs.map((config, index) => {
      progress({ stage: 'map', index, count: configs.length });
      return computeMap(engine, config, display);
    });
    let ratio = null;
    if (results.length === 2 && results.every((r) => r.ok)) {
      progress({ stage: 'ratio' });
      ratio = computeRatio(engine, results[0], results[1], display);
    }
    const colorbar = engine.colorbar(display.colormap, 256);
    const transfer = [colorbar.buffer];
    for (const r of [...results, ratio]) if (r?.values) transfer.push(r.values.buffer, r.rgba.buffer);
    return { result: { maps: results, ratio, colorbar }, transfer };
  },
};

self.addEventListener('message', async ({ data: { id, type, payload } }) => {
  try {
    const engine = await loadEngine();
    const handler = handlers[type];
    if (!handler) throw new Error(`unknown request type ${type}`);
    const { result, transfer = [] } = await handler(engine, payload, (progress) => self.postMessage({ id, progress }));
    self.postMessage({ id, result }, transfer);
  } catch (error) {
    self.postMessage({ id, error: { name: error.name ?? 'Error', message: error.message ?? String(error) } });
  }
});
