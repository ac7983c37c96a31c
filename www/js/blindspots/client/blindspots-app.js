// The Blind spots page: a stimulus-detectability grid (docs/definitions.md §5) of a bundled
// demo or the user's ONNX model, computed by a pool of workers (detect-pool.js) and drawn as
// it fills in, optionally beside a second configuration and their difference, with row and
// column profiles, the shift experiment, exports and the view in the URL. Names, defaults and
// labels come from the core's catalog; every number is computed by the core.

import '../../shared/offline.js';
import { loadEngine, problemOf } from '../../engine/engine.js';
import { escapeXml, formatNumber, formatPercent, lineChartSvg } from '../../shared/draw.js';
import { DetectPool } from './detect-pool.js';
import { backgroundCanvas, decodeImage } from './images.js';
import { shiftChartHtml, shiftRates } from '../shared/shift-chart.js';
import { acceptDroppedFile } from '../../shared/drop-zone.js';
import './grid-view.js';
import { embedOf } from '../../embed/shared/snippets.js';
import { gridProfiles } from '../shared/grid-draw.js';
import { csvTable, jsonText, standaloneSvg } from '../../shared/export.js';
import { mapPng } from '../../shared/map-png.js';
import '../../shared/share-menu.js';

const $ = (selector) => document.querySelector(selector);
const MODELS_URL = new URL('../../../models/', import.meta.url);
const OWN = '';
/** The demo menus' entries for a dropped file: A's, and B's. */
const USER_FILE = 'file:';
const USER_FILE_B = 'file:b';
/** How long the controls must stay still before a new grid starts, in ms. */
const SETTLE_MS = 350;
/** How often a grid that is filling in is redrawn, in ms. */
const REDRAW_MS = 200;

let engine;
let catalog;
let demos = [];
/** Bundled background images (models/index.json `backgrounds`): [{file, label}]. */
let bundledBackgrounds = [];
/** @type {Map<string, {key: string, bytes: ArrayBuffer, label: string, declared: (number|null)[]}>} */
const models = new Map();
/** A decoded image the user chose, with a version that changes when it does. */
const images = { background: null, stimulus: null };
let imageVersion = 0;

// One worker per core: each holds its own copy of the model and plan (full-size ResNet-18 at
// 224: 45 MB of weights and 22 MB of kept values and their baseline), so more would only
// share the same cores.
const pool = new DetectPool(Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 8)));
let generation = 0;
let running = false;
/**
 * The last grids drawn: A and B ({placements, scores, background, caption}) and their
 * difference B − A ({placements, scores}) when both are shown.
 */
const grids = { A: null, B: null, diff: null };
let settleTimer = 0;

function setStatus(text) {
  $('#status').textContent = text;
}

function showError(element, message) {
  if (!element) return;
  element.textContent = message ?? '';
  element.hidden = !message;
}

const ERROR_SLOTS = ['model', 'size', 'background', 'stimulus', 'stimulus_size', 'stride', 'score', 'run'];

function clearErrors() {
  for (const slot of ERROR_SLOTS) showError($(`#${slot}-error`), null);
}

/** Puts a core problem beside the control at fault (its field, else its subject). */
function placeProblem(problem, prefix = '') {
  const field = problem.field;
  const slot =
    ['background', 'stimulus', 'stimulus_size', 'stride', 'score'].includes(field) ? field
    : field === 'height' || field === 'width' || problem.subject === 'size' ? 'size'
    : field === 'model' ? 'model'
    : 'run';
  showError($(`#${slot}-error`), prefix + problem.message);
}

// ---- the controls ----

function fillSelect(select, options) {
  select.replaceChildren(
    ...options.map(([value, label]) => {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = label;
      return option;
    }),
  );
}

function modeOptions() {
  return [[OWN, "the model's own"], ...catalog.modes.map((m) => [m.name, m.label])];
}

function demoOptions() {
  return demos.map((d) => [d.file, d.label]);
}

function buildControls() {
  const detect = catalog.detect;
  fillSelect($('#demo'), demoOptions());
  fillSelect($('#compare-demo'), [['', 'the same as A'], ...demoOptions()]);
  fillSelect($('#mode'), modeOptions());
  fillSelect($('#compare-mode'), modeOptions());
  fillSelect($('#normalization'), catalog.normalizations.map((n) => [n.name, n.label]));
  fillSelect($('#background'), detect.backgrounds.map((k) => [k.name, k.label]));
  fillSelect($('#background-bundled'), [['', 'your own file'], ...bundledBackgrounds.map((b) => [b.file, b.label])]);
  fillSelect($('#stimulus'), detect.stimuli.map((k) => [k.name, k.label]));
  fillSelect($('#score-kind'), detect.scores.map((k) => [k.name, `${k.syntax}: ${k.label}`]));
  fillSelect($('#colormap'), catalog.colormaps.map((name) => [name, name]));
  $('#stimulus-size').value = detect.stimulus_size;
  $('#stride').value = detect.stride;
  $('#threshold').value = detect.threshold;
  $('#score-iou').value = detect.iou;
  // The menus start at the core's first entries: grey, the traffic light, class:K.
}

