// The paper page: the four claims of Mind the Pad, each with a live figure. Utilization maps,
// mean filters and mean feature maps come from one module worker that keeps what it parsed
// (paper-worker.js; a second copy runs the mean feature maps, which can be cancelled);
// detectability grids and the shift experiment from the Blind spots page's worker pool. Names,
// labels and limits come from the core's catalog, the detectors from models/index.json and
// their model cards; this module only lays out and draws.

import '../../shared/offline.js';
import { loadEngine, problemOf } from '../../engine/engine.js';
import { WorkerBridge } from '../../shared/bridge.js';
import { escapeXml, formatNumber, formatPercent } from '../../shared/draw.js';
import { scrollHint } from '../../shared/scroll-hint.js';
import { DetectPool } from '../../blindspots/client/detect-pool.js';
import { backgroundCanvas, decodeImage } from '../../blindspots/client/images.js';
import { shiftChartHtml, shiftRates } from '../../blindspots/shared/shift-chart.js';
import '../../blindspots/client/grid-view.js';
import './map-figure.js';
import { shareAp, shareFilters, shareMapFigure, shareShift, shareValues } from './paper-exports.js';
import { bandWidth, borderContrast, cardMetric, detectionCount, downsamplingLayers, lowestIndex, valueRange } from './measures.js';

const $ = (selector) => document.querySelector(selector);
const MODELS_URL = new URL('../../../models/', import.meta.url);
const WORKER_URL = new URL('../worker/paper-worker.js', import.meta.url);

/** The slides' figures: VGG-19 at 512×512; ResNet-50 at 224 against 225. */
const FOVEATION = { arch: 'vgg19', size: 512 };
const UNEVEN = { arch: 'resnet50', sizes: [224, 225] };
/** The bundled detectors (models/index.json): zero padding at 224 (uneven) and 225 (even), mirror padding at 224. */
const ZEROS = 'detector-zeros-224.onnx';
const ZEROS_EVEN = 'detector-zeros-225.onnx';
const MIRROR = 'detector-mirror-224.onnx';
/** The traffic light of the slides, small: 16 px in a 224 px image. */
const STIMULUS = { name: 'traffic-light', size: 16 };
/** How far the shift experiment moves the image, in pixels: the stimulus's own size. */
const MAX_SHIFT = 16;
/** The noise background's seed (definitions.md §5), fixed so that a link reproduces it. */
const NOISE_SEED = 0;
const OWN = '';

let engine;
let catalog;
/** models/index.json's demos and bundled backgrounds. */
let index = { models: [], backgrounds: [] };

const figures = new WorkerBridge(WORKER_URL);
/** Models the feature worker holds (file → declared size); a cancel restarts it empty. */
const featureModels = new Map();
const featureWorker = new WorkerBridge(WORKER_URL, { onRestart: () => featureModels.clear() });
const pool = new DetectPool(Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 8)));

function showError(element, message) {
  element.textContent = message ?? '';
  element.hidden = !message;
}

function setState(section, state) {
  $(`#${section}`).dataset.state = state;
}

const sequential = () => catalog.colormaps[0];

function modeLabel(mode) {
  return mode === OWN ? "the network's own" : (catalog.modes.find((m) => m.name === mode)?.label ?? mode);
}

function fill(select, options) {
  select.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
}

// ---- the detectors ----

/** @type {Map<string, Promise<{demo: object, bytes: ArrayBuffer}>>} */
const detectors = new Map();

/** A bundled detector's index entry and bytes, fetched once; rejects with what is missing. */
function detector(file) {
  if (!detectors.has(file)) {
    detectors.set(
      file,
      (async () => {
        const demo = index.models.find((m) => m.file === file);
        if (!demo) throw new Error(`This copy of padlens does not bundle ${file} (models/index.json lists no such demo).`);
        const response = await fetch(new URL(file, MODELS_URL)).catch(() => null);
        if (!response?.ok) throw new Error(`Could not load ${file}${response ? ` (${response.status})` : ''}.`);
        return { demo, bytes: await response.arrayBuffer() };
      })(),
    );
  }
  return detectors.get(file);
}

