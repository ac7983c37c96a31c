// The Model page's worker: holds the ONNX model, parsed once into a WASM `Model`, and the
// objects planned from it (a forward pass per size and padding), so that no request parses
// the file again. Mean feature maps run sample by sample with progress; cancelling terminates
// this worker (bridge.js), so the page sends the model again afterwards.

import { attempt, loadEngine } from '../../engine/engine.js';
import { Lru } from '../../shared/lru.js';
import { exportMapView } from '../../shared/map-png.js';
import { nextTask, serve } from '../../shared/worker-protocol.js';

/** @type {any} the WASM Model, or null before one is opened */
let model = null;
/** Its projection onto a layer graph: {ok, value: Network} or {ok: false, problem}. */
let projected = null;
/** The utilization map last drawn (a WASM MapView), kept for hover readings. */
let view = null;
const forwards = new Lru(4, (forward) => forward.free());

const runKey = (run) => JSON.stringify([run.height ?? null, run.width ?? null, run.mode ?? null]);

function current() {
  if (!model) throw new Error('no model is open');
  return model;
}

/**
 * One small pass through the conv layers (32×32, no classifier) right after opening. Chromium
 * runs a WASM function's first calls unoptimised, and a whole forward pass is one call: the
 * first 224×224 pass of ResNet-18 took 513 ms cold and 125 ms after such a pass
 * (BENCHMARKS.md, ONNX models in the browser). A model too small for 32×32 just skips it.
 */
function warmUp(opened) {
  const maps = attempt(() => opened.meanFeatureMaps({ height: 32, width: 32 }, 0));
  if (!maps.ok) return;
  attempt(() => maps.value.addSample());
  maps.value.free();
}

const handlers = {
  /**
   * Parses an ONNX file and replaces the open model; projects it for the utilization map and
   * the uneven report (a model that cannot be projected still runs). payload: {bytes:
   * ArrayBuffer, name}
   */
  open(engine, { bytes, name }) {
    const next = engine.model(new Uint8Array(bytes));
    model?.free();
    if (projected?.ok) projected.value.free();
    view?.free();
    view = null;
    forwards.clear();
    model = next;
    projected = attempt(() => model.projection(name));
    warmUp(model);
    return { result: { declared: model.declaredSize(), filters: model.meanFilters() } };
  },

  /**
   * The projection's uneven-padding report and utilization map at a size and padding, and
   * its spec for the explorer. The map comes drawn, one pixel per map pixel, as an
   * ImageBitmap. payload: {run: {height, width, mode?}, colormap}
   */
  padding(_engine, { run, colormap }) {
    current();
    if (!projected.ok) return { result: { problem: projected.problem } };
    const network = projected.value;
    const query = { height: run.height, width: run.width, ...(run.mode ? { mode: run.mode } : {}) };
    const report = attempt(() => network.diagnose(query, {}));
    const spec = attempt(() => network.toSpec());
    view?.free();
    view = null;
    const map = attempt(() => {
      view = network.utilization(query);
      const colours = view.colour({ colormap, reference: 'max', scale: 'linear' });
      const canvas = new OffscreenCanvas(view.width, view.height);
      view.draw(canvas.getContext('2d'), { width: view.width, height: view.height, zoom: 1, offset: [0, 0] });
      return { size: [view.height, view.width], colours, summary: view.summary(), bitmap: canvas.transferToImageBitmap() };
    });
    return { result: { report, spec, map }, transfer: map.ok ? [map.value.bitmap] : [] };
  },

  /** The utilization map's value at a pixel, or null. payload: {row, column} */
  mapValue(_engine, { row, column }) {
    return { result: view?.value(row, column) ?? null };
  },

  /** The summary at a size and padding. payload: {run: {height?, width?, mode?}} */
  summary(_engine, { run }) {
    return { result: current().summary(run) };
  },

  /**
   * A forward pass on an RGBA image. payload: {run, image: {data: ArrayBuffer, width,
   * height}, normalization: 'none'|'imagenet', top}
   */
  forward(_engine, { run, image, normalization, top }) {
    const forward = forwards.get(runKey(run), () => current().forward(run));
    return { result: forward.runImage(new Uint8Array(image.data), image.width, image.height, normalization, top) };
  },

  /**
   * Mean feature maps over `samples` random inputs from `seed`; progress after each sample
   * carries `done`, and the maps every `every` samples and at the end.
   * payload: {run, samples, seed, every}
   */
  async features(_engine, { run, samples, seed, every = 8 }, progress) {
    const maps = current().meanFeatureMaps(run, seed);
    try {
      for (let done = 1; done <= samples; done++) {
        maps.addSample();
        const partial = done % every === 0 && done < samples ? maps.maps() : undefined;
        progress({ done, total: samples, maps: partial });
        await nextTask();
      }
      return { result: { samples, maps: maps.maps() } };
    } finally {
      maps.free();
    }
  },
};

/**
 * A download of the utilization map on screen, from the MapView kept here (nothing is
 * recomputed): 'npy' and 'csv' are the core's encoders; 'png' the map in its colours with
 * the colour bar. payload: {format, png?: {low, high, scale, colormap, barTitle, title}}.
 */
async function exportMap(engine, { format, png }) {
  if (!view) throw new Error('there is no utilization map on screen to export');
  return exportMapView(engine, view, format, png);
}
handlers.exportMap = exportMap;

serve(loadEngine, handlers);