/** The view as the controls describe it: everything the URL keeps. */
function readState() {
  return {
    demo: $('#demo').value,
    height: $('#height').value,
    width: $('#width').value,
    mode: $('#mode').value,
    normalization: $('#normalization').value,
    background: $('#background').value,
    bgimage: $('#background').value === 'image' ? $('#background-bundled').value : '',
    seed: $('#seed').value,
    stimulus: $('#stimulus').value,
    size: $('#stimulus-size').value,
    stride: $('#stride').value,
    score: $('#score-kind').value,
    k: $('#score-index').value,
    iou: $('#score-iou').value,
    threshold: $('#threshold').value,
    compare: $('#compare').checked ? '1' : '',
    full: $('#full').checked ? '1' : '',
    bdemo: $('#compare-demo').value,
    bmode: $('#compare-mode').value,
    opacity: $('#opacity').value,
    colormap: $('#colormap').value,
    range: $('#range').value,
    smax: $('#max-shift').value,
    shift: shiftCell ? `${shiftCell.row},${shiftCell.col}` : '',
  };
}

const CONTROLS = {
  demo: '#demo', height: '#height', width: '#width', mode: '#mode', normalization: '#normalization',
  background: '#background', bgimage: '#background-bundled', seed: '#seed', stimulus: '#stimulus', size: '#stimulus-size', stride: '#stride',
  score: '#score-kind', k: '#score-index', iou: '#score-iou', threshold: '#threshold', bdemo: '#compare-demo',
  bmode: '#compare-mode', opacity: '#opacity', colormap: '#colormap', range: '#range', smax: '#max-shift',
};

/**
 * Sets the controls from a URL hash. A menu value the page does not offer is left at the
 * default, and said so; numbers go to the core as they are (it says what is wrong).
 * @returns {string[]} what was not applied
 */
function applyHash(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const ignored = [];
  for (const [name, selector] of Object.entries(CONTROLS)) {
    const value = params.get(name);
    if (value === null) continue;
    const control = $(selector);
    if (control instanceof HTMLSelectElement && ![...control.options].some((o) => o.value === value)) {
      ignored.push(`${name}=${value}`);
      continue;
    }
    control.value = value;
  }
  if (params.has('compare')) $('#compare').checked = params.get('compare') === '1';
  $('#full').checked = params.get('full') === '1';
  const shift = /^(\d+),(\d+)$/.exec(params.get('shift') ?? '');
  pendingShift = shift ? { row: Number(shift[1]), col: Number(shift[2]) } : null;
  return ignored;
}

function writeHash() {
  const state = readState();
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(state)) if (value !== '') params.set(name, value);
  history.replaceState(null, '', `#${params}`);
}

function syncVisibility() {
  $('#seed-field').hidden = $('#background').value !== 'noise';
  $('#bundled-field').hidden = $('#background').value !== 'image';
  $('#background-file').hidden = $('#background').value !== 'image' || $('#background-bundled').value !== '';
  $('#stimulus-file').hidden = $('#stimulus').value !== 'image';
  const iou = takesIou($('#score-kind').value);
  $('#score-iou').hidden = !iou;
  $('#score-iou-label').hidden = !iou;
  $('#compare-fields').hidden = !$('#compare').checked;
}

/** The score as the core reads it, e.g. `class:3` or `boxes:0@0.5`. */
function scoreText(state) {
  return takesIou(state.score) ? `${state.score}:${state.k}@${state.iou}` : `${state.score}:${state.k}`;
}

/** The detectability request of one side (wasm.rs `DetectRequestJs`). */
function requestFor(state, mode) {
  const request = {
    height: Number(state.height),
    width: Number(state.width),
    background: state.background === 'noise' ? `noise:${state.seed}` : state.background,
    stimulus: state.stimulus,
    stimulusSize: Number(state.size),
    stride: Number(state.stride),
    score: scoreText(state),
    normalization: state.normalization,
    full: state.full === '1',
  };
  if (mode !== OWN) request.mode = mode;
  if (state.background === 'image') request.backgroundImage = images.background;
  if (state.stimulus === 'image') request.stimulusImage = images.stimulus;
  return request;
}