const shortLabel = (demo) => demo.label.replace(/^Traffic-light detector, /, '').replace(/ \(trained\)$/, '');

// ---- 1. foveation ----

/**
 * Draws a zoo network's utilization map into a figure; hovering reads the raw count from the
 * worker. Returns the map's summary (stored values) and its scale.
 */
async function utilizationFigure(element, { arch, height, width, mode, colormap, caption }) {
  const figure = element.id;
  const map = await figures.request('utilization', { figure, arch, height, width, mode: mode || undefined, colormap });
  const max = map.summary.max * 2 ** map.log2Scale;
  await element.show({
    pixels: map.bitmap,
    size: map.size,
    colormap,
    range: [map.colours.low, map.colours.high],
    caption,
    describe: async (row, column) => {
      const count = await figures.request('mapValue', { figure, row, column });
      return count === null ? '' : `row ${row}, column ${column}: ${formatNumber(count, 6)} paths, ${formatNumber(count / max, 4)} × the maximum`;
    },
  });
  map.bitmap.close();
  shareMapFigure(element, { worker: figures, config: { arch, height, width, mode, colormap }, map, title: caption, link: explorerLink({ arch, height, width, mode, colormap }), catalog });
  return map;
}

function explorerLink(a, b = null) {
  const params = new URLSearchParams({ arch: a.arch, h: String(a.height), w: String(a.width), link: '1' });
  if (a.mode) params.set('mode', a.mode);
  if (a.colormap) params.set('cmap', a.colormap);
  if (b) {
    params.set('compare', '1');
    for (const [key, value] of Object.entries({ arch: b.arch, h: String(b.height), w: String(b.width), link: '1' })) params.set(`b.${key}`, value);
  }
  return `index.html#${params}`;
}

let foveationRun = 0;

async function foveation() {
  const mine = ++foveationRun;
  const config = {
    arch: FOVEATION.arch,
    height: FOVEATION.size,
    width: FOVEATION.size,
    mode: $('#foveation-mode').value,
    colormap: $('#foveation-colormap').value,
  };
  setState('foveation', 'loading');
  showError($('#foveation-error'), null);
  try {
    const caption = `VGG-19, ${config.height}×${config.width}, ${modeLabel(config.mode)} padding: utilization relative to its maximum`;
    const { summary, profiles, log2Scale } = await utilizationFigure($('#foveation-map'), { ...config, caption });
    if (mine !== foveationRun) return;
    const band = bandWidth(profiles.row, summary.centre);
    $('#foveation-summary').innerHTML =
      `The centre pixel reaches the last feature map in <strong>${formatNumber(summary.centre * 2 ** log2Scale, 4)}</strong> ways; ` +
      `a corner pixel in <strong>${formatNumber(summary.corner_to_centre, 3)}</strong> × as many. ` +
      `Along the centre row, a pixel must be <strong>${band}</strong> pixel${band === 1 ? '' : 's'} in from the left border ` +
      `to be used at least half as much as the centre.`;
    $('#foveation-link').href = explorerLink(config);
    setState('foveation', 'done');
  } catch (error) {
    if (mine !== foveationRun) return;
    showError($('#foveation-error'), `padlens cannot draw this map: ${error.message}`);
    setState('foveation', 'failed');
  }
}

// ---- 2. uneven padding ----

