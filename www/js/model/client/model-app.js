// The Model page: open an ONNX model (a bundled demo or the user's file), then its summary, a
// forward pass on an image, mean feature maps over random inputs (the model's own padding
// beside a swapped one) and mean filters. Everything is computed in one worker that holds the
// parsed model (model-worker.js); this module only draws. Names, limits and defaults come
// from the core's catalog.

import '../../shared/offline.js';
import { loadEngine } from '../../engine/engine.js';
import { WorkerBridge } from '../../shared/bridge.js';
import { formatNumber } from '../../shared/draw.js';
import { acceptDroppedFile } from '../../shared/drop-zone.js';
import '../../analysis/client/uneven-report.js';
import { initModelExports } from './model-exports.js';

const $ = (selector) => document.querySelector(selector);
const MODELS_URL = new URL('../../../models/', import.meta.url);
const WORKER_URL = new URL('../worker/model-worker.js', import.meta.url);
const OWN = '';

let engine;
let catalog;
/** The open model's bytes, kept to hand a restarted worker (after a cancel) the same model. */
let modelBytes = null;
let modelLabel = '';
let demos = [];
/** The user's image (ImageData) when "your image" is chosen. */
let uploaded = null;
/** What the summary, the padding section and the filters show, for their downloads. */
const shownData = { summary: null, padding: null, filters: null, run: null, forward: null };

const bridge = new WorkerBridge(WORKER_URL, {
  onRestart: () => {
    if (modelBytes) bridge.request('open', { bytes: modelBytes.slice(0), name: modelLabel }).catch(() => {});
  },
});

function setStatus(text) {
  $('#status').textContent = text;
}

function showError(element, message) {
  element.textContent = message ?? '';
  element.hidden = !message;
}

/**
 * Keeps the view in the URL: the open demo (a file of the user's has no link), and the mean
 * feature maps' inputs, with `features=1` once they are on screen so that the link computes
 * them again.
 */
function writeHash() {
  const params = new URLSearchParams();
  if ($('#demo').value) params.set('demo', $('#demo').value);
  if (featureSets.length > 0) params.set('features', '1');
  params.set('samples', $('#samples').value);
  params.set('seed', $('#seed').value);
  history.replaceState(null, '', `#${params}`);
}

/** The core's first colour-blind-safe sequential map (viridis). */
const sequentialColormap = () => catalog.colormaps[0];

function modeLabel(name) {
  if (name === OWN) return "the model's own";
  return catalog.modes.find((m) => m.name === name)?.label ?? name;
}

/** The run the controls describe: size and padding. */
function currentRun() {
  const height = Number($('#height').value);
  const width = Number($('#width').value);
  const mode = $('#mode').value;
  return { height, width, ...(mode === OWN ? {} : { mode }) };
}

function runProblem(run) {
  const max = catalog.limits.max_side;
  for (const [name, value] of [['Height', run.height], ['Width', run.width]]) {
    if (!Number.isInteger(value) || value < 1 || value > max) return `${name} must be a whole number from 1 to ${max}.`;
  }
  return null;
}

// ---- opening a model ----

async function openModel(bytes, label) {
  const cap = catalog.limits.model_bytes;
  if (bytes.byteLength > cap) {
    showError($('#model-error'), `${label} is ${formatNumber(bytes.byteLength / 2 ** 20, 3)} MB; padlens opens models of up to ${formatNumber(cap / 2 ** 20, 4)} MB in a tab.`);
    return;
  }
  setStatus(`Opening ${label}…`);
  showError($('#model-error'), null);
  try {
    const opened = await bridge.request('open', { bytes: bytes.slice(0), name: label });
    modelBytes = bytes;
    modelLabel = label;
    const [h, w] = opened.declared;
    $('#height').value = h ?? catalog.defaults.size;
    $('#width').value = w ?? catalog.defaults.size;
    $('#size-hint').textContent = h && w ? `The model declares ${h}×${w}.` : 'The model leaves its size open: choose one.';
    drawFilters(opened.filters);
    shownData.filters = opened.filters;
    clearFeatures();
    writeHash();
    document.body.dataset.status = 'idle';
    await refresh();
  } catch (error) {
    showError($('#model-error'), `${label}: ${error.message}`);
    setStatus('');
    document.body.dataset.status = 'idle';
  }
}

