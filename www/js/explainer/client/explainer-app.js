// The explainer page: reads the controls into a state, keeps it in the URL hash, asks the
// core for the layout, the counts and the selected pixel's windows, and shows them. The
// engine runs on the main thread, unlike the explorer's worker: a layer over at most 16×16
// pixels takes microseconds, and calling it synchronously lets every key press redraw at once
// with no request to coalesce.
//
// Problems are shown where the core says they are (`subject`, `position`, `field`), never by
// reading their wording. A link — or anything asked while nothing is drawn yet — is never
// left broken: the nearest view the core can draw is shown, with why and what changed, also
// above the figures so it is seen on any screen. Once a view is on screen, a configuration
// the core refuses keeps it, marked "not updated", with the message beside the control.

import '../../shared/offline.js';
import { loadEngine, problemOf } from '../../engine/engine.js';
import { escapeXml } from '../../shared/draw.js';
import { scrollBehavior } from '../../shared/motion.js';
import {
  PRESETS, changesText, decodeHash, defaultState, encodeHash, pixelLabel, presetState, problemPlace, stepProblem, toConfig,
} from '../shared/model.js';
import { drawDownstream, drawFigures, stepKeys } from './figures.js';
import './grids.js';
import './layer-controls.js';
import './steps.js';
import { initExplainExports } from './explain-exports.js';

const $ = (selector) => document.querySelector(selector);

const els = {
  presets: $('#preset-list'),
  height: $('#height'),
  width: $('#width'),
  sizeHint: $('#size-hint'),
  sizeError: $('#size-error'),
  layers: [$('#layer-1'), $('#layer-2')],
  stack: $('#stack'),
  colormaps: $('#colormap-choices'),
  colormapError: $('#colormap-error'),
  notice: $('#notice'),
  padded: $('#padded'),
  counts: $('#counts'),
  firstCounts: $('#first-counts'),
  downstream: $('#downstream'),
  steps: $('#steps'),
  modeList: $('#mode-list'),
};

let engine;
/** @type {import('../shared/model.js').Catalog} */
let catalog;
/** @type {import('../shared/model.js').State} the state on screen */
let state;
/** Whether layer 2 has had settings of its own yet (else ticking the box copies layer 1). */
let layer2Set = false;
/** The last view the core accepted: {explanation, pixel: PixelExplanation}; `state` describes it. */
let shown = null;
/** The problems on show, as `showProblems` last took them. */
let problems = { list: [], stale: false, link: false };

/** @returns {import('../shared/model.js').State} the controls' state; the view part (pixel, step) as shown */
function readControls() {
  // As typed (a whole number, at least 0): whether the core can draw it is the core's to say.
  const side = (input) => Math.max(0, Math.round(Number(input.value)) || 0);
  const stacked = els.stack.checked;
  return {
    ...state,
    height: side(els.height),
    width: side(els.width),
    layers: stacked ? [els.layers[0].value, els.layers[1].value] : [els.layers[0].value],
  };
}

/** @param {import('../shared/model.js').State} next */
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
  for (const input of els.colormaps.querySelectorAll('input')) input.checked = input.value === next.colormap;
  syncSizeSteppers(next);
}

function syncSizeSteppers(next) {
  const { side } = catalog.limits.explainer;
  for (const axis of ['height', 'width']) {
    document.querySelector(`[data-size=${axis}][data-step="-1"]`).disabled = next[axis] <= 1;
    document.querySelector(`[data-size=${axis}][data-step="1"]`).disabled = next[axis] >= side;
  }
}

/**
 * The widest padding the core allows a layer of this kernel and dilation.
 * @param {import('../shared/model.js').Layer} layer @returns {number}
 */
function widestPadding(layer) {
  return engine.explainMaxPadding(layer.kernel, layer.dilation);
}

const sameConfig = (a, b) => JSON.stringify(toConfig(a)) === JSON.stringify(toConfig(b));

/** A pixel's name from its row and column, on an image `width` pixels wide. */
const labelOf = (width) => (row, column) => pixelLabel(row * width + column);