async function uneven() {
  try {
    const rows = [];
    for (const size of UNEVEN.sizes) {
      const { summary } = await utilizationFigure($(`#uneven-${size}`), {
        arch: UNEVEN.arch,
        height: size,
        width: size,
        colormap: sequential(),
        caption: `ResNet-50 at ${size}×${size}, utilization relative to its maximum`,
      });
      rows.push([`${size}×${size}`, summary.left_to_right, summary.top_to_bottom, summary.corner_to_centre]);
    }
    $('#uneven-table tbody').innerHTML = rows
      .map(([size, ...ratios]) => `<tr><th scope="row">${size}</th>${ratios.map((r) => `<td>${formatNumber(r, 4)}</td>`).join('')}</tr>`)
      .join('');
    const [a, b] = UNEVEN.sizes.map((size) => ({ arch: UNEVEN.arch, height: size, width: size }));
    $('#uneven-link').href = explorerLink(a, b);
  } catch (error) {
    showError($('#uneven-error'), `padlens cannot draw these maps: ${error.message}`);
    throw error;
  }
}

/** The mean filters on show, by model (for their downloads). */
const shownFilters = [];

/** One model's mean filters at its down-sampling layers, as a row of small figures. */
async function filterRow(file) {
  const row = document.createElement('div');
  row.className = 'filter-row';
  const heading = document.createElement('h4');
  row.append(heading);
  $('#filters').append(row);
  try {
    const { demo, bytes } = await detector(file);
    heading.textContent = shortLabel(demo);
    const opened = await figures.request('open', { name: file, bytes: bytes.slice(0) });
    const strided = downsamplingLayers(opened.layers, opened.declared);
    const filters = opened.filters.filter((f) => strided.has(f.layer));
    if (filters.length === 0) throw new Error('it has no down-sampling layer with a kernel of 2×2 or more.');
    shownFilters.push(...filters.map((f) => ({ model: file, ...f, values: Array.from(f.values) })));
    const list = document.createElement('div');
    list.className = 'filter-list';
    row.append(list);
    for (const [i, filter] of filters.entries()) {
      const figure = document.createElement('padlens-map-figure');
      figure.setAttribute('compact', '');
      list.append(figure);
      const m = Math.max(...filter.values.map(Math.abs)) || 1;
      await figure.show({
        pixels: engine.colourInRange(filter.values, -m, m, catalog.ratio_colormap),
        size: filter.kernel,
        colormap: catalog.ratio_colormap,
        range: [-m, m],
        caption: `stride-2 layer ${i + 1} (${filter.layer}): left ÷ right ${formatNumber(filter.left_right, 3)}, top ÷ bottom ${formatNumber(filter.top_bottom, 3)}`,
        describe: (r, c) => `row ${r}, column ${c}: ${formatNumber(filter.values[r * filter.kernel[1] + c], 4)}`,
      });
    }
    const link = document.createElement('p');
    link.innerHTML = `<a class="open-tool" href="model.html#${new URLSearchParams({ demo: file })}">Open ${escapeXml(file)} on the Model page</a>`;
    row.append(link);
  } catch (error) {
    heading.textContent ||= file;
    const message = document.createElement('p');
    message.className = 'error';
    message.setAttribute('role', 'alert');
    message.textContent = `No mean filters for ${file}: ${error.message}`;
    row.append(message);
    throw error;
  }
}

async function unevenSection() {
  shownFilters.length = 0;
  const results = await Promise.allSettled([uneven(), ...[ZEROS, ZEROS_EVEN, MIRROR].map(filterRow)]);
  shareFilters([...shownFilters].sort((a, b) => a.model.localeCompare(b.model)), () => location.href);
  setState('uneven', results.every((r) => r.status === 'fulfilled') ? 'done' : 'failed');
}

// ---- 3. line artifacts ----

/** The last mean feature maps: {zeros, mirror} → [{layer, size, values}], and their demos. */
let featureResult = null;

/** Opens a detector in the feature worker (once) and returns its declared size. */
async function featureModel(file, bytes) {
  if (!featureModels.has(file)) {
    const { declared } = await featureWorker.request('open', { name: file, bytes: bytes.slice(0) });
    featureModels.set(file, declared);
  }
  return featureModels.get(file);
}