async function openDemo(file) {
  const demo = demos.find((d) => d.file === file);
  $('#demo-about').textContent = demo?.about ?? '';
  if (demo) $('#normalization').value = demo.normalization;
  const response = await fetch(new URL(file, MODELS_URL));
  if (!response.ok) {
    showError($('#model-error'), `Could not load the demo ${file} (${response.status}).`);
    return;
  }
  await openModel(await response.arrayBuffer(), demo?.label ?? file);
}

async function openFile(file) {
  if (!file) return;
  $('#demo').value = '';
  $('#demo-about').textContent = '';
  await openModel(await file.arrayBuffer(), file.name);
}

// ---- summary and forward pass ----

async function refresh() {
  if (!modelBytes) return;
  const run = currentRun();
  const problem = runProblem(run);
  showError($('#run-error'), problem);
  if (problem) return;
  setStatus(`Planning ${modelLabel} at ${run.height}×${run.width}…`);
  try {
    shownData.summary = await bridge.request('summary', { run });
    shownData.run = run;
    drawSummary(shownData.summary);
    await forwardPass();
    await paddingAnalysis(run);
    setStatus(`${modelLabel} at ${run.height}×${run.width}, ${modeLabel($('#mode').value)} padding.`);
  } catch (error) {
    if (error.name === 'AbortError') return;
    showError($('#run-error'), error.message);
    $('#summary').replaceChildren();
    setStatus('');
  }
}

/** 1.4e7 → "14.03 M". @param {number} value @returns {string} */
function withPrefix(value) {
  const [scale, prefix] = [[1e12, ' T'], [1e9, ' G'], [1e6, ' M'], [1e3, ' k']].find(([s]) => value >= s) ?? [1, ''];
  return `${formatNumber(value / scale, 4)}${prefix}`;
}

function drawSummary(summary) {
  const rows = [
    ['Input', `${summary.input}: 1×${summary.channels}×${summary.size[0]}×${summary.size[1]}`],
    ['Outputs', summary.outputs.map(([name, shape]) => `${name}: ${shape.join('×')}`).join(', ')],
    ['Nodes', `${summary.nodes} (opset ${summary.opset})`],
    ['Operators', Object.entries(summary.operators).map(([op, n]) => `${op} ${n}`).join(', ')],
    ['Conv layers', String(summary.conv_layers.length)],
    ['Parameters', summary.parameters.toLocaleString('en')],
    ['Multiply-adds', `${withPrefix(summary.multiply_adds)} per image`],
  ];
  const table = document.createElement('table');
  for (const [label, value] of rows) {
    const tr = table.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = label;
    tr.append(th);
    tr.insertCell().textContent = value;
  }
  $('#summary').replaceChildren(table);
}

/**
 * Draws one of the built-in test images into a new canvas of `size`.
 * @param {'gradient'|'checker'|'disk'} kind @param {[number, number]} size [height, width]
 * @returns {ImageData}
 */
function builtInImage(kind, [height, width]) {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (kind === 'gradient') {
    const g = ctx.createLinearGradient(0, 0, width, height);
    g.addColorStop(0, '#2040c0');
    g.addColorStop(0.5, '#40c080');
    g.addColorStop(1, '#f0d020');
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, width, height);
  } else if (kind === 'checker') {
    const cell = Math.max(1, Math.round(Math.min(width, height) / 8));
    for (let y = 0; y < height; y += cell) {
      for (let x = 0; x < width; x += cell) {
        ctx.fillStyle = (x / cell + y / cell) % 2 === 0 ? '#111' : '#eee';
        ctx.fillRect(x, y, cell, cell);
      }
    }
  } else {
    ctx.fillStyle = '#808080';
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = '#d03020';
    ctx.beginPath();
    ctx.arc(width / 2, height / 2, Math.min(width, height) / 4, 0, 2 * Math.PI);
    ctx.fill();
  }
  return ctx.getImageData(0, 0, width, height);
}

