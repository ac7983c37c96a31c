// An embedded figure's attributes and the site's URL state are two spellings of one thing: a
// <padlens-map> says `network="resnet50" size="224" compare-size="225"` where the explorer's
// address says `arch=resnet50&h=224&w=224&compare=1&b.h=225&b.w=225`. These pure functions
// translate between them, so that a figure reads its attributes with the explorer's own
// decoder (one set of defaults and checks) and the site's "Embed" button writes the
// attributes of exactly the view on screen. Node tests import this module directly.

/** The configuration attributes, each also as `compare-<name>` for configuration B. */
const CONFIG_ATTRIBUTES = ['network', 'spec', 'size', 'padding', 'depth'];
/** Display attributes and their hash keys. */
const DISPLAY_KEYS = { colormap: 'cmap', scale: 'scale', reference: 'ref' };

/** Every attribute <padlens-map> reads (its `observedAttributes`). */
export const MAP_ATTRIBUTES = Object.freeze([
  ...CONFIG_ATTRIBUTES,
  ...CONFIG_ATTRIBUTES.map((name) => `compare-${name}`),
  ...Object.keys(DISPLAY_KEYS),
  'shared-scale',
]);

/**
 * `224` or `224x225` (height first, as the CLI's --size) as [height, width]; anything else
 * is passed on as it is, for the explorer's decoder to replace by its default.
 * @param {string} text @returns {[string, string]}
 */
export function splitSize(text) {
  const match = /^\s*(\d+)\s*(?:[x×]\s*(\d+))?\s*$/.exec(text);
  return match ? [match[1], match[2] ?? match[1]] : [text, text];
}

/**
 * The explorer hash that a <padlens-map>'s attributes describe. B starts as a copy of A (as
 * in the explorer), and any `compare-*` attribute turns the comparison on and sets what
 * differs.
 * @param {(name: string) => string|null} get an attribute's value, null when absent
 * @returns {string} a hash for explorer/shared/state.js `decodeHash`
 */
export function mapHashOf(get) {
  const params = new URLSearchParams();
  const setConfig = (prefix, value) => {
    const network = value('network');
    const spec = value('spec');
    if (spec !== null) {
      params.set(`${prefix}arch`, 'custom');
      params.set(`${prefix}spec`, spec);
    } else if (network !== null) {
      params.set(`${prefix}arch`, network);
    }
    const size = value('size');
    if (size !== null) {
      const [height, width] = splitSize(size);
      params.set(`${prefix}h`, height);
      params.set(`${prefix}w`, width);
    }
    if (value('padding') !== null) params.set(`${prefix}mode`, value('padding'));
    if (value('depth') !== null) params.set(`${prefix}depth`, value('depth'));
  };
  setConfig('', get);
  if (CONFIG_ATTRIBUTES.some((name) => get(`compare-${name}`) !== null)) {
    params.set('compare', '1');
    // B's network is A's unless a compare-network or compare-spec names another.
    const ownNetwork = get('compare-network') !== null || get('compare-spec') !== null;
    setConfig('b.', (name) =>
      (name === 'network' || name === 'spec') && ownNetwork ? get(`compare-${name}`) : get(`compare-${name}`) ?? get(name));
  }
  for (const [name, key] of Object.entries(DISPLAY_KEYS)) {
    if (get(name) !== null) params.set(key, get(name));
  }
  if (/^(0|false|no|off)$/i.test(get('shared-scale') ?? '')) params.set('shared', '0');
  return params.toString();
}

/**
 * The attributes of a <padlens-map> showing `state`, in a stable order, with what equals
 * the default left out (so a snippet says only what matters). The inverse of `mapHashOf`.
 * @param {import('../../explorer/shared/state.js').State} state
 * @param {{defaults: {network: string}, colormaps: string[]}} catalog
 * @returns {[string, string][]} name, value pairs
 */
export function mapAttributesOf(state, catalog) {
  const out = [];
  const configAttributes = (config, prefix, base) => {
    const same = (field) => base && JSON.stringify(config[field]) === JSON.stringify(base[field]);
    if (config.arch === 'custom') {
      if (!same('spec') || !same('arch')) out.push([`${prefix}spec`, config.spec]);
    } else if (!same('arch')) {
      out.push([`${prefix}network`, config.arch]);
    }
    if (!(same('height') && same('width'))) {
      out.push([`${prefix}size`, config.height === config.width ? String(config.height) : `${config.height}x${config.width}`]);
    }
    if (config.mode && !same('mode')) out.push([`${prefix}padding`, config.mode]);
    if (config.depth !== null && !same('depth')) out.push([`${prefix}depth`, String(config.depth)]);
  };
  configAttributes(state.a, '', null);
  if (state.compare && state.b) {
    const before = out.length;
    configAttributes(state.b, 'compare-', state.a);
    // B identical to A still compares: say so with the attribute that names B's network.
    if (out.length === before) out.push(state.b.arch === 'custom' ? ['compare-spec', state.b.spec] : ['compare-network', state.b.arch]);
  }
  if (state.display.colormap !== catalog.colormaps[0]) out.push(['colormap', state.display.colormap]);
  if (state.display.scale !== 'linear') out.push(['scale', state.display.scale]);
  if (state.display.reference !== 'max') out.push(['reference', state.display.reference]);
  if (state.compare && !state.display.shared) out.push(['shared-scale', 'false']);
  return out;
}

/**
 * An element's start tag and end tag with its attributes, for a snippet.
 * @param {string} tag @param {[string, string][]} attributes @returns {string}
 */
export function elementSnippet(tag, attributes) {
  const escape = (value) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const text = attributes.map(([name, value]) => ` ${name}="${escape(value)}"`).join('');
  return `<${tag}${text}></${tag}>`;
}

