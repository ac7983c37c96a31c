// The explainer page: reads the controls into a state, keeps it in the URL hash, asks the
// core for the layout, the counts and the selected pixel's windows, and shows them. The
// engine runs on the main thread, unlike the explorer's worker: a layer over at most 16×16
// pixels takes microseconds, and calling it synchronously lets every key press redraw at once
// with no request to coalesce. A configuration the core refuses keeps the last good view on
// screen, marked "not updated", with the core's message beside the control it is about.

import { loadEngine } from '../engine.js';
import { escapeXml } from '../draw.js';
import {
  DEFAULT_STATE, LIMITS, MODE_INFO, PRESETS, decodeHash, encodeHash, layerOfError, paddingNote, pixelLabel, presetState, toConfig,
} from './model.js';
import { countText } from './svg.js';
import './grids.js';
import './layer-controls.js';
import './steps.js';

const $ = (selector) => document.querySelector(selector);

const els = {
  presets: $('#preset-list'),
  height: $('#height'),
  width: $('#width'),
  layers: [$('#layer-1'), $('#layer-2')],
  stack: $('#stack'),
  padded: $('#padded'),
  counts: $('#counts'),
  firstCounts: $('#first-counts'),
  downstream: $('#downstream'),
  steps: $('#steps'),
  modeList: $('#mode-list'),
};

let engine;
/** @type {import('./model.js').State} */
let state;
/** Whether layer 2 has had settings of its own yet (else ticking the box copies layer 1). */
let layer2Set = false;
/** The last view the core accepted: {explanation, pixel: PixelExplanation}; `state` describes it. */
let shown = null;

/** @returns {import('./model.js').State} the controls' state; the view part (pixel, step) as shown */
function readControls() {
  const side = (input) => Math.min(LIMITS.side, Math.max(1, Math.round(Number(input.value)) || 1));
  const stacked = els.stack.checked;
  return {
    ...state,
    height: side(els.height),
    width: side(els.width),
    layers: stacked ? [els.layers[0].value, els.layers[1].value] : [els.layers[0].value],
  };
}

/** @param {import('./model.js').State} next */
function writeControls(next) {
  els.height.value = String(next.height);
  els.width.value = String(next.width);
  els.layers[0].value = next.layers[0];
  els.stack.checked = next.layers.length > 1;
  // Layer 2 keeps its last settings while hidden, so unticking and ticking loses nothing.
  if (next.layers.length > 1) {
    els.layers[1].value = next.layers[1];
    layer2Set = true;
  }
  els.layers[1].hidden = next.layers.length < 2;
  document.querySelector(`input[name=colormap][value=${next.colormap}]`).checked = true;
  syncSizeSteppers(next);
}

function syncSizeSteppers(next) {
  for (const axis of ['height', 'width']) {
    document.querySelector(`[data-size=${axis}][data-step="-1"]`).disabled = next[axis] <= 1;
    document.querySelector(`[data-size=${axis}][data-step="1"]`).disabled = next[axis] >= LIMITS.side;
  }
}

const sameConfig = (a, b) => JSON.stringify(toConfig(a)) === JSON.stringify(toConfig(b));

/** A pixel's name from its row and column, on an image `width` pixels wide. */
const labelOf = (width) => (row, column) => pixelLabel(row * width + column);

/**
 * Computes and shows `next`; if the core refuses it, says why and keeps the last view.
 * @param {import('./model.js').State} next
 */
function update(next) {
  const config = toConfig(next);
  let explanation;
  try {
    explanation = engine.explain(config);
  } catch (error) {
    showError(error.message);
    return;
  }
  state = { ...next, pixel: next.pixel.map((v, i) => Math.min(v, [next.height, next.width][i] - 1)) };
  const pixel = engine.explainPixel(config, state.pixel[0], state.pixel[1]);
  state.step = Math.min(Math.max(1, state.step), Math.max(1, pixel.windows.length));
  shown = { explanation, pixel };
  showError(null);
  draw();
}

/** Shows the core's complaint beside the layer it names (layer 1 if none), or clears them all. */
function showError(message) {
  const layer = message ? layerOfError(message) : null;
  els.layers.forEach((panel, i) => {
    panel.error = message && (layer ?? 0) === i ? message : null;
  });
  for (const view of [els.padded, els.counts, els.firstCounts, els.downstream, els.steps]) view.stale = Boolean(message);
  document.body.dataset.status = 'idle';
}