function currentImage(run) {
  const choice = $('#image-choice').value;
  if (choice === 'upload') return uploaded;
  return builtInImage(choice, [run.height, run.width]);
}

async function forwardPass() {
  const run = currentRun();
  const image = currentImage(run);
  if (!image) {
    $('#forward-label').textContent = 'Choose an image file.';
    $('#top-outputs').replaceChildren();
    shownData.forward = null;
    return;
  }
  const preview = $('#image-preview');
  preview.width = image.width;
  preview.height = image.height;
  preview.getContext('2d').putImageData(image, 0, 0);
  const data = image.data.slice().buffer;
  const result = await bridge.request(
    'forward',
    { run, image: { data, width: image.width, height: image.height }, normalization: $('#normalization').value, top: 5 },
    { transfer: [data] },
  );
  // What the table shows, with what it was computed from, for the downloads.
  shownData.forward = { image: $('#image-choice').value, normalization: $('#normalization').value, output: result.output, shape: result.shape, top: result.top };
  const swapped = $('#mode').value !== OWN ? ` — same weights, padding swapped at inference (${modeLabel($('#mode').value)})` : '';
  $('#forward-label').textContent = `Output ${result.output} (${result.shape.join('×')}): its 5 largest values (flat indices), softmax over all ${result.shape.reduce((n, d) => n * d, 1)} of its values${swapped}.`;
  const table = $('#top-outputs');
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const label of ['index', 'probability', 'value']) {
    const th = document.createElement('th');
    th.textContent = label;
    head.append(th);
  }
  const body = table.createTBody();
  for (const p of result.top) {
    const tr = body.insertRow();
    tr.insertCell().textContent = String(p.index);
    tr.insertCell().textContent = `${formatNumber(100 * p.probability, 3)} %`;
    tr.insertCell().textContent = formatNumber(p.logit, 4);
  }
}

// ---- utilization map and uneven report (on the projection) ----

/** The size of the utilization map shown, for hover readings. */
let utilizationSize = null;
/** The explorer's view of the model's projection (its network spec), or null without one. */
let projectionView = null;

async function paddingAnalysis(run) {
  projectionView = null;
  const { problem, report, spec, map } = await bridge.request('padding', { run, colormap: sequentialColormap() });
  shownData.padding = problem ? null : { report: report.ok ? report.value : null, map: map.ok ? map.value : null };
  showError($('#padding-error'), problem && `padlens cannot draw this model's utilization map: ${problem.message}`);
  $('#padding-body').hidden = Boolean(problem);
  if (problem) return;
  const link = $('#open-explorer');
  link.hidden = !spec.ok;
  if (spec.ok) {
    const params = new URLSearchParams({ arch: 'custom', spec: spec.value, h: String(run.height), w: String(run.width) });
    if (run.mode) params.set('mode', run.mode);
    link.href = `index.html#${params}`;
    projectionView = link.href;
  }
  const report$ = $('#uneven-report');
  report$.hidden = !report.ok;
  if (report.ok) report$.show(report.value);
  const canvas = $('#utilization');
  utilizationSize = map.ok ? map.value.size : null;
  if (!map.ok) {
    showError($('#padding-error'), map.problem.message);
    canvas.hidden = true;
    return;
  }
  canvas.hidden = false;
  const { bitmap, size, colours, summary } = map.value;
  canvas.width = size[1];
  canvas.height = size[0];
  canvas.getContext('2d').drawImage(bitmap, 0, 0);
  bitmap.close();
  colourKey($('#utilization-key'), sequentialColormap(), formatNumber(colours.low, 3), `${formatNumber(colours.high, 3)} × the maximum`);
  $('#utilization-caption').textContent =
    `${size[0]}×${size[1]}: corners ÷ centre ${formatNumber(summary.corner_to_centre, 3)}, ` +
    `left ÷ right ${formatNumber(summary.left_to_right, 4)}, top ÷ bottom ${formatNumber(summary.top_to_bottom, 4)}`;
}

