// The page state and its URL-hash form, so that a link reproduces a view. Pure functions:
// app.js reads the controls into a state, and writes a state into the controls.

/** @typedef {import('../client/config-panel.js').Config} Config */

/**
 * @typedef {object} Display
 * @property {'max'|'centre'} reference colours relative to the maximum or to the centre
 * @property {'linear'|'log'} scale
 * @property {string} colormap one of the core's colour maps for counts
 * @property {boolean} shared compare mode: A and B on one colour scale (one colour, one value)
 */

/**
 * @typedef {object} Doctor the uneven-padding report's settings (for configuration A)
 * @property {'torch'|'tf'} framework PyTorch's explicit padding, or TF/Keras SAME
 * @property {number} searchFrom @property {number} searchTo the inclusive range searched for
 *   input sizes at which every layer is even; NaN when the field is not a number
 */

/**
 * @typedef {object} Series a network and padding of a marginalization sweep
 * @property {string} arch zoo name
 * @property {string|null} mode a padding mode, or null for the network's own
 */

/**
 * @typedef {object} Sweep boundary marginalization's settings
 * @property {number} threshold τ: a pixel is marginalized below τ × the centre's count
 * @property {number} from @property {number} to @property {number} step square sizes swept
 * @property {Series|null} second a second series beside configuration A's, or null
 * @property {boolean} run a sweep is on screen: a link with it runs the sweep again on load
 */

/**
 * @typedef {object} State
 * @property {Config} a
 * @property {Config|null} b the second configuration, in compare mode
 * @property {boolean} compare
 * @property {Display} display
 * @property {Doctor} doctor
 * @property {Sweep} sweep
 */

/**
 * @typedef {object} Catalog the core's names, limits and defaults (src/catalog.rs), as far
 * as the state needs them
 * @property {{name: string}[]} zoo @property {{name: string}[]} modes
 * @property {string[]} colormaps @property {{name: string}[]} frameworks
 * @property {{max_side: number, max_sweep_sizes: number}} limits
 * @property {{network: string, size: number, threshold: number, search: [number, number]}} defaults
 */

/** The page's own choices that the core does not know: what colours are relative to, and how spread. */
const DISPLAY_CHOICES = { reference: ['max', 'centre'], scale: ['linear', 'log'] };

/** The default sweep: the slides' range for ResNet-50's curve, every 8 px. */
const SWEEP_RANGE = Object.freeze({ from: 32, to: 1024, step: 8 });

/** @param {Catalog} catalog @returns {Config} */
function defaultConfig(catalog) {
  const { network, size } = catalog.defaults;
  return { arch: network, spec: '', height: size, width: size, linked: true, mode: null, depth: null };
}

function encodeConfig(params, prefix, config) {
  params.set(`${prefix}arch`, config.arch);
  if (config.arch === 'custom') params.set(`${prefix}spec`, config.spec);
  params.set(`${prefix}h`, String(config.height));
  params.set(`${prefix}w`, String(config.width));
  params.set(`${prefix}link`, config.linked ? '1' : '0');
  if (config.mode) params.set(`${prefix}mode`, config.mode);
  if (config.depth !== null) params.set(`${prefix}depth`, String(config.depth));
}

/**
 * @param {State} state
 * @returns {string} the hash, without '#'
 */
export function encodeHash(state) {
  const params = new URLSearchParams();
  encodeConfig(params, '', state.a);
  if (state.compare) {
    params.set('compare', '1');
    encodeConfig(params, 'b.', state.b);
  }
  params.set('ref', state.display.reference);
  params.set('scale', state.display.scale);
  params.set('cmap', state.display.colormap);
  if (state.compare && !state.display.shared) params.set('shared', '0');
  params.set('fw', state.doctor.framework);
  params.set('search.from', String(state.doctor.searchFrom));
  params.set('search.to', String(state.doctor.searchTo));
  params.set('tau', String(state.sweep.threshold));
  params.set('sweep.from', String(state.sweep.from));
  params.set('sweep.to', String(state.sweep.to));
  params.set('sweep.step', String(state.sweep.step));
  if (state.sweep.second) {
    params.set('sweep.b.arch', state.sweep.second.arch);
    if (state.sweep.second.mode) params.set('sweep.b.mode', state.sweep.second.mode);
  }
  if (state.sweep.run) params.set('sweep.run', '1');
  return params.toString();
}

const wholeNumber = (text) => (text !== null && /^\d{1,9}$/.test(text) ? Number(text) : null);

/** A threshold from the hash: a decimal in (0, 1], else null. */
function threshold(text) {
  const value = text !== null && /^(0|1)?(\.\d{1,6})?$/.test(text) ? Number(text) : NaN;
  return value > 0 && value <= 1 ? value : null;
}

function decodeConfig(params, prefix, catalog) {
  const get = (key) => params.get(`${prefix}${key}`);
  const fallback = defaultConfig(catalog);
  const height = wholeNumber(get('h')) ?? fallback.height;
  const width = wholeNumber(get('w')) ?? height;
  return {
    arch: get('arch') || fallback.arch,
    spec: get('spec') ?? '',
    height,
    width,
    linked: get('link') === null ? height === width : get('link') === '1',
    // An unknown mode stays, for the engine to explain beside the padding control.
    mode: get('mode') || null,
    depth: wholeNumber(get('depth')),
  };
}

/**
 * The state a hash describes; what it lacks or gets wrong in form takes its default.
 * Values of the right form that the core cannot use (an unknown network, a size of 0, a depth
 * of 999) are kept: the engine says why beside the control and draws the nearest valid view.
 * @param {string} hash with or without '#'
 * @param {Catalog} catalog the core's names, limits and defaults
 * @returns {State}
 */
