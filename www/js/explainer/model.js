// The explainer's state and everything about it that needs no DOM: limits, the URL-hash form,
// presets, pixel names, the teaching text of each padding mode, and the arithmetic of a
// step-through (running sums). Node tests import it directly.

/**
 * @typedef {object} Layer one square convolution layer, as the core's ExplainerLayer
 * @property {number} kernel 1–7
 * @property {number} stride 1–3
 * @property {number} dilation 1–3
 * @property {number} padding before and after, 0 … dilation·(kernel − 1)
 * @property {string} mode a padding mode name
 */

/**
 * @typedef {object} State
 * @property {number} height @property {number} width 1–16
 * @property {Layer[]} layers one or two
 * @property {[number, number]} pixel the selected pixel (row, column)
 * @property {number} step the window on show, 1-based (clamped to the windows there are)
 * @property {'viridis'|'cividis'} colormap
 */

/** The core's limits (src/analysis/explainer.rs). */
export const LIMITS = Object.freeze({ side: 16, kernel: 7, stride: 3, dilation: 3 });

export const COLORMAPS = ['viridis', 'cividis'];

/** @type {Layer} */
const DEFAULT_LAYER = Object.freeze({ kernel: 3, stride: 1, dilation: 1, padding: 1, mode: 'zeros' });

/** @type {State} */
export const DEFAULT_STATE = Object.freeze({
  height: 7,
  width: 7,
  layers: [DEFAULT_LAYER],
  pixel: [0, 0],
  step: 1,
  colormap: 'viridis',
});

/**
 * What each padding mode puts in the padding, and what that does to the counts (for a
 * stride-1 layer). Plain words: the page is for people who have never met these modes.
 */
export const MODE_INFO = Object.freeze({
  zeros: {
    label: 'zeros',
    does: 'Fills the padding with zeros.',
    effect: 'Under-weights the border: edge pixels are read by fewer windows, corners least of all.',
  },
  valid: {
    label: 'valid (no padding)',
    does: 'Adds no padding: windows stay inside the image, so the output shrinks.',
    effect: 'Under-weights the border most: a corner pixel is read by one window only.',
  },
  full: {
    label: 'full (zeros, as wide as the kernel)',
    does: 'Pads with zeros on every side until each window that touches the image is computed.',
    effect: 'Uniform counts at stride 1, but the output grows and its border sees mostly zeros.',
  },
  circular: {
    label: 'circular (wrap around)',
    does: 'The padding wraps around: past the right edge comes the left edge again.',
    effect: 'Uniform counts, but the border is read next to pixels from the far side.',
  },
  reflect: {
    label: 'reflect (mirror without the edge)',
    does: 'Mirrors the image at its edge without repeating the edge pixel (… c b | a b c …).',
    effect: 'Over-weights the pixel next to the border, which is copied; under-weights the edge itself.',
  },
  symmetric: {
    label: 'symmetric (mirror with the edge)',
    does: 'Mirrors the image including the edge pixel (… b a | a b …).',
    effect: 'Uniform counts at stride 1 — but edge pixels are read through other kernel cells.',
  },
  replicate: {
    label: 'replicate (repeat the edge)',
    does: 'Repeats the edge pixel outwards (… a a | a b …).',
    effect: 'Uniform for 3×3 with padding 1; wider padding over-weights the edge pixels.',
  },
  partial: {
    label: 'partial convolution',
    does: 'Zeros, but each window is scaled up by all taps ÷ taps on the image (Liu et al. 2018).',
    effect: 'Lifts the border: corners stay under-weighted, the pixel next to the edge is over-weighted.',
  },
});

/**
 * The original widget's examples, and a strided layer that consumes its padding unevenly.
 * Each is a partial state: what it leaves out takes the default.
 */