async function computeFeatures() {
  const samples = Number($('#features-samples').value);
  const seed = Number($('#features-seed').value);
  const max = catalog.limits.max_feature_samples;
  const problem =
    (!Number.isInteger(samples) || samples < 1 || samples > max ? `Random inputs must be a whole number from 1 to ${max}.` : null) ??
    (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff ? 'The seed must be a whole number from 0 to 4294967295.' : null);
  showError($('#features-error'), problem);
  if (problem) return;
  setState('features', 'loading');
  $('#features-run').disabled = true;
  $('#features-cancel').disabled = false;
  const progress = $('#features-progress');
  const sides = [ZEROS, MIRROR];
  try {
    const loaded = await Promise.all(sides.map(detector));
    const maps = [];
    for (const [k, { demo, bytes }] of loaded.entries()) {
      const declared = await featureModel(demo.file, bytes);
      const [height, width] = declared.every(Boolean) ? declared : [catalog.defaults.size, catalog.defaults.size];
      const result = await featureWorker.request('features', { name: demo.file, run: { height, width }, samples, seed }, {
        onProgress: ({ done, total }) => {
          progress.max = total * sides.length;
          progress.value = k * total + done;
          $('#features-status').textContent = `${shortLabel(demo)}: ${done} of ${total} inputs`;
        },
      });
      maps.push({ demo, maps: result.maps });
    }
    featureResult = { samples, seed, sides: maps };
    fillLayers();
    drawFeatures();
    $('#features-status').textContent = `${samples} random inputs, seed ${seed}.`;
    $('#features-link').href = `model.html#${new URLSearchParams({ demo: ZEROS, features: '1', samples: String(samples), seed: String(seed) })}`;
    setState('features', 'done');
  } catch (error) {
    if (error.name === 'AbortError') {
      $('#features-status').textContent = 'Cancelled.';
      setState('features', featureResult ? 'done' : 'cancelled');
    } else {
      showError($('#features-error'), `No mean feature maps: ${error.message}`);
      setState('features', 'failed');
    }
  } finally {
    $('#features-run').disabled = false;
    $('#features-cancel').disabled = true;
  }
}

/**
 * The layer menu: every conv layer, by position (the two detectors share their architecture).
 * The layer shown first is the one whose zero-padded map's border departs most from its
 * interior: where the lines are strongest.
 */
function fillLayers() {
  const [zeros] = featureResult.sides;
  const select = $('#features-layer');
  const previous = select.value;
  fill(select, zeros.maps.map((m, i) => [String(i), `${i + 1}: ${m.layer} (${m.size.join('×')})`]));
  const strength = zeros.maps.map((m) => Math.abs(borderContrast(m.values, m.size)));
  let strongest = 0;
  strength.forEach((s, i) => {
    if (s > (strength[strongest] || 0)) strongest = i;
  });
  select.value = previous !== '' && Number(previous) < zeros.maps.length ? previous : String(strongest);
  select.disabled = false;
}

function drawFeatures() {
  if (!featureResult) return;
  const layer = Number($('#features-layer').value);
  const shown = featureResult.sides.map(({ demo, maps }) => ({ demo, map: maps[layer] })).filter((s) => s.map);
  const range = valueRange(...shown.map((s) => s.map.values));
  const colormap = sequential();
  const notes = [];
  for (const [i, { demo, map }] of shown.entries()) {
    $(i === 0 ? '#features-zeros' : '#features-mirror').show({
      pixels: engine.colourInRange(map.values, range[0], range[1], colormap),
      size: map.size,
      colormap,
      range,
      caption: `${shortLabel(demo)}: ${map.layer}, mean over channels and ${featureResult.samples} inputs`,
      describe: (r, c) => `row ${r}, column ${c}: ${formatNumber(map.values[r * map.size[1] + c], 4)}`,
    });
    shareValues(i === 0 ? 'features-zeros' : 'features-mirror', {
      engine,
      stem: [demo.file.replace(/\.onnx$/, ''), map.layer, 'mean-features', `${featureResult.samples}samples`, `seed${featureResult.seed}`],
      values: map.values,
      size: map.size,
      range,
      colormap,
      barTitle: 'mean value',
      title: `${shortLabel(demo)}: ${map.layer}, mean over channels and ${featureResult.samples} inputs`,
      link: () => $('#features-link').href,
    });
    notes.push(`${escapeXml(shortLabel(demo))}: <strong>${formatPercent(borderContrast(map.values, map.size), 3)}</strong>`);
  }
  $('#features-summary').innerHTML = `The border ring's mean minus the interior's, as a share of the map's range (0: no line): ${notes.join(', ')}.`;
}