/** The checks the core cannot make: numbers it would receive as something else. */
function formProblem(state) {
  const max = catalog.limits.max_side;
  const whole = (value, min, max) => Number.isInteger(Number(value)) && value !== '' && Number(value) >= min && Number(value) <= max;
  if (!whole(state.height, 1, max) || !whole(state.width, 1, max)) return { slot: 'size', message: `Height and width must be whole numbers from 1 to ${max}.` };
  if (!whole(state.size, 0, max)) return { slot: 'stimulus_size', message: `The stimulus size must be a whole number up to ${max}.` };
  if (!whole(state.stride, 0, max)) return { slot: 'stride', message: `The stride must be a whole number up to ${max}.` };
  if (!whole(state.k, 0, 2 ** 31)) return { slot: 'score', message: 'K must be a whole number, 0 or more.' };
  // The seed goes to the core as text (it may exceed 2^53), which checks its range.
  if (state.background === 'noise' && !/^\d+$/.test(state.seed)) return { slot: 'background', message: 'The seed must be a whole number, 0 or more.' };
  if (state.background === 'image' && !images.background) return { slot: 'background', message: state.bgimage ? `${state.bgimage} is still loading.` : 'Choose a background image.' };
  if (state.stimulus === 'image' && !images.stimulus) return { slot: 'stimulus', message: 'Choose a stimulus image (a PNG with alpha).' };
  if (!Number.isFinite(Number(state.threshold)) || state.threshold === '') return { slot: 'score', message: 'The threshold must be a number.' };
  return null;
}

// ---- models ----

async function loadDemo(file) {
  const key = `demo:${file}`;
  if (models.has(key)) return models.get(key);
  const demo = demos.find((d) => d.file === file);
  if (!demo) throw Object.assign(new Error(`There is no bundled demo ${file}.`), { field: 'model' });
  const response = await fetch(new URL(file, MODELS_URL));
  if (!response.ok) throw Object.assign(new Error(`Could not load the demo ${file} (${response.status}).`), { field: 'model' });
  const bytes = await response.arrayBuffer();
  const entry = { key, bytes, label: demo.label, declared: await pool.check({ key, bytes }) };
  models.set(key, entry);
  return entry;
}

async function modelFor(value) {
  if (value.startsWith(USER_FILE)) {
    const entry = models.get(value);
    if (!entry) throw Object.assign(new Error('Drop or choose an ONNX file.'), { field: 'model' });
    return entry;
  }
  return loadDemo(value);
}

/**
 * Opens the user's ONNX file for the menu `select` (A's or B's): it becomes that menu's
 * "your file" entry, under the value `value`. A file that is not a model is said in
 * `errorSlot` and the last good model stays chosen.
 * @returns {Promise<boolean>} whether it opened
 */
async function openFile(file, { select, value, errorSlot }) {
  if (!file) return false;
  const cap = catalog.limits.model_bytes;
  if (file.size > cap) {
    showError(errorSlot, `${file.name} is ${formatNumber(file.size / 2 ** 20, 3)} MB; padlens opens models of up to ${formatNumber(cap / 2 ** 20, 4)} MB in a tab.`);
    return false;
  }
  const bytes = await file.arrayBuffer();
  const key = `${value}${file.name}:${file.size}:${Date.now()}`;
  try {
    const declared = await pool.check({ key, bytes });
    models.set(value, { key, bytes, label: file.name, declared });
  } catch (error) {
    showError(errorSlot, `${file.name}: ${error.message}`);
    return false;
  }
  showError(errorSlot, null);
  let option = select.querySelector(`option[value="${value}"]`);
  if (!option) {
    option = document.createElement('option');
    option.value = value;
    select.append(option);
  }
  option.textContent = `your file: ${file.name}`;
  select.value = value;
  return true;
}

async function openFileA(file) {
  if (await openFile(file, { select: $('#demo'), value: USER_FILE, errorSlot: $('#model-error') })) await modelChanged();
}

async function openFileB(file) {
  if (await openFile(file, { select: $('#compare-demo'), value: USER_FILE_B, errorSlot: $('#compare-error') })) schedule(0);
}

/**
 * A demo's own settings (models/index.json): its normalisation, a score that shows something
 * (its output for a trained detector, output 0's raw value for an untrained classifier) and
 * the background it was made for; `keep` names the settings a link gave, which stay.
 */
async function applyDemoDefaults(demo, keep = new Set()) {
  $('#demo-about').textContent = demo ? `${demo.about} ${demo.detect?.note ?? ''}` : '';
  if (!demo) return;
  if (!keep.has('normalization')) $('#normalization').value = demo.normalization;
  const [kind, k] = (demo.detect?.score ?? '').split(':');
  if (kind && !keep.has('score')) $('#score-kind').value = kind;
  if (k !== undefined && !keep.has('k')) $('#score-index').value = k;
  if (demo.detect?.threshold !== undefined && !keep.has('threshold')) $('#threshold').value = demo.detect.threshold;
  if (demo.detect?.background && !keep.has('background')) {
    $('#background').value = 'image';
    $('#background-bundled').value = demo.detect.background;
    syncVisibility();
    await loadBundledBackground(demo.detect.background);
  }
}

/**
 * Loads a bundled background image (models/index.json `backgrounds`) as if it were chosen as
 * a file; '' clears it for the user's own file.
 */
async function loadBundledBackground(file) {
  if (!file) {
    images.background = null;
    imageVersion++;
    return;
  }
  const response = await fetch(new URL(file, MODELS_URL)).catch(() => null);
  if (!response?.ok) {
    showError($('#background-error'), `Could not load the bundled image ${file}.`);
    return;
  }
  await openImage('background', new File([await response.blob()], file));
}