export const PRESETS = Object.freeze([
  { id: 'zeros', name: '3×3 zeros', state: { layers: [{ ...DEFAULT_LAYER }] } },
  { id: 'symmetric', name: 'symmetric 3×3', state: { layers: [{ ...DEFAULT_LAYER, mode: 'symmetric' }] } },
  { id: 'symmetric-5', name: '5×5, pad 2, symmetric', state: { layers: [{ ...DEFAULT_LAYER, kernel: 5, padding: 2, mode: 'symmetric' }] } },
  { id: 'dilated', name: '3×3, dilation 2, pad 2, symmetric', state: { layers: [{ ...DEFAULT_LAYER, dilation: 2, padding: 2, mode: 'symmetric' }] } },
  { id: 'replicate', name: 'replicate 5×5', state: { layers: [{ ...DEFAULT_LAYER, kernel: 5, padding: 2, mode: 'replicate' }] } },
  { id: 'reflect', name: 'reflect 3×3', state: { layers: [{ ...DEFAULT_LAYER, mode: 'reflect' }], pixel: [3, 1] } },
  { id: 'partial', name: 'partial 3×3', state: { layers: [{ ...DEFAULT_LAYER, mode: 'partial' }] } },
  { id: 'strided', name: '6×6, stride 2, pad 1 (uneven)', state: { height: 6, width: 6, layers: [{ ...DEFAULT_LAYER, stride: 2 }], pixel: [5, 5] } },
  { id: 'two-layers', name: 'two 3×3 layers, zeros', state: { layers: [{ ...DEFAULT_LAYER }, { ...DEFAULT_LAYER }], pixel: [0, 1] } },
]);

/**
 * A preset as a full state.
 * @param {string} id @returns {State}
 */
export function presetState(id) {
  const preset = PRESETS.find((p) => p.id === id);
  return { ...structuredClone(DEFAULT_STATE), ...structuredClone(preset.state) };
}

/** The widest padding the core accepts for a layer: one dilated kernel minus one. */
export function maxPadding(layer) {
  return layer.dilation * (layer.kernel - 1);
}

/**
 * The padding each side actually gets: VALID drops it, FULL widens it to the dilated
 * kernel minus one, every other mode uses the layer's own (DESIGN 2.2).
 * @param {Layer} layer @returns {number}
 */
export function effectivePadding(layer) {
  if (layer.mode === 'valid') return 0;
  if (layer.mode === 'full') return maxPadding(layer);
  return layer.padding;
}

/**
 * A pixel's name: a–z, then A–Z, then its 1-based number in reading order.
 * @param {number} index row-major index @returns {string}
 */
export function pixelLabel(index) {
  if (index < 26) return String.fromCharCode(97 + index);
  if (index < 52) return String.fromCharCode(65 + index - 26);
  return String(index + 1);
}

/** The config the core takes: the state without the view (pixel, step, colours). */
export function toConfig(state) {
  return { height: state.height, width: state.width, layers: state.layers.map((l) => ({ ...l })) };
}

const clamp = (value, lo, hi) => Math.min(hi, Math.max(lo, value));

function layerToParams(params, suffix, layer) {
  params.set(`k${suffix}`, String(layer.kernel));
  params.set(`s${suffix}`, String(layer.stride));
  params.set(`d${suffix}`, String(layer.dilation));
  params.set(`p${suffix}`, String(layer.padding));
  params.set(`mode${suffix}`, layer.mode);
}

/**
 * @param {State} state @returns {string} the hash, without '#'
 */
export function encodeHash(state) {
  const params = new URLSearchParams();
  params.set('h', String(state.height));
  params.set('w', String(state.width));
  layerToParams(params, '', state.layers[0]);
  if (state.layers.length > 1) layerToParams(params, '2', state.layers[1]);
  params.set('px', `${state.pixel[0]},${state.pixel[1]}`);
  params.set('step', String(state.step));
  params.set('cmap', state.colormap);
  return params.toString();
}