export function decodeHash(hash, catalog) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const a = decodeConfig(params, '', catalog);
  const compare = params.get('compare') === '1';
  const choose = (value, choices, fallback) => (choices.includes(value) ? value : fallback);
  const display = {
    reference: choose(params.get('ref'), DISPLAY_CHOICES.reference, 'max'),
    scale: choose(params.get('scale'), DISPLAY_CHOICES.scale, 'linear'),
    colormap: choose(params.get('cmap'), catalog.colormaps, catalog.colormaps[0]),
    shared: params.get('shared') !== '0',
  };
  const doctor = {
    framework: choose(params.get('fw'), catalog.frameworks.map((f) => f.name), catalog.frameworks[0].name),
    searchFrom: wholeNumber(params.get('search.from')) ?? catalog.defaults.search[0],
    searchTo: wholeNumber(params.get('search.to')) ?? catalog.defaults.search[1],
  };
  const modes = catalog.modes.map((m) => m.name);
  const secondArch = params.get('sweep.b.arch');
  const sweep = {
    threshold: threshold(params.get('tau')) ?? catalog.defaults.threshold,
    from: wholeNumber(params.get('sweep.from')) ?? SWEEP_RANGE.from,
    to: wholeNumber(params.get('sweep.to')) ?? SWEEP_RANGE.to,
    step: wholeNumber(params.get('sweep.step')) ?? SWEEP_RANGE.step,
    second: secondArch
      ? { arch: secondArch, mode: choose(params.get('sweep.b.mode'), modes, null) }
      : null,
    run: params.get('sweep.run') === '1',
  };
  return { a, b: compare ? decodeConfig(params, 'b.', catalog) : null, compare, display, doctor, sweep };
}

/**
 * What must be fixed before a configuration can be sent to the engine, as a sentence; null
 * if nothing. Only the form is checked here (a whole number the engine can be sent); a size
 * of 0, or one too large or too small for the network, is for the engine to explain.
 * @param {Config} config @param {Catalog['limits']} limits @returns {string|null}
 */
export function localError(config, { max_side: maxSide }) {
  for (const axis of ['height', 'width']) {
    const v = config[axis];
    if (!Number.isInteger(v) || v < 0) {
      return `The ${axis} must be a whole number of pixels (got ${Number.isNaN(v) ? 'nothing' : v}).`;
    }
    // The engine's sizes are 32-bit on wasm32; past that the number cannot even be sent.
    if (v > 2 ** 32 - 1) return `The ${axis} can be at most ${maxSide} pixels (got ${v}).`;
  }
  return null;
}

/**
 * What is wrong with the doctor's search range, as a sentence; null if nothing.
 * @param {Doctor} doctor @param {Catalog['limits']} limits @returns {string|null}
 */
export function searchError({ searchFrom, searchTo }, { max_side: maxSide }) {
  if (![searchFrom, searchTo].every((v) => Number.isInteger(v) && v >= 1 && v <= maxSide)) {
    return `The search range needs two whole numbers from 1 to ${maxSide}.`;
  }
  if (searchFrom > searchTo) return `The search range starts after it ends (${searchFrom} > ${searchTo}).`;
  return null;
}

/**
 * The threshold's problem, as a sentence; null if it is in (0, 1].
 * @param {number} value @returns {string|null}
 */
export function thresholdError(value) {
  return value > 0 && value <= 1 ? null : 'The threshold τ must be above 0 and at most 1.';
}

/**
 * The square sizes a sweep visits (from, from + step, … ≤ to), or why there are none.
 * @param {Sweep} sweep @param {Catalog['limits']} limits
 * @returns {{sizes: number[], error: null} | {sizes: null, error: string}}
 */
export function sweepSizes({ from, to, step }, { max_side: maxSide, max_sweep_sizes: maxSizes }) {
  const fail = (error) => ({ sizes: null, error });
  if (![from, to, step].every((v) => Number.isInteger(v) && v >= 1)) {
    return fail('From, to and step must be whole numbers of at least 1.');
  }
  if (from > to) return fail(`The sweep starts after it ends (${from} > ${to}).`);
  if (to > maxSide) return fail(`Sizes go up to ${maxSide}.`);
  const count = Math.floor((to - from) / step) + 1;
  if (count > maxSizes) {
    return fail(`That is ${count} sizes; at most ${maxSizes} at once (raise the step).`);
  }
  return { sizes: Array.from({ length: count }, (_, i) => from + i * step), error: null };
}

/**
 * Where a configuration's network comes from, for the engine: a zoo name or a spec's text.
 * @param {Config} config @returns {import('../../engine/engine.js').NetworkSource}
 */
export function sourceOf(config) {
  return config.arch === 'custom' ? { spec: config.spec } : { arch: config.arch };
}

/**
 * The map a configuration asks for, for the engine.
 * @param {Config} config @returns {{height: number, width: number, mode: string|null, depth: number|null}}
 */
export function queryOf(config) {
  return { height: config.height, width: config.width, mode: config.mode, depth: config.depth };
}

/**
 * A configuration's network, by name: the zoo's, or a custom spec's own.
 * @param {Config} config @returns {string}
 */
export function networkName(config) {
  if (config.arch !== 'custom') return config.arch;
  try {
    return JSON.parse(config.spec).name ?? 'custom network';
  } catch {
    return 'custom network';
  }
}

/**
 * A one-line description of what a configuration's map shows.
 * @param {Config} config @returns {string}
 */
export function describe(config) {
  return [
    networkName(config),
    `${config.height}×${config.width}`,
    config.mode ? `${config.mode} padding` : 'padding as defined',
    config.depth === null ? 'all layers' : `first ${config.depth} layer${config.depth === 1 ? '' : 's'}`,
  ].join(' · ');
}