/** A count map as the grid elements take it, coloured by the core. */
function countMap(values, height, width, selected, label) {
  const rendered = engine.render(Float64Array.from(values), height, width, { colormap: state.colormap, reference: 'max', scale: 'linear' });
  return { values, height, width, rgba: rendered.rgba, colorbar: engine.colorbar(state.colormap, 64), selected, label };
}

function draw() {
  const { explanation, pixel } = shown;
  const { height, width, layers } = state;
  const label = labelOf(width);
  const name = label(...state.pixel);
  const stacked = layers.length > 1;
  const index = state.pixel[0] * width + state.pixel[1];
  const count = explanation.counts[index];
  const first = explanation.layers[0];

  els.layers.forEach((panel, i) => {
    const view = explanation.layers[i];
    panel.sizes = view ? { input: view.input, output: view.output } : null;
  });
  for (const button of els.presets.querySelectorAll('button')) {
    button.setAttribute('aria-pressed', String(sameConfig(state, presetState(button.dataset.preset))));
  }

  els.padded.caption = `${height}×${width} input, ${describeLayer(layers[0])}: padded to ${first.padded_size[0]}×${first.padded_size[1]}`;
  els.padded.show(first, label, state.pixel);
  els.padded.note = paddingNote(first.axes);
  els.padded.description = `Padded input of layer 1, ${first.padded_size[0]} by ${first.padded_size[1]} cells; pixel ${name} is outlined wherever it appears.`;

  const moveHint = 'Arrow keys move the selected pixel.';
  els.counts.heading = stacked ? 'Count map, both layers' : 'Count map';
  els.counts.caption = stacked
    ? 'how many operations of the two layers read each pixel'
    : 'how many convolution operations read each pixel';
  els.counts.show({
    ...countMap(explanation.counts, height, width, state.pixel, (i) => pixelLabel(i)),
    description: `Count map. Selected pixel ${name}, row ${state.pixel[0]}, column ${state.pixel[1]}, count ${countText(count)}. ${moveHint}`,
  });

  els.firstCounts.hidden = els.downstream.hidden = !stacked;
  const visit = pixel.windows[state.step - 1] ?? null;
  if (stacked) {
    els.firstCounts.caption = 'the counts before layer 2 compounds them';
    els.firstCounts.show({
      ...countMap(explanation.first_layer_counts, height, width, state.pixel, (i) => pixelLabel(i)),
      description: `Count map of layer 1 alone. Selected pixel ${name}, count ${countText(explanation.first_layer_counts[index])}. ${moveHint}`,
    });
    showDownstream(explanation, visit);
  }

  els.steps.show(
    { name, pixel: state.pixel, explanation: pixel, count, kernel: layers[0].kernel, partial: layers[0].mode === 'partial', stacked },
    state.step - 1,
  );
  els.padded.visit = visit;
  writeHash();
}

/**
 * What each output of layer 1 is worth downstream: the core's count map of layer 2 on layer
 * 1's output — the same numbers the windows carry as `downstream`.
 */
function showDownstream(explanation, visit) {
  const [h, w] = explanation.layers[0].output;
  els.downstream.caption = `layer 1's ${h}×${w} output: how many operations of layer 2 read each cell`;
  els.downstream.show({
    ...countMap(explanation.downstream, h, w, visit ? visit.output : null, null),
    description: `Downstream counts of layer 1's outputs${visit ? `; current window's output (${visit.output.join(', ')}) is outlined` : ''}.`,
  });
}

function describeLayer(layer) {
  const parts = [`${layer.kernel}×${layer.kernel}`];
  if (layer.stride > 1) parts.push(`stride ${layer.stride}`);
  if (layer.dilation > 1) parts.push(`dilation ${layer.dilation}`);
  if (layer.mode !== 'valid' && layer.mode !== 'full') parts.push(`pad ${layer.padding}`);
  parts.push(layer.mode);
  return parts.join(', ');
}

function writeHash() {
  history.replaceState(null, '', `#${encodeHash(state)}`);
}