/** A message as a sentence (capital, full stop), so that what was changed can follow it. */
const sentence = (text) => `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;

/**
 * Computes and shows `next` from the controls; if the core refuses it, says why beside the
 * control and keeps the last view. With nothing on screen yet, shows the nearest view instead.
 * @param {import('../shared/model.js').State} next
 */
function update(next) {
  if (!shown) {
    openLink(next, []);
    return;
  }
  let explanation;
  try {
    explanation = engine.explain(toConfig(next));
  } catch (error) {
    showProblems([problemOf(error)], { stale: true });
    return;
  }
  // A smaller image takes the selected pixel with it, to the nearest pixel it has.
  const pixel = next.pixel.map((v, i) => Math.min(v, [next.height, next.width][i] - 1));
  show({ ...next, pixel }, explanation, [], false);
}

/**
 * Shows what a link asks for, or the nearest view the core can draw, with why and what was
 * changed; its pixel and window are checked against what is drawn.
 * @param {import('../shared/model.js').State} asked
 * @param {import('../shared/model.js').Problem[]} found what could not be read of the link
 */
function openLink(asked, found) {
  let nearest;
  try {
    nearest = engine.explainNearestValid(toConfig(asked));
  } catch (error) {
    // A configuration the core cannot even read: the default view, and why.
    nearest = { config: toConfig(defaultState(catalog)), problem: problemOf(error) };
  }
  let next = asked;
  const list = [...found];
  if (nearest) {
    next = { ...asked, ...nearest.config };
    list.push({ ...nearest.problem, message: `${sentence(nearest.problem.message)} ${changesText(asked, next)}`.trim() });
  }
  writeControls(next);
  show(next, engine.explain(toConfig(next)), list, true);
}

/**
 * Draws an explanation the core has given for `next`, with the problems it came with.
 * @param {import('../shared/model.js').State} next
 * @param {object} explanation the core's Explanation of `next`
 * @param {import('../shared/model.js').Problem[]} list
 * @param {boolean} link whether `next` came from a link (its pixel and window may not exist)
 */
function show(next, explanation, list, link) {
  const config = toConfig(next);
  const found = [...list];
  let pixel;
  try {
    pixel = engine.explainPixel(config, next.pixel[0], next.pixel[1]);
  } catch (error) {
    // Only a link asks for a pixel outside the image (the controls keep it inside).
    const at = next.pixel.map((v, i) => Math.min(v, [next.height, next.width][i] - 1));
    const name = labelOf(next.width)(...at);
    found.push({ ...problemOf(error), message: `${sentence(error.message)} Showing pixel ${name} (row ${at[0]}, column ${at[1]}).` });
    next = { ...next, pixel: at };
    pixel = engine.explainPixel(config, at[0], at[1]);
  }
  const windows = pixel.windows.length;
  const stepIssue = link ? stepProblem(next.step, windows, labelOf(next.width)(...next.pixel)) : null;
  if (stepIssue) found.push(stepIssue);
  state = { ...next, step: Math.min(Math.max(1, next.step), Math.max(1, windows)) };
  shown = { explanation, pixel };
  showProblems(found, { link });
  draw();
}

/**
 * Puts each problem where it belongs (model.js `problemPlace`), and clears the rest.
 * @param {import('../shared/model.js').Problem[]} list
 * @param {{stale?: boolean, link?: boolean}} how `stale`: the view on screen is not the
 *   controls' (the core refused them); `link`: they came with a link, so the notice above the
 *   figures repeats them where they are seen first
 */
function showProblems(list, { stale = false, link = false } = {}) {
  problems = { list, stale, link };
  const at = { size: [], layer: [[], []], pixel: [], step: [], colormap: [], page: [] };
  const worded = list.map((problem) => ({ ...problem, message: sentence(problem.message) }));
  for (const problem of worded) {
    const { place, index } = problemPlace(problem);
    (place === 'layer' ? at.layer[index] ?? at.page : at[place]).push(problem);
  }
  const text = (group) => group.map((p) => p.message).join(' ');
  setMessage(els.sizeError, text(at.size));
  for (const axis of ['height', 'width']) {
    // Only a refused value is invalid (a corrected link holds good ones). A size problem
    // with no field (a kernel wider than the image) is about both sides.
    const bad = stale && at.size.some((p) => p.field === axis || (p.field !== 'height' && p.field !== 'width'));
    els[axis].toggleAttribute('aria-invalid', bad);
    if (bad) els[axis].setAttribute('aria-errormessage', els.sizeError.id);
    else els[axis].removeAttribute('aria-errormessage');
  }
  els.layers.forEach((panel, i) => panel.report(at.layer[i], stale));
  els.counts.problem = text(at.pixel) || null;
  els.steps.problem = text(at.step) || null;
  setMessage(els.colormapError, text(at.colormap));
  showNotice(link ? worded : at.page, link);
  for (const view of [els.padded, els.counts, els.firstCounts, els.downstream, els.steps]) view.stale = stale;
  document.body.dataset.status = 'idle';
}

function setMessage(element, message) {
  element.hidden = !message;
  element.textContent = message;
}

/** Where each place's message is, and what the notice calls it. */
const PLACES = {
  size: { label: 'the image size', element: () => $('#height').closest('fieldset') },
  layer: { label: (i) => `layer ${i + 1}`, element: (i) => els.layers[i] },
  pixel: { label: 'the count map', element: () => els.counts },
  step: { label: 'the windows', element: () => els.steps },
  colormap: { label: 'the colours', element: () => $('#display') },
};

/**
 * The problems of a link (or ones about no control) above the figures, each with a button
 * to the control it is about: on a phone the controls come after the figures.
 */
function showNotice(list, link) {
  els.notice.hidden = list.length === 0;
  if (!list.length) {
    els.notice.innerHTML = '';
    return;
  }
  const items = list.map((problem) => {
    const { place, index } = problemPlace(problem);
    const target = PLACES[place];
    const label = typeof target?.label === 'function' ? target.label(index) : target?.label;
    const go = target
      ? ` <button type="button" class="notice-go" data-place="${place}" data-index="${index ?? ''}" data-field="${escapeXml(problem.field ?? '')}">Go to ${escapeXml(label)}</button>`
      : '';
    return `<li><span class="notice-message">${escapeXml(problem.message)}</span>${go}</li>`;
  });
  els.notice.innerHTML =
    (link ? '<p class="notice-title">This link asks for something the explainer cannot show, so it shows the nearest view it can.</p>' : '') +
    `<ul class="notice-list">${items.join('')}</ul>`;
}

/**
 * Takes the reader from the notice to the control a problem is about: the field's own
 * control (in a group of radios, the chosen one), else the place's first.
 */
function goToPlace(place, index, field) {
  const element = PLACES[place].element(index);
  element.scrollIntoView({ behavior: scrollBehavior(), block: 'center' });
  const own = field ? element.querySelector(`#${CSS.escape(field)}, [data-group="${CSS.escape(field)}"]`) : null;
  const fallback = ['.grid-frame[tabindex]', 'input[type=number]:not(:disabled)', 'input:checked', 'button:not(:disabled)'];
  const control = own?.matches('input, select') ? own : own?.querySelector('input:checked')
    ?? fallback.map((selector) => element.querySelector(selector)).find(Boolean);
  control?.focus({ preventScroll: true });
}