// ---- 4. blind spots ----

/**
 * A detector's declared size, from the pool's check (once per file: a check cancels a
 * running grid, so it must not happen while one runs).
 */
const declaredSizes = new Map();
async function detectorSize(file) {
  if (!declaredSizes.has(file)) {
    const { bytes } = await detector(file);
    declaredSizes.set(file, pool.check({ key: `demo:${file}`, bytes }));
  }
  const declared = await declaredSizes.get(file);
  return declared.every(Boolean) ? declared : null;
}

let gridRun = 0;
let gridRunning = false;
/** The street scene (models/index.json `backgrounds`) as the core takes it, decoded once. */
let sceneImage = null;

async function scene(file) {
  if (sceneImage?.file === file) return sceneImage.image;
  const response = await fetch(new URL(file, MODELS_URL)).catch(() => null);
  if (!response?.ok) throw new Error(`Could not load the bundled background ${file}.`);
  sceneImage = { file, image: await decodeImage(await response.blob()) };
  return sceneImage.image;
}

/** What the score, threshold and scene of a detector are (its models/index.json entry). */
function detectSettings(demo) {
  const [score, k] = demo.detect.score.split(':');
  return { score, k, threshold: demo.detect.threshold, background: demo.detect.background };
}

function gridCaption(demo, placements) {
  return `${shortLabel(demo)}: a ${placements.size} px light every ${placements.stride} px`;
}