let readingValue = false;

async function readUtilization(event) {
  if (!utilizationSize || readingValue) return;
  const canvas = $('#utilization');
  const rect = canvas.getBoundingClientRect();
  const [h, w] = utilizationSize;
  const column = Math.min(w - 1, Math.floor(((event.clientX - rect.left) / rect.width) * w));
  const row = Math.min(h - 1, Math.floor(((event.clientY - rect.top) / rect.height) * h));
  readingValue = true;
  try {
    const value = await bridge.request('mapValue', { row, column });
    if (value !== null) $('#utilization-readout').textContent = `row ${row}, column ${column}: ${formatNumber(value, 6)} paths`;
  } finally {
    readingValue = false;
  }
}

// ---- mean feature maps ----

/** @type {{mode: string, maps: {layer: string, size: [number, number], values: number[]}[]}[]} */
let featureSets = [];

function clearFeatures() {
  featureSets = [];
  $('#feature-grid').replaceChildren();
  $('#feature-key').hidden = true;
  $('#features-status').textContent = '';
  $('#feature-readout').textContent = '';
}

/**
 * Puts RGBA colours into a canvas of the map's size.
 * @param {HTMLCanvasElement} canvas @param {Uint8Array} rgba @param {[number, number]} size
 */
function paint(canvas, rgba, [height, width]) {
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
}

/** The value under the pointer of a canvas showing `size` values. */
function valueAt(event, canvas, size, values) {
  const rect = canvas.getBoundingClientRect();
  const column = Math.min(size[1] - 1, Math.floor(((event.clientX - rect.left) / rect.width) * size[1]));
  const row = Math.min(size[0] - 1, Math.floor(((event.clientY - rect.top) / rect.height) * size[0]));
  return { row, column, value: values[row * size[1] + column] };
}

/**
 * Fills `element` with a horizontal colour bar of `colormap`, low on the left, between two
 * labels.
 * @param {HTMLElement} element @param {string} colormap @param {string} low @param {string} high
 */
function colourKey(element, colormap, low, high) {
  const length = 160;
  // The core's bar runs high to low, top to bottom; drawn left to right it is reversed.
  const bar = engine.colorbar(colormap, length);
  const rgba = new Uint8ClampedArray(length * 4);
  for (let i = 0; i < length; i++) rgba.set(bar.subarray((length - 1 - i) * 4, (length - i) * 4), i * 4);
  const canvas = document.createElement('canvas');
  canvas.width = length;
  canvas.height = 1;
  canvas.getContext('2d').putImageData(new ImageData(rgba, length, 1), 0, 0);
  canvas.setAttribute('aria-hidden', 'true');
  const left = document.createElement('span');
  left.textContent = low;
  const right = document.createElement('span');
  right.textContent = high;
  element.replaceChildren(left, canvas, right);
}

function range(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function drawFeatures() {
  const grid = $('#feature-grid');
  grid.replaceChildren();
  if (featureSets.length === 0) return;
  const shared = $('#shared-scale').checked;
  const layers = featureSets[0].maps.length;
  const all = shared ? range(featureSets.flatMap((set) => set.maps.flatMap((m) => range(m.values)))) : null;
  const key = $('#feature-key');
  key.hidden = false;
  if (all) colourKey(key, sequentialColormap(), formatNumber(all[0], 3), `${formatNumber(all[1], 3)} (all layers)`);
  else colourKey(key, sequentialColormap(), "each layer's lowest", 'highest (its caption gives both; both paddings of a layer share it)');
  for (let i = 0; i < layers; i++) {
    const maps = featureSets.map((set) => set.maps[i]).filter(Boolean);
    // Side by side, the two paddings of a layer always share a scale.
    const [lo, hi] = all ?? range(maps.flatMap((m) => range(m.values)));
    const figure = document.createElement('figure');
    const pair = document.createElement('div');
    pair.className = 'pair';
    maps.forEach((map, k) => {
      const canvas = document.createElement('canvas');
      const mode = featureSets[k].mode;
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `${map.layer}, ${modeLabel(mode)} padding: mean feature map ${map.size.join('×')}`);
      paint(canvas, engine.colourInRange(map.values, lo, hi, sequentialColormap()), map.size);
      canvas.addEventListener('pointermove', (event) => {
        const { row, column, value } = valueAt(event, canvas, map.size, map.values);
        $('#feature-readout').textContent = `${map.layer} (${modeLabel(mode)}): row ${row}, column ${column} = ${formatNumber(value, 4)}`;
      });
      pair.append(canvas);
    });
    const caption = document.createElement('figcaption');
    caption.textContent = `${maps[0].layer} · ${maps[0].size.join('×')} · ${formatNumber(lo, 3)} … ${formatNumber(hi, 3)}`;
    figure.append(pair, caption);
    grid.append(figure);
  }
}