/** A new model for A: its declared size becomes the size (where it declares one). */
async function modelChanged() {
  showError($('#model-error'), null);
  const value = $('#demo').value;
  await applyDemoDefaults(demos.find((d) => d.file === value));
  try {
    const model = await modelFor(value);
    const [h, w] = model.declared;
    $('#height').value = h ?? catalog.defaults.size;
    $('#width').value = w ?? catalog.defaults.size;
  } catch (error) {
    showError($('#model-error'), error.message);
    return;
  }
  schedule(0);
}

/**
 * Decodes an image file into RGBA for the core; a file the browser cannot decode is said
 * beside its control, and the last good image stays.
 */
async function openImage(which, file) {
  if (!file) return;
  try {
    images[which] = await decodeImage(file);
    imageVersion++;
    showError($(`#${which}-error`), null);
    schedule(0);
  } catch {
    showError($(`#${which}-error`), `${file.name} is not an image this browser can decode.`);
  }
}

// ---- computing and drawing ----

function schedule(delay = SETTLE_MS) {
  clearTimeout(settleTimer);
  settleTimer = setTimeout(() => compute().catch(fatal), delay);
}

function fatal(error) {
  console.error(error);
  $('#fatal').textContent = `Something went wrong: ${error.message}`;
  $('#fatal').hidden = false;
}

/** Scores that are probabilities (softmax, a detector's box scores) lie in [0, 1]. */
const isProbability = (state) => catalog.detect.probability_scores.includes(state.score);
/** Scores that take an IoU threshold τ. */
const takesIou = (kind) => catalog.detect.scores_with_iou.includes(kind);