const whole = (text) => (text !== null && /^\d{1,3}$/.test(text) ? Number(text) : null);

function layerFromParams(params, suffix, modes) {
  const get = (key, fallback, lo, hi) => clamp(whole(params.get(`${key}${suffix}`)) ?? fallback, lo, hi);
  const kernel = get('k', DEFAULT_LAYER.kernel, 1, LIMITS.kernel);
  const dilation = get('d', DEFAULT_LAYER.dilation, 1, LIMITS.dilation);
  const mode = params.get(`mode${suffix}`);
  return {
    kernel,
    stride: get('s', DEFAULT_LAYER.stride, 1, LIMITS.stride),
    dilation,
    padding: get('p', DEFAULT_LAYER.padding, 0, dilation * (kernel - 1)),
    mode: modes.includes(mode) ? mode : DEFAULT_LAYER.mode,
  };
}

/**
 * The state a hash describes; what it lacks or gets out of range takes the default or the
 * nearest allowed value, so any link shows something. (Whether the core accepts the
 * combination, e.g. reflect padding as wide as the input, is for the core to say.)
 * @param {string} hash with or without '#' @param {string[]} modes the core's mode names
 * @returns {State}
 */
export function decodeHash(hash, modes) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const height = clamp(whole(params.get('h')) ?? DEFAULT_STATE.height, 1, LIMITS.side);
  const width = clamp(whole(params.get('w')) ?? height, 1, LIMITS.side);
  const layers = [layerFromParams(params, '', modes)];
  if (params.has('k2') || params.has('mode2')) layers.push(layerFromParams(params, '2', modes));
  const [row, column] = (params.get('px') ?? '').split(',').map(whole);
  const cmap = params.get('cmap');
  return {
    height,
    width,
    layers,
    pixel: [clamp(row ?? 0, 0, height - 1), clamp(column ?? 0, 0, width - 1)],
    step: Math.max(1, whole(params.get('step')) ?? 1),
    colormap: COLORMAPS.includes(cmap) ? cmap : DEFAULT_STATE.colormap,
  };
}

/**
 * What a layer leaves unread, in words: padding consumed on one side only (a strided layer
 * whose windows do not fit the padded input evenly), and input past the last window.
 * @param {object[]} axes the core's AxisResolution of the rows and of the columns
 * @returns {string} '' when the layer reads both sides alike and the whole input
 */
export function paddingNote(axes) {
  const sides = [['row', 'top', 'bottom'], ['column', 'left', 'right']];
  const uneven = [];
  const dropped = [];
  axes.forEach((axis, i) => {
    const [unit, before, after] = sides[i];
    const count = (n) => `${n} ${unit}${n === 1 ? '' : 's'}`;
    if (axis.consumed_before !== axis.consumed_after) {
      uneven.push(`${count(axis.consumed_before)} of padding at the ${before} but ${axis.consumed_after} at the ${after}`);
    }
    if (axis.input_unread > 0) dropped.push(`the last ${count(axis.input_unread)}`);
  });
  const sentences = [];
  if (uneven.length) sentences.push(`Uneven: the windows read ${uneven.join(', and ')}.`);
  if (dropped.length) sentences.push(`No window reaches ${dropped.join(' or ')} of the image: the layer drops them.`);
  return sentences.join(' ');
}

/**
 * The pixel's count after each window of a step-through: what the running sum shows.
 * @param {{contribution: number}[]} windows @returns {number[]}
 */
export function runningSums(windows) {
  let sum = 0;
  return windows.map((w) => (sum += w.contribution));
}

/**
 * Which layer a core error is about, from its wording ("layer `layer 2`, height axis: …"):
 * the message goes beside that layer's controls. Null when it names no layer.
 * @param {string} message @returns {number|null} 0 or 1
 */
export function layerOfError(message) {
  const match = /layer `layer (\d)`/.exec(message);
  return match ? Number(match[1]) - 1 : null;
}