async function computeFeatures() {
  if (!modelBytes) return;
  const run = currentRun();
  const samples = Number($('#samples').value);
  const seed = Number($('#seed').value);
  const max = catalog.limits.max_feature_samples;
  const problem =
    runProblem(run) ??
    (!Number.isInteger(samples) || samples < 1 || samples > max ? `Random inputs must be a whole number from 1 to ${max}.` : null) ??
    (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff ? 'The seed must be a whole number from 0 to 4294967295.' : null);
  showError($('#features-error'), problem);
  if (problem) return;
  const modes = [...new Set([$('#mode').value, $('#compare-mode').value])].filter((m, i) => i === 0 || m !== 'none');
  featureSets = [];
  $('#features-run').disabled = true;
  $('#features-cancel').hidden = false;
  const progress = $('#features-progress');
  progress.hidden = false;
  try {
    for (const [k, mode] of modes.entries()) {
      const modeRun = { height: run.height, width: run.width, ...(mode === OWN ? {} : { mode }) };
      const label = `${modeLabel(mode)} padding${modes.length > 1 ? ` (${k + 1} of ${modes.length})` : ''}`;
      const result = await bridge.request('features', { run: modeRun, samples, seed }, {
        onProgress: ({ done, total, maps }) => {
          progress.max = total * modes.length;
          progress.value = k * total + done;
          $('#features-status').textContent = `${label}: ${done} of ${total} inputs`;
          if (maps) {
            featureSets[k] = { mode, maps };
            drawFeatures();
          }
        },
      });
      featureSets[k] = { mode, maps: result.maps };
      drawFeatures();
    }
    const swapped = modes.length > 1 ? ' Right: same weights, padding swapped at inference.' : '';
    $('#features-status').textContent = `${samples} random inputs, seed ${seed}. Left: ${modeLabel(modes[0])} padding.${swapped}`;
    writeHash();
  } catch (error) {
    if (error.name === 'AbortError') $('#features-status').textContent = 'Cancelled.';
    else showError($('#features-error'), error.message);
  } finally {
    $('#features-run').disabled = false;
    $('#features-cancel').hidden = true;
    progress.hidden = true;
  }
}

// ---- mean filters ----