/** The colour bar's range: shared by A and B when they are compared, so colours compare. */
function colourRange(state) {
  if (state.range === 'unit' || (state.range === 'auto' && isProbability(state))) return [0, 1];
  let low = Infinity;
  let high = -Infinity;
  for (const grid of [grids.A, state.compare ? grids.B : null]) {
    for (const v of grid?.scores ?? []) {
      if (!Number.isFinite(v)) continue;
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
  }
  return low <= high ? [low, high] : [0, 1];
}

function describe(side, state, model, mode) {
  const modeName = mode === OWN ? "model's own padding" : `${mode} padding`;
  return `${side}: ${model.label}, ${state.height}×${state.width}, ${modeName}`;
}

/** Shows side A or B of the state, filling as scores arrive. */
function showGrid(side, state) {
  const grid = grids[side];
  const view = $(side === 'A' ? '#grid-a' : '#grid-b');
  view.hidden = false;
  view.show({
    placements: grid.placements,
    background: grid.background,
    scores: grid.scores,
    range: colourRange(state),
    colormap: state.colormap,
    threshold: Number(state.threshold),
    opacity: Number(state.opacity),
    caption: grid.caption,
    label: isProbability(state) ? 'probability' : 'score',
  });
}

/** The difference's colour range is ±this: its largest |B − A| (1 when all are equal). */
function diffExtent(diff) {
  let extent = 0;
  for (const d of diff) if (Number.isFinite(d)) extent = Math.max(extent, Math.abs(d));
  return extent || 1;
}

function showDifference(state) {
  const view = $('#grid-diff');
  const { A, B } = grids;
  const comparable = state.compare && A && B && A.placements.rows === B.placements.rows && A.placements.cols === B.placements.cols;
  view.hidden = !comparable;
  grids.diff = null;
  if (!comparable) return;
  const diff = B.scores.map((b, i) => b - A.scores[i]);
  grids.diff = { placements: A.placements, scores: diff };
  const extent = diffExtent(diff);
  view.show({
    placements: A.placements,
    background: A.background,
    scores: diff,
    range: [-extent, extent],
    colormap: catalog.ratio_colormap,
    threshold: null,
    opacity: Number(state.opacity),
    caption: 'B − A: blue where B scores higher, red where A does',
    label: 'B − A',
  });
}

function showRates(state) {
  const threshold = Number(state.threshold);
  const lines = [];
  for (const side of ['A', 'B']) {
    const grid = grids[side];
    if (!grid || (side === 'B' && !state.compare)) continue;
    const done = grid.scores.filter(Number.isFinite);
    const detected = done.filter((v) => v >= threshold).length;
    const rate = done.length ? detected / done.length : 0;
    lines.push(`<p><strong>${side}</strong>: detection rate <strong>${formatPercent(rate)}</strong> — ${detected} of ${done.length} placements score ≥ ${escapeXml(state.threshold)}${done.length < grid.scores.length ? ` (${grid.scores.length - done.length} not computed)` : ''}</p>`);
  }
  $('#rates').innerHTML = lines.join('');
}

function showProfiles(state) {
  const sides = ['A', 'B'].filter((side) => grids[side] && (side === 'A' || state.compare));
  for (const [axis, box, label] of [['rows', '#row-profile', 'stimulus centre, y (px)'], ['cols', '#col-profile', 'stimulus centre, x (px)']]) {
    const element = $(box);
    const series = sides.map((side, i) => {
      const { placements: p, scores } = grids[side];
      const means = gridProfiles(scores, p.rows, p.cols)[axis];
      return {
        label: side,
        className: i === 0 ? 'series-a' : 'series-b',
        marker: i === 0 ? 'circle' : 'square',
        points: Array.from(means, (y, j) => ({ x: j * p.stride + p.size / 2, y: Number.isFinite(y) ? y : null, title: `${side}, ${axis === 'rows' ? 'row' : 'column'} ${j + 1}: ${formatNumber(y, 4)}` })),
      };
    });
    if (series.length === 0) {
      element.replaceChildren();
      continue;
    }
    const [h, w] = grids.A.placements.image;
    const key = (className, marker, label) => `<span class="key-item"><svg width="30" height="12" aria-hidden="true"><line class="series ${className}" x1="1" x2="29" y1="6" y2="6"/><g class="dots ${className}">${marker === 'circle' ? '<circle cx="15" cy="6" r="3.2"/>' : '<rect x="12" y="3" width="6" height="6"/>'}</g></svg> ${escapeXml(label)}</span>`;
    const legend = sides.length > 1 ? `<p class="legend chart-legend">${series.map((s) => key(s.className, s.marker, grids[s.label].caption)).join('')}</p>` : '';
    element.innerHTML = legend + lineChartSvg(series, {
      width: Math.max(260, element.clientWidth || 320),
      height: 220,
      xDomain: [0, axis === 'rows' ? h : w],
      xLabel: label,
      yLabel: `mean ${isProbability(state) ? 'probability' : 'score'}`,
      rules: [{ y: Number(state.threshold), label: 'threshold' }],
      yFromZero: isProbability(state),
      description: `Mean score per ${axis === 'rows' ? 'row' : 'column'} of placements${sides.length > 1 ? ', A and B' : ''}`,
    });
  }
}

function redrawAll() {
  const state = readState();
  if (grids.A) showGrid('A', state);
  if (grids.B && state.compare) showGrid('B', state);
  else $('#grid-b').hidden = true;
  showDifference(state);
  showRates(state);
  showProfiles(state);
  syncExportMenu(state);
}

function formatDuration(ms) {
  const s = ms / 1000;
  return s < 60 ? `${formatNumber(s, 2)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

async function compute() {
  const state = readState();
  writeHash();
  syncVisibility();
  clearErrors();
  const problem = formProblem(state);
  if (problem) {
    showError($(`#${problem.slot}-error`), problem.message);
    return;
  }
  const mine = ++generation;
  if (running) pool.cancel();
  if (shiftCell) clearShift('The settings changed: click a cell for its shift experiment again.');
  shiftCell = null;
  let chosen;
  try {
    const a = await modelFor(state.demo);
    const b = state.compare ? await modelFor(state.bdemo || state.demo) : null;
    chosen = [a, b];
  } catch (error) {
    if (mine === generation) placeProblem(problemOf(error));
    return;
  }
  if (mine !== generation) return;
  const sides = [['A', chosen[0], state.mode]];
  if (state.compare) sides.push(['B', chosen[1], state.bmode]);
  running = true;
  delete $('#run-status').dataset.ms;
  $('#cancel').disabled = false;
  document.body.dataset.status = 'computing';
  const started = performance.now();
  let done = 0;
  let total = 0;
  let frame = 0;
  const progress = () => {
    const elapsed = performance.now() - started;
    $('#progress').value = total ? done / total : 0;
    const left = done > 0 ? (elapsed / done) * (total - done) : NaN;
    $('#run-status').textContent = `${done} of ${total} placements · ${formatDuration(elapsed)}${done > 0 && done < total ? ` · about ${formatDuration(left)} left` : ''}`;
  };
  try {
    for (const [index, [side, model, mode]] of sides.entries()) {
      const request = requestFor(state, mode);
      const key = JSON.stringify({ ...request, backgroundImage: undefined, stimulusImage: undefined, imageVersion });
      await pool.run({ model, key, request }, {
        onStart: (placements, background) => {
          if (mine !== generation) return;
          const count = placements.rows * placements.cols;
          // B's size is known only when it starts: until then it is counted as A's.
          total = index === 0 ? count * sides.length : done + count;
          grids[side] = {
            placements,
            background: backgroundCanvas(background, placements.image),
            scores: new Float64Array(count).fill(NaN),
            caption: describe(side, state, model, mode),
          };
          if (index === 0) grids.B = state.compare ? grids.B : null;
          showGrid(side, state);
          progress();
        },
        onScores: (start, scores) => {
          if (mine !== generation) return;
          grids[side].scores.set(scores, start);
          done += scores.length;
          progress();
          // Redrawn at most every REDRAW_MS: on a 2-core machine the page's thread shares
          // the cores with the workers, and a redraw per frame took time from them.
          if (!frame) {
            frame = setTimeout(() => {
              frame = 0;
              if (mine !== generation) return;
              showGrid(side, state);
              showRates(state);
            }, REDRAW_MS);
          }
        },
      });
    }
    if (mine !== generation) return;
    const linked = pendingShift;
    pendingShift = null;
    const p = grids.A.placements;
    if (linked && linked.row < p.rows && linked.col < p.cols) {
      computeShift({ ...linked, index: linked.row * p.cols + linked.col });
    }
    const elapsed = performance.now() - started;
    $('#run-status').textContent = `${done} placements in ${formatDuration(elapsed)} on ${pool.size} worker${pool.size === 1 ? '' : 's'}`;
    // The exact time, for the benchmark (tests/e2e/run-detect-bench.mjs).
    $('#run-status').dataset.ms = elapsed.toFixed(1);
    setStatus('');
  } catch (error) {
    if (mine !== generation) return;
    if (error.name === 'AbortError') {
      $('#run-status').textContent = `Cancelled after ${done} of ${total} placements.`;
    } else {
      placeProblem(problemOf(error));
      $('#run-status').textContent = '';
    }
  } finally {
    if (mine === generation) {
      running = false;
      $('#cancel').disabled = true;
      document.body.dataset.status = 'idle';
      redrawAll();
    }
  }
}