/**
 * <padlens-grid>'s attributes and the Blind spots page's hash keys they stand for
 * (blindspots-app.js `readState`). `size` is the input's, as for <padlens-map>; `score` is
 * the core's own syntax (`heatmap:0`, `boxes:0@0.2`), which the page splits into three keys.
 */
const GRID_KEYS = {
  model: 'demo',
  padding: 'mode',
  normalization: 'normalization',
  background: 'background',
  'background-image': 'bgimage',
  seed: 'seed',
  stimulus: 'stimulus',
  'stimulus-size': 'size',
  stride: 'stride',
  threshold: 'threshold',
  colormap: 'colormap',
  opacity: 'opacity',
  range: 'range',
};

/** Every attribute <padlens-grid> reads. */
export const GRID_ATTRIBUTES = Object.freeze([...Object.keys(GRID_KEYS), 'size', 'score']);

/**
 * The Blind spots hash for a <padlens-grid>'s attributes, for "Open in padlens".
 * @param {(name: string) => string|null} get @returns {string}
 */
export function gridHashOf(get) {
  const params = new URLSearchParams();
  for (const [name, key] of Object.entries(GRID_KEYS)) if (get(name) !== null) params.set(key, get(name));
  if (get('size') !== null) {
    const [height, width] = splitSize(get('size'));
    params.set('height', height);
    params.set('width', width);
  }
  const score = /^([a-z_]+):(\d+)(?:@(.+))?$/.exec(get('score') ?? '');
  if (score) {
    params.set('score', score[1]);
    params.set('k', score[2]);
    if (score[3] !== undefined) params.set('iou', score[3]);
  }
  return params.toString();
}

/**
 * A <padlens-grid>'s attributes for the Blind spots page's state (its hash as parameters),
 * the inverse of `gridHashOf`. What the state leaves empty stays out, so the figure takes the
 * model's own defaults for it.
 * @param {URLSearchParams} params
 * @param {{detect: {scores_with_iou: string[]}}} catalog which scores take an IoU threshold
 * @returns {[string, string][]}
 */
export function gridAttributesOf(params, catalog) {
  const out = [];
  const get = (key) => params.get(key) || null;
  for (const [name, key] of Object.entries(GRID_KEYS)) {
    // A background image is only read with the image background.
    if (name === 'background-image' && get('background') !== 'image') continue;
    if (name === 'seed' && get('background') !== 'noise') continue;
    if (get(key) !== null) out.push([name, get(key)]);
  }
  const [height, width] = [get('height'), get('width')];
  if (height !== null && width !== null) out.splice(1, 0, ['size', height === width ? height : `${height}x${width}`]);
  if (get('score') !== null && get('k') !== null) {
    const iou = get('iou') !== null && catalog.detect.scores_with_iou.includes(get('score')) ? `@${get('iou')}` : '';
    out.push(['score', `${get('score')}:${get('k')}${iou}`]);
  }
  return out;
}

/** <padlens-explainer>'s layer attributes and the explainer's hash keys (model.js LAYER_KEYS). */
const EXPLAINER_LAYER_KEYS = { kernel: 'k', stride: 's', dilation: 'd', padding: 'p', mode: 'mode' };

/** Every attribute <padlens-explainer> reads; a second layer's take a `-2` suffix. */
export const EXPLAINER_ATTRIBUTES = Object.freeze([
  'preset',
  'size',
  ...Object.keys(EXPLAINER_LAYER_KEYS),
  ...Object.keys(EXPLAINER_LAYER_KEYS).map((name) => `${name}-2`),
  'pixel',
  'step',
  'colormap',
]);

/**
 * The explainer hash (explainer/shared/model.js `decodeHash`) for a <padlens-explainer>'s
 * attributes: a preset's hash (model.js `presetState`, encoded by the caller) overlaid with
 * what the attributes set. With any `-2` attribute the second layer starts as a copy of the
 * first, as the explainer's "stack a second layer" does.
 * @param {(name: string) => string|null} get
 * @param {string} presetHash the preset's state as a hash ('' for the default view)
 * @returns {string}
 */
export function explainerHashOf(get, presetHash) {
  const params = new URLSearchParams(presetHash);
  if (get('size') !== null) {
    const [height, width] = splitSize(get('size'));
    params.set('h', height);
    params.set('w', width);
  }
  const names = Object.entries(EXPLAINER_LAYER_KEYS);
  for (const [name, key] of names) if (get(name) !== null) params.set(key, get(name));
  if (names.some(([name]) => get(`${name}-2`) !== null)) {
    for (const [name, key] of names) {
      const value = get(`${name}-2`) ?? params.get(`${key}2`) ?? params.get(key);
      if (value !== null) params.set(`${key}2`, value);
    }
  }
  if (get('pixel') !== null) params.set('px', get('pixel').replace(/\s/g, ''));
  if (get('step') !== null) params.set('step', get('step'));
  if (get('colormap') !== null) params.set('cmap', get('colormap'));
  return params.toString();
}

/**
 * A <padlens-explainer>'s attributes for an explainer state, in full (a layer is short).
 * @param {import('../../explainer/shared/model.js').State} state @returns {[string, string][]}
 */
export function explainerAttributesOf(state) {
  const out = [['size', state.height === state.width ? String(state.height) : `${state.height}x${state.width}`]];
  state.layers.forEach((layer, i) => {
    for (const name of Object.keys(EXPLAINER_LAYER_KEYS)) out.push([i ? `${name}-2` : name, String(layer[name])]);
  });
  out.push(['pixel', state.pixel.join(',')], ['step', String(state.step)], ['colormap', state.colormap]);
  return out;
}
