// The paper page's worker: holds the zoo networks it was asked for (parsed once), the
// utilization maps on screen (WASM MapViews, for hover readings) and the trained detectors
// (parsed once into WASM Models), and computes utilization maps, mean filters and mean
// feature maps. Mean feature maps report progress after each sample; cancelling them
// terminates the worker (bridge.js), so the page opens its models again afterwards.

import { loadEngine } from '../../engine/engine.js';
import { nextTask, serve } from '../../shared/worker-protocol.js';
import { exportMapView } from '../../shared/map-png.js';

/** @type {Map<string, any>} zoo name → Network */
const networks = new Map();
/** @type {Map<string, any>} figure → the MapView it shows */
const views = new Map();
/** @type {Map<string, any>} file name → Model */
const models = new Map();

function networkOf(engine, arch) {
  if (!networks.has(arch)) networks.set(arch, engine.network({ arch }));
  return networks.get(arch);
}

function modelOf(name) {
  const model = models.get(name);
  if (!model) throw new Error(`${name} is not open`);
  return model;
}

/**
 * The side of each conv layer's mean feature map at the model's declared size, from one
 * random input: a layer whose map is smaller than the one before it (the input, for the
 * first) down-samples, which is where uneven padding skews the filters.
 */
function layerSizes(model, [height, width]) {
  const maps = model.meanFeatureMaps({ height, width }, 0);
  try {
    maps.addSample();
    return maps.maps().map(({ layer, size }) => ({ layer, size }));
  } finally {
    maps.free();
  }
}

const handlers = {
  /**
   * A zoo network's utilization map, coloured relative to its maximum and drawn one pixel
   * per map pixel; it replaces the map `figure` showed. payload: {figure, arch, height,
   * width, mode?, colormap}
   */
  utilization(engine, { figure, arch, height, width, mode, colormap }) {
    const view = networkOf(engine, arch).utilization({ height, width, ...(mode ? { mode } : {}) });
    views.get(figure)?.free();
    views.set(figure, view);
    const colours = view.colour({ colormap, reference: 'max', scale: 'linear' });
    const canvas = new OffscreenCanvas(view.width, view.height);
    view.draw(canvas.getContext('2d'), { width: view.width, height: view.height, zoom: 1, offset: [0, 0] });
    const bitmap = canvas.transferToImageBitmap();
    const result = { size: [view.height, view.width], log2Scale: view.log2Scale, colours, summary: view.summary(), profiles: view.profiles(), bitmap };
    return { result, transfer: [bitmap] };
  },

  /** The raw count at a pixel of the map `figure` shows, or null. payload: {figure, row, column} */
  mapValue(_engine, { figure, row, column }) {
    const view = views.get(figure);
    const value = view?.value(row, column);
    return { result: value === undefined ? null : value * 2 ** view.log2Scale };
  },

  /**
   * Parses an ONNX file once and keeps it under `name`. Returns its declared size, its mean
   * filters and its conv layers' map sizes. payload: {name, bytes: ArrayBuffer}
   */
  open(engine, { name, bytes }) {
    const model = engine.model(new Uint8Array(bytes));
    models.get(name)?.free();
    models.set(name, model);
    const declared = model.declaredSize();
    const layers = declared.every(Boolean) ? layerSizes(model, declared) : [];
    return { result: { declared, filters: model.meanFilters(), layers } };
  },

  /**
   * Mean feature maps of the model `name` at `run` over `samples` random inputs from `seed`,
   * with progress after each sample. payload: {name, run: {height, width}, samples, seed}
   */
  async features(_engine, { name, run, samples, seed }, progress) {
    const maps = modelOf(name).meanFeatureMaps(run, seed);
    try {
      for (let done = 1; done <= samples; done++) {
        maps.addSample();
        progress({ done, total: samples });
        await nextTask();
      }
      return { result: { samples, maps: maps.maps() } };
    } finally {
      maps.free();
    }
  },
};

/**
 * A download of the map `figure` shows, from its MapView (nothing is recomputed): 'npy' and
 * 'csv' are the core's encoders; 'png' the map in its colours with the colour bar.
 * payload: {figure, format, png?: {low, high, scale, colormap, barTitle, title}}.
 */
async function exportMap(engine, { figure, format, png }) {
  const view = views.get(figure);
  if (!view) throw new Error('this figure has no map yet');
  return exportMapView(engine, view, format, png);
}
handlers.exportMap = exportMap;

serve(loadEngine, handlers);