/** Moves to window `index` (0-based) of the shown pixel without recomputing anything. */
function showStep(index) {
  state = { ...state, step: index + 1 };
  els.padded.visit = shown.pixel.windows[index] ?? null;
  if (state.layers.length > 1) showDownstream(shown.explanation, shown.pixel.windows[index] ?? null);
  writeHash();
}

/** Selects a pixel of the configuration in the controls (which may be one the core refuses). */
function selectPixel(row, column) {
  update({ ...readControls(), pixel: [row, column], step: 1 });
}

function buildPresets() {
  els.presets.innerHTML = PRESETS.map(
    (p) => `<button type="button" class="preset-button" data-preset="${p.id}" aria-pressed="false">${escapeXml(p.name)}</button>`,
  ).join('');
  els.presets.addEventListener('click', (event) => {
    const id = event.target.closest('[data-preset]')?.dataset.preset;
    if (!id) return;
    const next = { ...presetState(id), colormap: state.colormap };
    writeControls(next);
    update(next);
  });
}

function buildModeList(modes) {
  els.modeList.innerHTML = modes
    .filter((m) => MODE_INFO[m])
    .map((m) =>
      `<div class="mode-entry"><dt><button type="button" class="mode-try" data-mode="${m}" aria-label="Show ${escapeXml(m)} padding on layer 1">${escapeXml(m)}</button></dt>` +
      `<dd>${escapeXml(MODE_INFO[m].does)} <em>${escapeXml(MODE_INFO[m].effect)}</em></dd></div>`)
    .join('');
  els.modeList.addEventListener('click', (event) => {
    const mode = event.target.closest('[data-mode]')?.dataset.mode;
    if (!mode) return;
    const next = { ...state, layers: [{ ...state.layers[0], mode }, ...state.layers.slice(1)], step: 1 };
    writeControls(next);
    update(next);
    $('#stage').scrollIntoView({ behavior: 'smooth', block: 'start' });
  });
}

/** Space plays or pauses, [ and ] step — anywhere but in a field or on a control of its own. */
function onKey(event) {
  const target = event.target;
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  if (target.closest('input, select, textarea')) return;
  if (event.key === '[' || event.key === ']') {
    event.preventDefault();
    if (event.key === '[') els.steps.previous();
    else els.steps.next();
  } else if (event.key === ' ' && !target.closest('button, a, summary')) {
    event.preventDefault();
    els.steps.toggle();
  }
}

function bind() {
  document.addEventListener('layer-change', () => update({ ...readControls(), step: 1 }));
  els.stack.addEventListener('change', () => {
    if (els.stack.checked && !layer2Set) {
      // The second layer starts as a copy of the first: change one thing to see what it does.
      els.layers[1].value = els.layers[0].value;
      layer2Set = true;
    }
    els.layers[1].hidden = !els.stack.checked;
    update({ ...readControls(), step: 1 });
  });
  for (const axis of ['height', 'width']) {
    els[axis].addEventListener('change', () => {
      const next = readControls();
      writeControls(next);
      update(next);
    });
  }
  document.querySelector('.size-fields').addEventListener('click', (event) => {
    const button = event.target.closest('[data-size]');
    if (!button) return;
    const input = els[button.dataset.size];
    input.value = String(Number(input.value) + Number(button.dataset.step));
    const next = readControls();
    writeControls(next);
    update(next);
  });
  $('#display').addEventListener('change', () => {
    state = { ...state, colormap: document.querySelector('input[name=colormap]:checked').value };
    if (shown) draw();
  });
  document.addEventListener('select-pixel', (event) => selectPixel(event.detail.row, event.detail.column));
  document.addEventListener('step-change', (event) => showStep(event.detail.index));
  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', () => {
    const next = decodeHash(location.hash, engine.catalog().modes);
    writeControls(next);
    update(next);
  });
}

async function start() {
  try {
    engine = await loadEngine();
  } catch (error) {
    console.error(error); // for whoever debugs it; the banner is for everyone else
    const banner = $('#fatal');
    banner.hidden = false;
    banner.textContent = `The compute engine could not start: ${error.message}. Reload the page to try again.`;
    return;
  }
  const { modes } = engine.catalog();
  for (const panel of els.layers) panel.init(modes);
  buildPresets();
  buildModeList(modes);
  state = location.hash.length > 1 ? decodeHash(location.hash, modes) : structuredClone(DEFAULT_STATE);
  writeControls(state);
  bind();
  update(state);
}

start();
