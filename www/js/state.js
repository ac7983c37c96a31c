// The page state and its URL-hash form, so that a link reproduces a view. Pure functions:
// app.js reads the controls into a state, and writes a state into the controls.

/** @typedef {import('./config-panel.js').Config} Config */

/**
 * @typedef {object} Display
 * @property {'max'|'centre'} reference colours relative to the maximum or to the centre
 * @property {'linear'|'log'} scale
 * @property {'viridis'|'cividis'|'magma'} colormap
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

/** @type {Config} */
const DEFAULT_CONFIG = Object.freeze({
  arch: 'vgg19',
  spec: '',
  height: 224,
  width: 224,
  linked: true,
  mode: null,
  depth: null,
});

/** @type {Display} */
const DEFAULT_DISPLAY = Object.freeze({ reference: 'max', scale: 'linear', colormap: 'viridis' });

/** @type {Doctor} */
const DEFAULT_DOCTOR = Object.freeze({ framework: 'torch', searchFrom: 16, searchTo: 2048 });

/** @type {Sweep} */
const DEFAULT_SWEEP = Object.freeze({ threshold: 0.5, from: 32, to: 1024, step: 8, second: null });

const CHOICES = {
  reference: ['max', 'centre'],
  scale: ['linear', 'log'],
  colormap: ['viridis', 'cividis', 'magma'],
  framework: ['torch', 'tf'],
};

/** The core's largest side (geometry::MAX_EXTENT). */
const MAX_EXTENT = 1 << 20;
/** Enough for a fine sweep; more points than screen pixels would only take longer. */
const MAX_SWEEP_SIZES = 4096;

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
  return params.toString();
}

const wholeNumber = (text) => (text !== null && /^\d{1,9}$/.test(text) ? Number(text) : null);

/** A threshold from the hash: a decimal in (0, 1], else null. */
function threshold(text) {
  const value = text !== null && /^(0|1)?(\.\d{1,6})?$/.test(text) ? Number(text) : NaN;
  return value > 0 && value <= 1 ? value : null;
}

function decodeConfig(params, prefix, modes) {
  const get = (key) => params.get(`${prefix}${key}`);
  const height = wholeNumber(get('h')) ?? DEFAULT_CONFIG.height;
  const width = wholeNumber(get('w')) ?? height;
  return {
    arch: get('arch') || DEFAULT_CONFIG.arch,
    spec: get('spec') ?? '',
    height,
    width,
    linked: get('link') === null ? height === width : get('link') === '1',
    mode: modes.includes(get('mode')) ? get('mode') : null,
    depth: wholeNumber(get('depth')),
  };
}

/**
 * The state a hash describes; what it lacks or gets wrong takes its default.
 * @param {string} hash with or without '#'
 * @param {string[]} modes the padding modes the engine knows
 * @returns {State}
 */
export function decodeHash(hash, modes) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const a = decodeConfig(params, '', modes);
  const compare = params.get('compare') === '1';
  const display = {};
  for (const [key, param] of [['reference', 'ref'], ['scale', 'scale'], ['colormap', 'cmap']]) {
    display[key] = CHOICES[key].includes(params.get(param)) ? params.get(param) : DEFAULT_DISPLAY[key];
  }
  const framework = CHOICES.framework.includes(params.get('fw')) ? params.get('fw') : DEFAULT_DOCTOR.framework;
  const doctor = {
    framework,
    searchFrom: wholeNumber(params.get('search.from')) ?? DEFAULT_DOCTOR.searchFrom,
    searchTo: wholeNumber(params.get('search.to')) ?? DEFAULT_DOCTOR.searchTo,
  };
  const secondArch = params.get('sweep.b.arch');
  const sweep = {
    threshold: threshold(params.get('tau')) ?? DEFAULT_SWEEP.threshold,
    from: wholeNumber(params.get('sweep.from')) ?? DEFAULT_SWEEP.from,
    to: wholeNumber(params.get('sweep.to')) ?? DEFAULT_SWEEP.to,
    step: wholeNumber(params.get('sweep.step')) ?? DEFAULT_SWEEP.step,
    second: secondArch
      ? { arch: secondArch, mode: modes.includes(params.get('sweep.b.mode')) ? params.get('sweep.b.mode') : null }
      : null,
  };
  return { a, b: compare ? decodeConfig(params, 'b.', modes) : null, compare, display, doctor, sweep };
}

/**
 * What must be fixed before a configuration can be computed, as a sentence; null if nothing.
 * (Sizes of 0, too large, or that a layer cannot take are for the engine to explain.)
 * @param {Config} config @returns {string|null}
 */
export function localError(config) {
  for (const axis of ['height', 'width']) {
    const v = config[axis];
    if (!Number.isInteger(v) || v < 0) {
      return `The ${axis} must be a whole number of pixels (got ${Number.isNaN(v) ? 'nothing' : v}).`;
    }
  }
  return null;
}

/**
 * What is wrong with the doctor's search range, as a sentence; null if nothing.
 * @param {Doctor} doctor @returns {string|null}
 */
export function searchError({ searchFrom, searchTo }) {
  if (![searchFrom, searchTo].every((v) => Number.isInteger(v) && v >= 1 && v <= MAX_EXTENT)) {
    return `The search range needs two whole numbers from 1 to ${MAX_EXTENT}.`;
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
 * @param {Sweep} sweep
 * @returns {{sizes: number[], error: null} | {sizes: null, error: string}}
 */
export function sweepSizes({ from, to, step }) {
  const fail = (error) => ({ sizes: null, error });
  if (![from, to, step].every((v) => Number.isInteger(v) && v >= 1)) {
    return fail('From, to and step must be whole numbers of at least 1.');
  }
  if (from > to) return fail(`The sweep starts after it ends (${from} > ${to}).`);
  if (to > MAX_EXTENT) return fail(`Sizes go up to ${MAX_EXTENT}.`);
  const count = Math.floor((to - from) / step) + 1;
  if (count > MAX_SWEEP_SIZES) {
    return fail(`That is ${count} sizes; at most ${MAX_SWEEP_SIZES} at once (raise the step).`);
  }
  return { sizes: Array.from({ length: count }, (_, i) => from + i * step), error: null };
}

/**
 * The engine's request for a configuration.
 * @param {Config} config @returns {import('./engine.js').UtilizationRequest}
 */
export function toRequest(config) {
  return {
    arch: config.arch === 'custom' ? config.spec : config.arch,
    height: config.height,
    width: config.width,
    mode: config.mode,
    depth: config.depth,
  };
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
    config.depth === null ? 'all layers' : `first ${config.depth} layers`,
  ].join(' · ');
}
