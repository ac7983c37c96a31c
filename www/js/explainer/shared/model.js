// The explainer's state and everything about it that needs no DOM: the URL-hash form,
// presets, pixel names, where a problem is shown and what a corrected link changed, and the
// arithmetic of a step-through (running sums). Limits, mode names and colour maps are the
// core's: functions that need them take its catalogue. Node tests import it directly.

/**
 * @typedef {object} Layer one square convolution layer, as the core's ExplainerLayer
 * @property {number} kernel @property {number} stride @property {number} dilation
 * @property {number} padding before and after (the mode may imply other amounts)
 * @property {string} mode a padding mode name
 */

/**
 * @typedef {object} State
 * @property {number} height @property {number} width
 * @property {Layer[]} layers one or two
 * @property {[number, number]} pixel the selected pixel (row, column)
 * @property {number} step the window on show, 1-based
 * @property {string} colormap a colour map name
 */

/**
 * @typedef {object} Catalog the parts of the core's `catalog()` the explainer reads
 * @property {{name: string, label: string, does: string, effect: string, amounts: 'own'|'none'|'full'}[]} modes
 * @property {string[]} colormaps
 * @property {{explainer: {side: number, kernel: number, stride: number, dilation: number, layers: number}}} limits
 */

/**
 * @typedef {object} Problem an error as data, as the core gives it (engine.js `problemOf`)
 * @property {string} message
 * @property {string} subject 'size', 'layer', 'padding', 'network' or 'request'
 * @property {string|null} [layer] @property {number|null} [position] 0 or 1: which layer
 * @property {string|null} [field] e.g. 'kernel', 'padding', 'height', 'pixel'
 * @property {string|null} [axis]
 */

/** @type {Layer} */
const DEFAULT_LAYER = Object.freeze({ kernel: 3, stride: 1, dilation: 1, padding: 1, mode: 'zeros' });

/** The view a bare link opens on, less the colour map (the catalogue's first). */
const DEFAULT_VIEW = Object.freeze({ height: 7, width: 7, layers: [DEFAULT_LAYER], pixel: [0, 0], step: 1 });

/**
 * The view the page opens on without a hash.
 * @param {Catalog} catalog @returns {State}
 */
export function defaultState(catalog) {
  return { ...structuredClone(DEFAULT_VIEW), colormap: catalog.colormaps[0] };
}

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
 * A preset as a full state but for the colour map, which a preset leaves as it is.
 * @param {string} id @returns {Omit<State, 'colormap'>}
 */