async function blindSpots() {
  const mine = ++gridRun;
  if (gridRunning) pool.cancel();
  const stride = Number($('#blindspots-stride').value);
  const background = $('#blindspots-background').value;
  showError($('#blindspots-error'), null);
  showError($('#shift-error'), null);
  if (!Number.isInteger(stride) || stride < 1 || stride > catalog.limits.max_side) {
    showError($('#blindspots-error'), `The stride must be a whole number from 1 to ${catalog.limits.max_side}.`);
    return;
  }
  setState('blindspots', 'loading');
  finished = null;
  shiftRun++;
  $('#shift-summary').textContent = '';
  $('#shift-chart').replaceChildren();
  gridRunning = true;
  $('#blindspots-cancel').disabled = false;
  const started = performance.now();
  try {
    const sides = await Promise.all([ZEROS, MIRROR].map(detector));
    const settings = detectSettings(sides[0].demo);
    const [height, width] = (await detectorSize(ZEROS)) ?? [catalog.defaults.size, catalog.defaults.size];
    await detectorSize(MIRROR);
    const request = {
      height,
      width,
      background: background === 'noise' ? `noise:${NOISE_SEED}` : background,
      stimulus: STIMULUS.name,
      stimulusSize: STIMULUS.size,
      stride,
      score: `${settings.score}:${settings.k}`,
      normalization: sides[0].demo.normalization,
      full: false,
    };
    if (background === 'image') request.backgroundImage = await scene(settings.background);
    const grids = [];
    let done = 0;
    let total = 0;
    for (const [i, { demo, bytes }] of sides.entries()) {
      const view = $(i === 0 ? '#grid-zeros' : '#grid-mirror');
      const key = JSON.stringify({ ...request, backgroundImage: request.backgroundImage ? settings.background : undefined });
      let grid = null;
      let redraw = 0;
      await pool.run({ model: { key: `demo:${demo.file}`, bytes }, key, request }, {
        onStart: (placements, rgba) => {
          if (mine !== gridRun) return;
          const count = placements.rows * placements.cols;
          total = count * sides.length;
          grid = { demo, placements, background: backgroundCanvas(rgba, placements.image), scores: new Float64Array(count).fill(NaN) };
          grids[i] = grid;
          showGrids(grids, settings);
        },
        onScores: (start, scores) => {
          if (mine !== gridRun) return;
          grid.scores.set(scores, start);
          done += scores.length;
          $('#blindspots-progress').max = total;
          $('#blindspots-progress').value = done;
          $('#blindspots-status').textContent = `${done} of ${total} placements`;
          // At most five redraws a second: the page's thread shares the cores with the pool.
          redraw ||= setTimeout(() => {
            redraw = 0;
            if (mine === gridRun) view.refresh();
          }, 200);
        },
      });
    }
    if (mine !== gridRun) return;
    showGrids(grids, settings);
    $('#blindspots-status').textContent = `${total} placements in ${formatNumber((performance.now() - started) / 1000, 3)} s`;
    finished = { grid: grids[0], side: sides[0], request, settings, background, stride };
    const lowest = lowestIndex(grids[0].scores);
    await shiftExperiment({ row: Math.floor(lowest / grids[0].placements.cols), col: lowest % grids[0].placements.cols }, true);
    if (mine !== gridRun) return;
    setState('blindspots', 'done');
  } catch (error) {
    if (mine !== gridRun) return;
    if (error.name === 'AbortError') {
      $('#blindspots-status').textContent = 'Cancelled.';
      setState('blindspots', 'cancelled');
    } else {
      showError($('#blindspots-error'), `No detectability grid: ${problemOf(error).message}`);
      setState('blindspots', 'failed');
    }
  } finally {
    if (mine === gridRun) {
      gridRunning = false;
      $('#blindspots-cancel').disabled = true;
    }
  }
}

/** Both grids on one colour scale, and their detection rates. */
function showGrids(grids, settings) {
  const range = valueRange(...grids.map((g) => g.scores));
  for (const [i, grid] of grids.entries()) {
    $(i === 0 ? '#grid-zeros' : '#grid-mirror').show({
      placements: grid.placements,
      background: grid.background,
      scores: grid.scores,
      range,
      colormap: sequential(),
      threshold: settings.threshold,
      opacity: 0.75,
      caption: gridCaption(grid.demo, grid.placements),
      label: 'score',
    });
    shareValues(i === 0 ? 'grid-zeros' : 'grid-mirror', {
      engine,
      stem: [grid.demo.file.replace(/\.onnx$/, ''), $('#blindspots-background').value, `${STIMULUS.name}${STIMULUS.size}`, `stride${grid.placements.stride}`, `${settings.score}-${settings.k}`, 'grid'],
      values: grid.scores,
      size: [grid.placements.rows, grid.placements.cols],
      range,
      colormap: sequential(),
      barTitle: 'score',
      title: gridCaption(grid.demo, grid.placements),
      link: () => $('#blindspots-link').href,
      // The link compares the two detectors; this grid is the one of its own detector.
      embedLink: () => {
        const url = new URL($('#blindspots-link').href);
        const params = new URLSearchParams(url.hash.slice(1));
        params.set('demo', grid.demo.file);
        url.hash = params.toString();
        return url.href;
      },
    });
  }
  $('#rates').innerHTML = grids
    .map((grid) => {
      const { detected, computed } = detectionCount(grid.scores, settings.threshold);
      return `<p>${escapeXml(shortLabel(grid.demo))}: detection rate <strong>${formatPercent(computed ? detected / computed : 0)}</strong> — ${detected} of ${computed} placements score ≥ ${settings.threshold}</p>`;
    })
    .join('');
}

/**
 * The finished grid of the zero-padded detector and how it was computed, for the shift
 * experiment at a cell; null while a grid is being computed.
 */
