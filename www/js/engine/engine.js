// The only module that imports the WASM glue. It instantiates the module once per JS realm
// (each worker, the explainer page, the benchmark page) and hands out the core's functions
// and its two stateful objects: a `Network` parsed once, and a `MapView` — a map that stays in
// WASM memory, colours itself, draws into a canvas and answers hover queries. Whoever keeps
// one of those objects frees it (`.free()`) when done with it.

import init, * as wasm from '../../pkg/padlens.js';

let ready = null;

/**
 * The engine, instantiated on first use. Lazy rather than a top-level await so that a
 * worker can register its message listener synchronously and lose no early message.
 * @returns {Promise<typeof api>}
 */
export function loadEngine() {
  ready ??= init().then(() => api);
  return ready;
}

/**
 * @typedef {object} Problem an error as data, from the core: its message and where it is
 * @property {string} message
 * @property {'network'|'size'|'padding'|'depth'|'layer'|'request'|'model'} subject the input at fault
 * @property {string|null} layer the layer's name or path
 * @property {number|null} position the index of the top-level layer holding it
 * @property {string|null} field e.g. 'kernel', 'padding', 'height'
 * @property {'height'|'width'|null} axis
 */

/**
 * An error thrown by the core (a JS Error with the Problem fields as properties) as plain,
 * cloneable data.
 * @param {any} error @returns {Problem}
 */
export function problemOf(error) {
  return {
    message: error?.message ?? String(error),
    subject: error?.subject ?? 'request',
    layer: error?.layer ?? null,
    position: error?.position ?? null,
    field: error?.field ?? null,
    axis: error?.axis ?? null,
  };
}

/**
 * `make()`'s value, or its error as data: for results that carry a problem rather than fail
 * the whole request. A panic (a RuntimeError, which may leave the instance unusable) is
 * rethrown, so that the bridge restarts the worker.
 * @template T @param {() => T} make
 * @returns {{ok: true, value: T} | {ok: false, problem: Problem}}
 */
export function attempt(make) {
  try {
    return { ok: true, value: make() };
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) throw error;
    return { ok: false, problem: problemOf(error) };
  }
}

/**
 * @typedef {object} NetworkSource where a network comes from: a zoo name or a spec's text
 * @property {string} [arch] a zoo name
 * @property {string} [spec] a network spec (JSON text)
 */

const api = {
  /** Names, labels, limits and defaults (src/catalog.rs). */
  catalog() {
    return wasm.catalog();
  },

  /**
   * Parses a network once; throws a core error (subject 'network') for an unknown name or a
   * malformed spec.
   * @param {NetworkSource} source @returns {wasm.Network}
   */
  network(source) {
    return source.spec !== undefined ? wasm.Network.fromSpec(source.spec) : wasm.Network.fromZoo(source.arch);
  },

  /**
   * Parses an ONNX file once into a Model (a WASM object: free() it when done); throws a
   * core error (subject 'model') saying what is wrong with the file.
   * @param {Uint8Array} bytes @returns {wasm.Model}
   */
  model(bytes) {
    return new wasm.Model(bytes);
  },

  /** The ratio A ÷ B of two maps' raw counts, centres aligned, as a new MapView. */
  ratio(a, b) {
    return wasm.MapView.ratio(a, b);
  },

  /**
   * Row-major `values` of `shape` as a NumPy .npy (little-endian f64): the bytes the CLI
   * writes for the same values (src/export.rs).
   * @param {ArrayLike<number>} values @param {number[]} shape @returns {Uint8Array}
   */
  npy(values, shape) {
    return wasm.exportNpy(Float64Array.from(values), Uint32Array.from(shape));
  },

  /**
   * Row-major `values` (height × width) as CSV, one line per row, as the CLI's `--format csv`.
   * @param {ArrayLike<number>} values @param {number} height @param {number} width @returns {string}
   */
  csvGrid(values, height, width) {
    return wasm.exportCsvGrid(Float64Array.from(values), height, width);
  },

  /** RGBA, `length` pixels tall, high values first. @returns {Uint8Array} */
  colorbar(colormap, length) {
    return wasm.colorbar(colormap, length);
  },

  /**
   * One RGBA colour per value, as the core colours maps, over the values' own range.
   * @param {ArrayLike<number>} values @param {{colormap?: string, reference?: 'max'|'centre'|'none', scale?: 'linear'|'log'}} display
   * @returns {Uint8Array}
   */
  colourValues(values, display) {
    return wasm.colourValues(Float64Array.from(values), display);
  },

  /**
   * One RGBA colour per value, linear from `low` (the colour bar's bottom) to `high`.
   * @param {ArrayLike<number>} values @param {number} low @param {number} high
   * @param {string} colormap a catalog colour map name, or 'red_blue' (diverging)
   * @returns {Uint8Array}
   */
  colourInRange(values, low, high, colormap) {
    return wasm.colourInRange(Float64Array.from(values), low, high, colormap);
  },

  /** The widest padding the explainer takes for a layer of this kernel and dilation. */
  explainMaxPadding(kernel, dilation) {
    return wasm.explainMaxPadding(kernel, dilation);
  },

  /**
   * The step-through explainer's layout and counts (src/analysis/explainer.rs).
   * @param {{height: number, width: number, layers: {kernel: number, stride: number, dilation: number, padding: number, mode: string}[]}} config
   */
  explain(config) {
    return wasm.explain(config);
  },

  /** Every first-layer window that reads pixel (row, column), per kernel cell. */
  explainPixel(config, row, column) {
    return wasm.explainPixel(config, row, column);
  },

  /** Null, or {config, problem}: the nearest configuration the explainer can draw. */
  explainNearestValid(config) {
    return wasm.explainNearestValid(config);
  },
};
