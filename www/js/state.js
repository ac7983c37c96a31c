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
 * @typedef {object} State
 * @property {Config} a
 * @property {Config|null} b the second configuration, in compare mode
 * @property {boolean} compare
 * @property {Display} display
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

const CHOICES = {
  reference: ['max', 'centre'],
  scale: ['linear', 'log'],
  colormap: ['viridis', 'cividis', 'magma'],
};

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
  return params.toString();
}

const wholeNumber = (text) => (text !== null && /^\d{1,9}$/.test(text) ? Number(text) : null);

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
  return { a, b: compare ? decodeConfig(params, 'b.', modes) : null, compare, display };
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
 * A one-line description of what a configuration's map shows.
 * @param {Config} config @returns {string}
 */
export function describe(config) {
  let name = config.arch;
  if (config.arch === 'custom') {
    try {
      name = JSON.parse(config.spec).name ?? 'custom network';
    } catch {
      name = 'custom network';
    }
  }
  return [
    name,
    `${config.height}×${config.width}`,
    config.mode ? `${config.mode} padding` : 'padding as defined',
    config.depth === null ? 'all layers' : `first ${config.depth} layers`,
  ].join(' · ');
}