let finished = null;
let shiftRun = 0;

/**
 * The shift experiment at a cell of the zero-padded grid (its lowest-scoring one, or one the
 * reader clicked), and the Blind spots link that opens it.
 * @param {{row: number, col: number}} cell @param {boolean} lowest
 */
async function shiftExperiment(cell, lowest) {
  const { grid, side: { demo, bytes }, request, settings } = finished;
  const mine = ++shiftRun;
  const p = grid.placements;
  const corner = [cell.row * p.stride, cell.col * p.stride];
  showError($('#shift-error'), null);
  $('#shift-summary').textContent = `Shifting the placement at y ${corner[0]}, x ${corner[1]}…`;
  const curve = await pool.shift({ key: `demo:${demo.file}`, bytes }, request, corner, MAX_SHIFT);
  if (mine !== shiftRun) return;
  const unshifted = curve.directions[0].scores[0];
  const rates = shiftRates(curve, settings.threshold).map((r) => `${r.direction} <strong>${formatPercent(r.detected / r.shifts)}</strong>`);
  const which = lowest ? "'s lowest score is" : ', at the cell you chose, scores';
  $('#shift-summary').innerHTML =
    `${escapeXml(shortLabel(demo))}${which} at y ${corner[0]}, x ${corner[1]}: <strong>${formatNumber(unshifted, 4)}</strong> ` +
    `(${unshifted >= settings.threshold ? 'detected' : 'missed'}). Share of shifts of 1–${MAX_SHIFT} px at which it is detected: ${rates.join(', ') || 'no room to shift'}.`;
  const element = $('#shift-chart');
  element.innerHTML = shiftChartHtml(curve, { width: Math.max(300, element.clientWidth || 600), threshold: settings.threshold, yLabel: 'score', yFromZero: true });
  $('#blindspots-link').href = blindSpotsLink({ ...finished, cell });
  shareShift(curve, [demo.file.replace(/\.onnx$/, ''), 'shift', `y${corner[0]}`, `x${corner[1]}`], () => $('#blindspots-link').href);
}

function blindSpotsLink({ background, stride, settings, cell }) {
  const params = new URLSearchParams({ demo: ZEROS, compare: '1', bdemo: MIRROR, background });
  if (background === 'image') params.set('bgimage', settings.background);
  if (background === 'noise') params.set('seed', String(NOISE_SEED));
  const rest = { stimulus: STIMULUS.name, size: String(STIMULUS.size), stride: String(stride), score: settings.score, k: settings.k, threshold: String(settings.threshold), smax: String(MAX_SHIFT) };
  for (const [key, value] of Object.entries(rest)) params.set(key, value);
  if (cell) params.set('shift', `${cell.row},${cell.col}`);
  return `blindspots.html#${params}`;
}

// ---- average precision ----

/** The model cards' figures the AP table shows, in its column order. */
const AP_FIELDS = ['ap20', 'ap50', 'ap75', 'detection_rate'];