function cancel() {
  if (!running) return;
  generation++;
  pool.cancel();
  running = false;
  $('#cancel').disabled = true;
  document.body.dataset.status = 'idle';
  $('#run-status').textContent = `Cancelled: ${$('#run-status').textContent}`;
  redrawAll();
}

// ---- the shift experiment ----

/** The cell whose shift experiment is shown: {row, col, index}, or null. */
let shiftCell = null;
/** A cell the link names, to shift once grid A is computed. */
let pendingShift = null;
let shiftGeneration = 0;

function clearShift(message = '') {
  shiftGeneration++;
  shiftCurve = null;
  $('#shift-chart').replaceChildren();
  $('#shift-status').textContent = message;
}

async function computeShift(cell) {
  const state = readState();
  const grid = grids.A;
  if (!grid || !cell) return;
  shiftCell = cell;
  writeHash();
  const mine = ++shiftGeneration;
  const maxShift = Number($('#max-shift').value);
  showError($('#shift-error'), null);
  if (!Number.isInteger(maxShift) || maxShift < 0 || maxShift > catalog.limits.max_side) {
    showError($('#shift-error'), `S must be a whole number from 0 to ${catalog.limits.max_side}.`);
    return;
  }
  const p = grid.placements;
  const corner = [cell.row * p.stride, cell.col * p.stride];
  $('#shift-status').textContent = `Shifting the placement at y ${corner[0]}, x ${corner[1]}…`;
  try {
    const model = await modelFor(state.demo);
    const curve = await pool.shift(model, requestFor(state, state.mode), corner, maxShift);
    if (mine !== shiftGeneration) return;
    drawShift(curve, state);
  } catch (error) {
    if (mine !== shiftGeneration) return;
    $('#shift-status').textContent = '';
    if (error.name !== 'AbortError') showError($('#shift-error'), problemOf(error).message);
  }
}

/** The shift experiment on screen (the core's curve), for its downloads. */
let shiftCurve = null;

function drawShift(curve, state) {
  shiftCurve = curve;
  const threshold = Number(state.threshold);
  const [y0, x0] = curve.corner;
  const summary = shiftRates(curve, threshold).map((r) => `${r.direction} ${formatPercent(r.detected / r.shifts)}`);
  const unshifted = curve.directions[0].scores[0];
  $('#shift-status').textContent = `Stimulus at y ${y0}, x ${x0}: unshifted ${formatNumber(unshifted, 4)} (${unshifted >= threshold ? 'detected' : 'missed'}); detected when shifted ${summary.join(', ') || '— no room to shift'}.`;
  const element = $('#shift-chart');
  element.innerHTML = shiftChartHtml(curve, {
    width: Math.max(300, element.clientWidth || 600),
    threshold,
    yLabel: isProbability(state) ? 'probability' : 'score',
    yFromZero: isProbability(state),
  });
}

// ---- exports ----

/** A file name that says what a side's grid holds, e.g. `resnet18-narrow_224x224_own_…`. */
function fileStem(side) {
  const state = readState();
  const [menu, mode] = side === 'A' ? [state.demo, state.mode] : [state.bdemo || state.demo, state.bmode];
  const model = (menu.startsWith(USER_FILE) ? models.get(menu)?.label : menu)?.replace(/\.onnx$/, '') ?? 'model';
  return `${model}_${state.height}x${state.width}_${mode || 'own'}_${state.stimulus}${state.size}_stride${state.stride}_${scoreText(state).replace(/[:@]/g, '-')}`;
}