function drawFilters(filters) {
  const grid = $('#filter-grid');
  grid.replaceChildren();
  if (filters.length === 0) {
    grid.textContent = 'This model has no conv layer with a kernel of 2×2 or more.';
    return;
  }
  colourKey($('#filter-key'), catalog.ratio_colormap, '−largest |weight|', '+largest |weight| of each filter (white: 0)');
  for (const filter of filters) {
    const m = Math.max(...filter.values.map(Math.abs)) || 1;
    const figure = document.createElement('figure');
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${filter.layer}: mean ${filter.kernel.join('×')} filter`);
    paint(canvas, engine.colourInRange(filter.values, -m, m, catalog.ratio_colormap), filter.kernel);
    canvas.addEventListener('pointermove', (event) => {
      const { row, column, value } = valueAt(event, canvas, filter.kernel, filter.values);
      $('#filter-readout').textContent = `${filter.layer}: row ${row}, column ${column} = ${formatNumber(value, 4)}`;
    });
    const caption = document.createElement('figcaption');
    caption.textContent = `${filter.layer} · ${filter.kernel.join('×')} · left÷right ${formatNumber(filter.left_right, 3)} · top÷bottom ${formatNumber(filter.top_bottom, 3)}`;
    figure.append(canvas, caption);
    grid.append(figure);
  }
}

// ---- start ----

function fillNormalizations() {
  $('#normalization').replaceChildren(...catalog.normalizations.map((n) => new Option(n.label, n.name)));
}

function fillModes() {
  const own = new Option("the model's own", OWN);
  $('#mode').replaceChildren(own, ...catalog.modes.map((m) => new Option(m.label, m.name)));
  $('#compare-mode').replaceChildren(new Option('nothing', 'none'), ...catalog.modes.map((m) => new Option(`${m.label} (swapped)`, m.name)));
  $('#compare-mode').value = catalog.modes.some((m) => m.name === 'symmetric') ? 'symmetric' : 'none';
}

async function start() {
  engine = await loadEngine();
  catalog = engine.catalog();
  fillModes();
  fillNormalizations();
  $('#samples').value = catalog.defaults.feature_samples;
  $('#samples').max = catalog.limits.max_feature_samples;
  const index = await fetch(new URL('index.json', MODELS_URL)).then((r) => r.json());
  demos = index.models;
  $('#demo').replaceChildren(new Option('—', ''), ...demos.map((d) => new Option(d.label, d.file)));
  $('#demo').addEventListener('change', () => $('#demo').value && openDemo($('#demo').value));
  $('#file').addEventListener('change', () => openFile($('#file').files[0]));
  acceptDroppedFile($('#drop'), openFile);
  for (const id of ['#height', '#width', '#mode', '#normalization']) $(id).addEventListener('change', refresh);
  $('#image-choice').addEventListener('change', () => {
    if ($('#image-choice').value === 'upload') $('#image-file').click();
    else forwardPass().catch((error) => showError($('#run-error'), error.message));
  });
  $('#image-file').addEventListener('change', async () => {
    const file = $('#image-file').files[0];
    if (!file) return;
    const bitmap = await createImageBitmap(file);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    canvas.getContext('2d').drawImage(bitmap, 0, 0);
    uploaded = canvas.getContext('2d').getImageData(0, 0, bitmap.width, bitmap.height);
    forwardPass().catch((error) => showError($('#run-error'), error.message));
  });
  $('#features-form').addEventListener('submit', (event) => {
    event.preventDefault();
    computeFeatures();
  });
  for (const id of ['#samples', '#seed']) $(id).addEventListener('change', writeHash);
  $('#utilization').addEventListener('pointermove', (event) => readUtilization(event).catch(() => {}));
  $('#uneven-report').addEventListener('apply-size', ({ detail }) => {
    if (detail.height) $('#height').value = detail.height;
    if (detail.width) $('#width').value = detail.width;
    refresh();
  });
  $('#features-cancel').addEventListener('click', () => bridge.cancel());
  initModelExports({
    bridge,
    link: () => {
      writeHash();
      return location.href;
    },
    embedLink: () => projectionView,
    catalog: () => catalog,
    data: () => ({ model: modelLabel, run: shownData.run ?? currentRun(), ...shownData, featureSets, colormap: sequentialColormap() }),
  });
  $('#shared-scale').addEventListener('change', drawFeatures);
  // A link may name a demo and the mean feature maps' inputs, and ask for them (features=1).
  const linked = new URLSearchParams(location.hash.slice(1));
  if (linked.has('samples')) $('#samples').value = linked.get('samples');
  if (linked.has('seed')) $('#seed').value = linked.get('seed');
  const first = linked.get('demo') ?? demos[0]?.file;
  if (first) {
    $('#demo').value = first;
    await openDemo(first);
  }
  document.body.dataset.status = 'idle';
  if (linked.get('features') === '1' && modelBytes) await computeFeatures();
}

start().catch((error) => {
  const banner = $('#fatal');
  banner.textContent = `padlens could not start: ${error.message}`;
  banner.hidden = false;
  document.body.dataset.status = 'failed';
});