/** Drops the problems about one field (the user has just chosen it anew). */
function dismiss(field) {
  const rest = problems.list.filter((p) => p.field !== field);
  if (rest.length !== problems.list.length) showProblems(rest, { stale: problems.stale, link: problems.link });
}

function draw() {
  els.layers.forEach((panel, i) => {
    const view = shown.explanation.layers[i];
    panel.sizes = view ? { input: view.input, output: view.output } : null;
  });
  for (const button of els.presets.querySelectorAll('button')) {
    button.setAttribute('aria-pressed', String(sameConfig(state, presetState(button.dataset.preset))));
  }
  drawFigures(els, engine, { state, ...shown }, 'Arrow keys move the selected pixel.');
  writeHash();
}

function writeHash() {
  history.replaceState(null, '', `#${encodeHash(state)}`);
}

/** Moves to window `index` (0-based) of the shown pixel without recomputing anything. */
function showStep(index) {
  state = { ...state, step: index + 1 };
  els.padded.visit = shown.pixel.windows[index] ?? null;
  if (state.layers.length > 1) drawDownstream(els, engine, state.colormap, shown.explanation, shown.pixel.windows[index] ?? null);
  writeHash();
  dismiss('step');
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

function buildModeList() {
  els.modeList.innerHTML = catalog.modes
    .map((m) =>
      `<div class="mode-entry"><dt><button type="button" class="mode-try" data-mode="${escapeXml(m.name)}" aria-label="Show ${escapeXml(m.name)} padding on layer 1">${escapeXml(m.name)}</button></dt>` +
      `<dd>${escapeXml(m.does)} <em>${escapeXml(m.effect)}</em></dd></div>`)
    .join('');
  els.modeList.addEventListener('click', (event) => {
    const mode = event.target.closest('[data-mode]')?.dataset.mode;
    if (!mode) return;
    const next = { ...state, layers: [{ ...state.layers[0], mode }, ...state.layers.slice(1)], step: 1 };
    writeControls(next);
    update(next);
    $('#stage').scrollIntoView({ behavior: scrollBehavior(), block: 'start' });
  });
}

function buildColormaps() {
  els.colormaps.innerHTML = catalog.colormaps
    .map((name) => {
      const id = `colormap-${escapeXml(name)}`;
      return `<input type="radio" name="colormap" id="${id}" value="${escapeXml(name)}"><label for="${id}">${escapeXml(name)}</label>`;
    })
    .join('');
}

/** Space plays or pauses, [ and ] step — anywhere but in a field or on a control of its own. */
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
      els[axis].value = String(next[axis]);
      syncSizeSteppers(next);
      update(next);
    });
  }
  document.querySelector('.size-fields').addEventListener('click', (event) => {
    const button = event.target.closest('[data-size]');
    if (!button) return;
    const input = els[button.dataset.size];
    input.value = String(Number(input.value) + Number(button.dataset.step));
    const next = readControls();
    syncSizeSteppers(next);
    update(next);
  });
  $('#display').addEventListener('change', () => {
    state = { ...state, colormap: els.colormaps.querySelector('input:checked').value };
    draw();
    dismiss('colormap');
  });
  els.notice.addEventListener('click', (event) => {
    const button = event.target.closest('[data-place]');
    if (button) goToPlace(button.dataset.place, Number(button.dataset.index), button.dataset.field);
  });
  // In-page links scroll without touching the hash, which holds the view.
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#"]');
    const target = link && document.getElementById(link.getAttribute('href').slice(1));
    if (!target) return;
    event.preventDefault();
    target.scrollIntoView({ behavior: scrollBehavior(), block: 'start' });
  });
  document.addEventListener('select-pixel', (event) => selectPixel(event.detail.row, event.detail.column));
  document.addEventListener('step-change', (event) => showStep(event.detail.index));
  document.addEventListener('keydown', (event) => stepKeys(event, els.steps));
  window.addEventListener('hashchange', () => {
    const link = decodeHash(location.hash, catalog);
    openLink(link.state, link.problems);
  });
}

async function start() {
  initExplainExports({ engine: () => engine, view: () => shown && { state, ...shown }, link: () => new URL(`#${encodeHash(state)}`, location.href).href });
  try {
    engine = await loadEngine();
  } catch (error) {
    console.error(error); // for whoever debugs it; the banner is for everyone else
    const banner = $('#fatal');
    banner.hidden = false;
    banner.textContent = `The compute engine could not start: ${error.message}. Reload the page to try again.`;
    return;
  }
  catalog = engine.catalog();
  const limits = catalog.limits.explainer;
  for (const panel of els.layers) panel.init({ modes: catalog.modes, limits, widestPadding });
  for (const axis of ['height', 'width']) els[axis].max = String(limits.side);
  els.sizeHint.textContent = `1 to ${limits.side} pixels a side, named a–z, then A–Z, then numbered.`;
  buildPresets();
  buildModeList();
  buildColormaps();
  const link = location.hash.length > 1 ? decodeHash(location.hash, catalog) : { state: defaultState(catalog), problems: [] };
  bind();
  openLink(link.state, link.problems);
}

start();
