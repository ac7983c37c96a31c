// The only module that imports the WASM glue. It instantiates the module once per JS realm
// (the page's worker, or the benchmark page) and wraps the exports into plain JS values, so
// that callers never hold WASM objects and never have to remember to free them.

import init, * as wasm from '../pkg/padlens.js';

let ready = null;

/**
 * The engine, instantiated on first use. Lazy rather than a top-level await so that the
 * worker can register its message listener synchronously and lose no early message.
 * @returns {Promise<typeof api>}
 */
export function loadEngine() {
  ready ??= init().then(() => api);
  return ready;
}

/**
 * @typedef {object} UtilizationRequest
 * @property {string} arch zoo name or a network spec's JSON text
 * @property {number} height
 * @property {number} width
 * @property {string|null} mode padding mode name, or null for the network's own padding
 * @property {number|null} depth first `depth` top-level layers, or null for all
 */

/**
 * @typedef {object} Summary raw counts and ratios, as computed by the core
 * @property {number} height
 * @property {number} width
 * @property {number} centre
 * @property {number} min
 * @property {number} max
 * @property {number} corner_to_centre
 * @property {number} left_to_right
 * @property {number} top_to_bottom
 * @property {number} log2_scale
 */

/**
 * @typedef {object} RenderOptions
 * @property {'viridis'|'cividis'|'magma'} colormap
 * @property {'max'|'centre'|'none'} reference
 * @property {'linear'|'log'} scale
 */

/** Copies a WASM `Rendered` into plain JS values and frees it. */
function unpackRendered(rendered) {
  try {
    return {
      rgba: rendered.rgba(),
      low: rendered.low,
      high: rendered.high,
      referenceValue: rendered.referenceValue,
    };
  } finally {
    rendered.free();
  }
}

const api = {
  /** @returns {{zoo: {name: string, description: string}[], modes: string[]}} */
  catalog() {
    return { zoo: wasm.zooEntries(), modes: wasm.paddingModes() };
  },

  /** @param {string} archOrSpec @returns {string[]} */
  layerNames(archOrSpec) {
    return wasm.layerNames(archOrSpec);
  },

  /**
   * Computes a map; with `display`, also colours it while it is still in WASM memory (the
   * map is not copied back in, which for 512×512 saves 2 MB of copying).
   * @param {UtilizationRequest} request
   * @param {RenderOptions} [display]
   * @returns {{values: Float64Array, height: number, width: number, log2Scale: number, summary: Summary,
   *   rendered?: {rgba: Uint8Array, low: number, high: number, referenceValue: number}}}
   */
  utilization(request, display) {
    const map = wasm.computeUtilization(request);
    try {
      return {
        values: map.values(),
        height: map.height,
        width: map.width,
        log2Scale: map.log2Scale,
        summary: map.summary(),
        ...(display && { rendered: unpackRendered(map.render(display)) }),
      };
    } finally {
      map.free();
    }
  },

  /**
   * @param {Float64Array} values @param {number} height @param {number} width
   * @param {RenderOptions} options
   * @returns {{rgba: Uint8Array, low: number, high: number, referenceValue: number}}
   */
  render(values, height, width, options) {
    return unpackRendered(wasm.renderMap(values, height, width, options));
  },

  /** RGBA, `length` pixels tall, high values first. @returns {Uint8Array} */
  colorbar(colormap, length) {
    return wasm.colorbar(colormap, length);
  },

  /** `a / b` element by element, NaN where `b` is 0. @returns {Float64Array} */
  ratio(a, b) {
    return wasm.ratioMap(a, b);
  },

  /**
   * The uneven-padding doctor (src/analysis/doctor.rs; fields as in README "padlens uneven").
   * @param {{arch: string, height: number, width: number, framework?: 'torch'|'tf', search?: [number, number]}} request
   * @returns {{framework: string, report: object, sizes: object[], alternatives: object[], depth_profile: object[]}}
   */
  diagnose(request) {
    return wasm.diagnose(request);
  },

  /**
   * Marginalization at one square size (one point of a sweep); a size the network cannot run
   * at comes back with `error` set instead of throwing.
   * @param {{arch: string, size: number, mode?: string|null, threshold?: number}} request
   * @returns {{size: number, threshold?: number, share?: number, band?: number[], band_max?: number, band_relative?: number, error: string|null}}
   */
  marginalizationAt(request) {
    return wasm.marginalizationAt(request);
  },

  /**
   * Marginalization of one map of any shape and depth; throws for a map that cannot be
   * computed (the error's `subject` names the input at fault).
   * @param {{arch: string, height: number, width: number, mode?: string|null, depth?: number|null, threshold?: number}} request
   * @returns {{threshold: number, share: number, band: number[], band_max: number, band_relative: number}}
   */
  marginalizationOfMap(request) {
    return wasm.marginalizationOfMap(request);
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
};