/** What the detection-rate lines say, as data: one entry per grid shown. */
function rates(state) {
  const threshold = Number(state.threshold);
  return ['A', 'B']
    .filter((side) => grids[side] && (side === 'A' || state.compare))
    .map((side) => {
      const scores = grids[side].scores;
      const done = scores.filter(Number.isFinite);
      const detected = done.filter((v) => v >= threshold).length;
      return { grid: side, caption: grids[side].caption, threshold, detected, computed: done.length, placements: scores.length, rate: done.length ? detected / done.length : null };
    });
}

/**
 * The downloads of grid A, B or their difference: the scores as the core encodes them (the
 * bytes `padlens detect --format npy|csv` writes), the grid as a picture of its values with
 * the colour bar, and the view as drawn over the image.
 */
function gridDownloads(which) {
  const state = readState();
  const grid = which === 'diff' ? grids.diff : grids[which];
  if (!grid || (which === 'B' && !state.compare)) return [];
  const { rows, cols } = grid.placements;
  const stem = which === 'diff' ? `${fileStem('B')}_minus_${fileStem('A')}` : fileStem(which);
  const view = $({ A: '#grid-a', B: '#grid-b', diff: '#grid-diff' }[which]);
  const [low, high] = which === 'diff' ? [-diffExtent(grid.scores), diffExtent(grid.scores)] : colourRange(state);
  const colormap = which === 'diff' ? catalog.ratio_colormap : state.colormap;
  const label = which === 'diff' ? 'B − A' : isProbability(state) ? 'probability' : 'score';
  const title = which === 'diff' ? `B − A: ${grids.B.caption} minus ${grids.A.caption}` : grid.caption;
  return [
    {
      label: 'PNG — the grid with its colour bar',
      filename: `${stem}.png`,
      mime: 'image/png',
      make: () => mapPng({ rgba: engine.colourInRange(grid.scores, low, high, colormap), height: rows, width: cols, colorbar: engine.colorbar(colormap, 256), low, high, scale: 'linear', barTitle: label, title }),
    },
    {
      label: 'PNG — the grid over the image, as shown',
      filename: `${stem}_overlay.png`,
      mime: 'image/png',
      make: () => new Promise((resolve) => view.snapshot().toBlob(resolve, 'image/png')),
    },
    { label: `NPY — the ${rows}×${cols} scores, f64`, filename: `${stem}.npy`, mime: 'application/octet-stream', make: async () => engine.npy(grid.scores, [rows, cols]) },
    { label: 'CSV — the scores, one line per grid row', filename: `${stem}.csv`, mime: 'text/csv', make: async () => engine.csvGrid(grid.scores, rows, cols) },
  ];
}

/** The row and column profiles as drawn: the mean score per row and per column of placements. */
function profileCsv(state) {
  const sides = ['A', 'B'].filter((side) => grids[side] && (side === 'A' || state.compare));
  const rowsOut = [];
  for (const axis of ['rows', 'cols']) {
    const means = sides.map((side) => gridProfiles(grids[side].scores, grids[side].placements.rows, grids[side].placements.cols)[axis]);
    const p = grids.A.placements;
    const length = Math.max(...means.map((m) => m.length));
    for (let j = 0; j < length; j++) rowsOut.push([axis === 'rows' ? 'row' : 'column', String(j), j * p.stride + p.size / 2, ...means.map((m) => (j < m.length && Number.isFinite(m[j]) ? m[j] : null))]);
  }
  return csvTable(['axis', 'index', 'centre_px', ...sides.map((side) => `mean_${side}`)], rowsOut);
}

/** Syncs the grid toolbars with the grids shown. */
function syncExportMenu(state) {
  $('#share-grid-b').hidden = !(state.compare && grids.B);
  $('#share-grid-diff').hidden = !grids.diff;
}