async function apTable() {
  const withCards = index.models.filter((m) => m.card);
  if (withCards.length === 0) throw new Error('This copy of padlens bundles no model cards.');
  const rows = await Promise.all(
    withCards.map(async (demo) => {
      const response = await fetch(new URL(demo.card, MODELS_URL)).catch(() => null);
      const card = response?.ok ? await response.json() : null;
      const cells = AP_FIELDS.map((field) => {
        const metric = card && cardMetric(card, field);
        if (!metric) return '<td>—</td>';
        const spread = metric.runs > 1 ? `<br><small>${formatPercent(metric.low)}–${formatPercent(metric.high)} over ${metric.runs} runs</small>` : '';
        return `<td>${formatPercent(metric.shipped)}${spread}</td>`;
      });
      const missing = card ? '' : ' <small>(model card not found)</small>';
      const data = { detector: demo.file, source: card ? `model card ${demo.card}` : 'model card not found', metrics: Object.fromEntries(AP_FIELDS.map((f) => [f, card && cardMetric(card, f)])) };
      return { html: `<tr><th scope="row">padlens, ${escapeXml(shortLabel(demo))}${missing}</th>${cells.join('')}</tr>`, data };
    }),
  );
  $('#ap-ours').innerHTML = rows.map((r) => r.html).join('');
  // The paper's own figures, read from the rows the page quotes them in (one copy of them).
  const quoted = [...document.querySelectorAll('#ap-table tbody.quoted tr')].map((tr) => {
    // "49.58%" as 49.58e-2, which parses to the nearest double of 0.4958 (÷ 100 does not).
    const values = [...tr.querySelectorAll('td')].map((td) => (/^[\d.]+%$/.test(td.textContent) ? Number(`${td.textContent.slice(0, -1)}e-2`) : null));
    const metrics = Object.fromEntries(AP_FIELDS.map((f, i) => [f, values[i] === null ? null : { shipped: values[i], low: values[i], high: values[i], runs: 1 }]));
    return { detector: tr.querySelector('th').textContent, source: 'the paper (quoted)', metrics };
  });
  shareAp([...rows.map((r) => r.data), ...quoted], () => location.href);
}

// ---- start ----

async function start() {
  document.querySelectorAll('.table-scroll').forEach(scrollHint);
  engine = await loadEngine();
  catalog = engine.catalog();
  const response = await fetch(new URL('index.json', MODELS_URL)).catch(() => null);
  if (response?.ok) index = await response.json();
  fill($('#foveation-mode'), [[OWN, "the network's own (zeros)"], ...catalog.modes.map((m) => [m.name, m.label])]);
  fill($('#foveation-colormap'), catalog.colormaps.map((name) => [name, name]));
  // The image background is the detectors' own scene, when the bundle has it.
  const own = index.models.find((m) => m.file === ZEROS)?.detect?.background;
  const ownLabel = (index.backgrounds ?? []).find((b) => b.file === own)?.label ?? own;
  fill($('#blindspots-background'), catalog.detect.backgrounds.map((k) => [k.name, k.name === 'image' ? ownLabel : k.label]));
  $('#blindspots-background').value = own ? 'image' : catalog.detect.backgrounds[0].name;
  if (!own) $('#blindspots-background').querySelector('option[value=image]')?.remove();
  $('#features-samples').max = catalog.limits.max_feature_samples;

  $('#foveation-controls').addEventListener('change', () => foveation());
  $('#foveation-controls').addEventListener('submit', (event) => event.preventDefault());
  $('#features-controls').addEventListener('submit', (event) => {
    event.preventDefault();
    computeFeatures();
  });
  $('#features-layer').addEventListener('change', drawFeatures);
  $('#features-cancel').addEventListener('click', () => featureWorker.cancel());
  $('#blindspots-controls').addEventListener('change', () => blindSpots());
  $('#blindspots-controls').addEventListener('submit', (event) => event.preventDefault());
  $('#grid-zeros').addEventListener('cell-select', ({ detail }) => {
    if (!finished) return;
    shiftExperiment(detail, false).catch((error) => {
      if (error.name !== 'AbortError') showError($('#shift-error'), problemOf(error).message);
    });
  });
  $('#blindspots-cancel').addEventListener('click', () => {
    gridRun++;
    pool.cancel();
    gridRunning = false;
    $('#blindspots-cancel').disabled = true;
    $('#blindspots-status').textContent = 'Cancelled.';
    setState('blindspots', 'cancelled');
  });

  const ap = apTable().catch((error) => showError($('#ap-error'), error.message));
  await Promise.allSettled([foveation(), unevenSection(), computeFeatures(), blindSpots(), ap]);
  document.body.dataset.status = 'idle';
}

start().catch((error) => {
  const banner = $('#fatal');
  banner.textContent = `padlens could not start: ${error.message}`;
  banner.hidden = false;
  document.body.dataset.status = 'failed';
});