export function presetState(id) {
  const preset = PRESETS.find((p) => p.id === id);
  return { ...structuredClone(DEFAULT_VIEW), ...structuredClone(preset.state) };
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

/**
 * The config the core takes: the state without the view (pixel, step, colours).
 * @param {State} state @returns {{height: number, width: number, layers: Layer[]}}
 */
export function toConfig(state) {
  return { height: state.height, width: state.width, layers: state.layers.map((l) => ({ ...l })) };
}

const LAYER_KEYS = [['kernel', 'k'], ['stride', 's'], ['dilation', 'd'], ['padding', 'p'], ['mode', 'mode']];

/**
 * @param {State} state @returns {string} the hash, without '#'
 */
export function encodeHash(state) {
  const params = new URLSearchParams();
  params.set('h', String(state.height));
  params.set('w', String(state.width));
  state.layers.forEach((layer, i) => {
    for (const [field, key] of LAYER_KEYS) params.set(`${key}${i ? i + 1 : ''}`, String(layer[field]));
  });
  params.set('px', `${state.pixel[0]},${state.pixel[1]}`);
  params.set('step', String(state.step));
  params.set('cmap', state.colormap);
  return params.toString();
}

const joinWords = (words) => (words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`);

/**
 * The state a hash describes, and what in it could not be read. Numbers are taken as they
 * are, in range or not: whether the core can draw them is for the core to say
 * (`explainNearestValid`). What is not a whole number, and names the catalogue does not
 * know (a padding mode, a colour map), take the default, with a problem saying so where its
 * control is.
 * @param {string} hash with or without '#' @param {Catalog} catalog
 * @returns {{state: State, problems: Problem[]}}
 */
export function decodeHash(hash, catalog) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const problems = [];
  const fallback = defaultState(catalog);
  /** A whole number from the link, or `otherwise` (with a problem) when it is not one. */
  const number = (key, otherwise, what, location) => {
    const text = params.get(key);
    if (text === null) return otherwise;
    if (/^\d+$/.test(text)) return Number(text);
    problems.push({ ...location, message: `The link's ${what} “${text}” is not a whole number. Showing ${otherwise}.` });
    return otherwise;
  };
  /** A name the catalogue knows, or `otherwise` (with a problem). */
  const name = (key, known, otherwise, what, location) => {
    const text = params.get(key);
    if (text === null || known.includes(text)) return text ?? otherwise;
    problems.push({ ...location, message: `There is no ${what} “${text}” (there are ${joinWords(known)}). Showing ${otherwise}.` });
    return otherwise;
  };
  const size = (field) => ({ subject: 'size', field });
  const height = number('h', fallback.height, 'height', size('height'));
  const width = number('w', height, 'width', size('width'));
  const stacked = LAYER_KEYS.some(([, key]) => params.has(`${key}2`));
  const layers = (stacked ? [0, 1] : [0]).map((i) => {
    const suffix = i ? String(i + 1) : '';
    const where = (field) => ({ subject: 'layer', position: i, field });
    const what = (field) => (stacked ? `layer ${i + 1}'s ${field}` : field);
    const layer = {};
    for (const [field, key] of LAYER_KEYS) {
      layer[field] = field === 'mode'
        ? name(`mode${suffix}`, catalog.modes.map((m) => m.name), DEFAULT_LAYER.mode, 'padding mode', { ...where('mode'), subject: 'padding' })
        : number(`${key}${suffix}`, DEFAULT_LAYER[field], what(field), where(field));
    }
    return layer;
  });
  const px = params.get('px') ?? '0,0';
  const pixel = /^\d+,\d+$/.test(px) ? px.split(',').map(Number) : [0, 0];
  if (!/^\d+,\d+$/.test(px)) {
    problems.push({ subject: 'request', field: 'pixel', message: `The link's pixel “${px}” is not a row and a column. Showing pixel a.` });
  }
  return {
    state: {
      height,
      width,
      layers,
      pixel,
      step: number('step', 1, 'window', { subject: 'request', field: 'step' }),
      colormap: name('cmap', catalog.colormaps, fallback.colormap, 'colour map', { subject: 'request', field: 'colormap' }),
    },
    problems,
  };
}

/**
 * What a corrected link shows instead of what it asked for, in words: "Showing padding 1."
 * With two layers each change names its layer.
 * @param {State} asked @param {State} shown @returns {string} '' when nothing changed
 */
export function changesText(asked, shown) {
  const changes = [];
  for (const field of ['height', 'width']) {
    if (asked[field] !== shown[field]) changes.push(`${field} ${shown[field]}`);
  }
  shown.layers.forEach((layer, i) => {
    const before = asked.layers[i] ?? {};
    const fields = LAYER_KEYS.map(([field]) => field).filter((field) => before[field] !== layer[field]);
    fields.forEach((field, j) => {
      const owner = shown.layers.length > 1 && j === 0 ? `layer ${i + 1}'s ` : '';
      changes.push(`${owner}${field} ${layer[field]}`);
    });
  });
  return changes.length ? `Showing ${joinWords(changes)}.` : '';
}

/**
 * Where a problem is shown, from where the core says it is (never from its wording): a size
 * beside the size controls; a layer's setting beside that layer's controls (and the control
 * itself marked); a pixel on the count map, a window by the step controls, a colour map by
 * the colours; anything else at the top of the page.
 * @param {Problem} problem
 * @returns {{place: 'size'|'layer'|'pixel'|'step'|'colormap'|'page', index?: number}}
 */
export function problemPlace(problem) {
  const { subject, field, position } = problem;
  if (subject === 'size' || field === 'height' || field === 'width') return { place: 'size' };
  if (Number.isInteger(position)) return { place: 'layer', index: position };
  if (field === 'pixel' || field === 'step' || field === 'colormap') return { place: field };
  return { place: 'page' };
}

/**
 * A link's window number checked against the windows there are: null when it is one of
 * them, else the problem, saying which window is shown instead.
 * @param {number} step 1-based, as the link asks @param {number} count windows reading the pixel
 * @param {string} name the pixel's name
 * @returns {Problem|null}
 */
export function stepProblem(step, count, name) {
  if (step >= 1 && step <= Math.max(1, count)) return null;
  const read = count === 0 ? 'no window reads it' : `it is read by ${count} window${count === 1 ? '' : 's'}`;
  const instead = count === 0 ? 'Showing none.' : `Showing window ${step < 1 ? 1 : count}.`;
  return { subject: 'request', field: 'step', message: `The link asks for window ${step} of pixel ${name}, but ${read}. ${instead}` };
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