function initExports() {
  const link = () => {
    writeHash();
    return location.href;
  };
  // Grid A is the page's view; grid B is the same with B's model and padding; B − A has no
  // element of its own.
  const sideB = () => {
    const url = new URL(link());
    const params = new URLSearchParams(url.hash.slice(1));
    const state = readState();
    params.set('demo', state.bdemo || state.demo);
    if (state.bmode) params.set('mode', state.bmode);
    else params.delete('mode');
    url.hash = params.toString();
    return url.href;
  };
  const embeds = { A: embedOf(link, catalog), B: embedOf(sideB, catalog), diff: null };
  for (const share of document.querySelectorAll('padlens-share[data-grid]')) {
    share.configure({ link, downloads: () => gridDownloads(share.dataset.grid), embed: embeds[share.dataset.grid] });
  }
  $('#share-rates').configure({
    link,
    downloads: () => {
      const state = readState();
      if (!grids.A) return [];
      const stem = `${fileStem('A')}${state.compare ? '_and_B' : ''}_rates`;
      return [
        { label: 'JSON — the detection rates', filename: `${stem}.json`, mime: 'application/json', make: async () => jsonText(rates(state)) },
        { label: 'CSV — one row per grid', filename: `${stem}.csv`, mime: 'text/csv', make: async () => { const r = rates(state); return csvTable(Object.keys(r[0]), r.map((x) => Object.values(x))); } },
      ];
    },
    embed: null,
  });
  $('#share-profiles').configure({
    link,
    downloads: () => {
      const state = readState();
      if (!grids.A) return [];
      const stem = `${fileStem('A')}${state.compare ? '_and_B' : ''}_profiles`;
      const svg = (box, title) => {
        const element = $(box).querySelector('svg[role=img]');
        if (!element) throw new Error('the profile is not drawn yet');
        return standaloneSvg(element, title);
      };
      return [
        { label: 'CSV — mean score per row and per column', filename: `${stem}.csv`, mime: 'text/csv', make: async () => profileCsv(state) },
        { label: 'SVG — the row profile', filename: `${stem}_rows.svg`, mime: 'image/svg+xml', make: async () => svg('#row-profile', `Mean score per row: ${grids.A.caption}`) },
        { label: 'SVG — the column profile', filename: `${stem}_columns.svg`, mime: 'image/svg+xml', make: async () => svg('#col-profile', `Mean score per column: ${grids.A.caption}`) },
      ];
    },
    embed: null,
  });
  $('#share-shift').configure({
    link,
    downloads: () => {
      if (!shiftCurve) return [];
      const [y, x] = shiftCurve.corner;
      const stem = `${fileStem('A')}_shift_y${y}_x${x}`;
      return [
        // The columns and number forms of `padlens shift --format csv`.
        { label: 'CSV — score per direction and shift', filename: `${stem}.csv`, mime: 'text/csv', make: async () => csvTable(['direction', 'shift', 'score'], shiftCurve.directions.flatMap((s) => s.scores.map((score, d) => [s.direction, String(d), score]))) },
        { label: 'JSON — the curve', filename: `${stem}.json`, mime: 'application/json', make: async () => jsonText(shiftCurve) },
        {
          label: 'SVG — the chart',
          filename: `${stem}.svg`,
          mime: 'image/svg+xml',
          make: async () => standaloneSvg($('#shift-chart svg[role=img]'), `Shift experiment at y ${y}, x ${x}: ${grids.A?.caption ?? ''}`),
        },
      ];
    },
    embed: null,
  });
}

// ---- start ----

async function start() {
  engine = await loadEngine();
  catalog = engine.catalog();
  const index = await fetch(new URL('index.json', MODELS_URL)).then((r) => (r.ok ? r.json() : { models: [] }));
  demos = index.models;
  bundledBackgrounds = index.backgrounds ?? [];
  buildControls();
  const ignored = applyHash(location.hash);
  syncVisibility();
  if (ignored.length) showError($('#run-error'), `Not applied from the link: ${ignored.join(', ')}.`);
  const first = await modelFor($('#demo').value).catch((error) => {
    showError($('#model-error'), error.message);
    return null;
  });
  const linked = new Set(new URLSearchParams(location.hash.slice(1)).keys());
  if (first && !linked.has('height')) {
    const [h, w] = first.declared;
    $('#height').value = h ?? catalog.defaults.size;
    $('#width').value = w ?? catalog.defaults.size;
  }
  await applyDemoDefaults(demos.find((d) => d.file === $('#demo').value), linked);
  if (linked.has('bgimage')) await loadBundledBackground($('#background-bundled').value);
  syncVisibility();

  $('#demo').addEventListener('change', () => modelChanged());
  $('#file').addEventListener('change', (event) => openFileA(event.target.files[0]));
  $('#compare-file').addEventListener('change', (event) => openFileB(event.target.files[0]));
  acceptDroppedFile($('#drop'), openFileA);
  acceptDroppedFile($('#compare-drop'), openFileB);
  $('#background-file').addEventListener('change', (event) => openImage('background', event.target.files[0]));
  $('#background-bundled').addEventListener('change', async (event) => {
    syncVisibility();
    await loadBundledBackground(event.target.value);
    schedule(0);
  });
  $('#stimulus-file').addEventListener('change', (event) => openImage('stimulus', event.target.files[0]));
  // Display-only controls redraw what is there; every other one computes again.
  const display = new Set(['opacity', 'colormap', 'range']);
  $('#controls').addEventListener('input', (event) => {
    if (['file', 'compare-file', 'background-file', 'background-bundled', 'stimulus-file', 'demo'].includes(event.target.id)) return;
    syncVisibility();
    schedule();
  });
  $('#controls').addEventListener('submit', (event) => event.preventDefault());
  for (const id of display) {
    $(`#${id}`).addEventListener('input', () => {
      writeHash();
      redrawAll();
    });
  }
  $('#cancel').addEventListener('click', cancel);
  $('#grid-a').addEventListener('cell-select', (event) => computeShift(event.detail));
  $('#max-shift').addEventListener('change', () => computeShift(shiftCell));
  $('#rerun').addEventListener('click', () => schedule(0));
  initExports();
  window.addEventListener('hashchange', () => {
    applyHash(location.hash);
    schedule(0);
  });
  document.body.dataset.status = 'idle';
  schedule(0);
}

start().catch(fatal);
