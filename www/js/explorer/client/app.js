// The explorer page: reads the controls into a state, keeps it in the URL hash, and asks the
// map worker to compute and draw (requests coalesced, so dragging a slider never queues stale
// work). The worker paints the canvases itself; this module shows the text around them.
// Errors stay beside the control they are about and the last good map stays on screen; with
// nothing on screen yet (a bad link), the worker draws the nearest valid view and the page
// says what it changed. The padding report and marginalization sections are analysis.js's,
// and follow the map once it is drawn.

import '../../shared/offline.js';
import { analyse, applyAnalysis, initAnalysis, pendAnalysis, readAnalysis } from '../../analysis/client/analysis.js';
import { LatestOnly, WorkerBridge } from '../../shared/bridge.js';
import { formatCount, formatNumber } from '../../shared/draw.js';
import { decodeHash, describe, encodeHash, localError, queryOf, sourceOf } from '../shared/state.js';
import './config-panel.js';
import { initExports } from './exports.js';
import { ratioData } from './map-view.js';
import './profile-plot.js';

const $ = (selector) => document.querySelector(selector);

const MAP_WORKER = new URL('../worker/map-worker.js', import.meta.url);
/** This page's figure in the map worker, which can serve several (map-worker.js). */
const FIGURE = 'explorer';
const panels = { a: $('#panel-a'), b: $('#panel-b') };
const maps = { a: $('#map-a'), b: $('#map-b'), ratio: $('#map-ratio') };
const profiles = { row: $('#profile-row'), column: $('#profile-column') };
const compareToggle = $('#compare');
const sharedScale = $('#shared-scale');
const status = $('#status');

/** The core's names, limits and defaults, from the worker's `init`. */
let catalog = null;

// The canvases are the worker's once transferred; a fresh worker (after a cancel or a crash)
// gets fresh canvases, since a terminated worker takes its OffscreenCanvases with it.
const bridge = new WorkerBridge(MAP_WORKER, {
  onRestart() {
    for (const map of Object.values(maps)) map.replaceCanvas();
    initWorker();
  },
});
const latest = new LatestOnly((payload) => bridge.request('view', payload, { onProgress: showProgress }), {
  cancel: () => bridge.cancel(),
});
// Zoom and pan redraw one panel; the newest view wins, and nothing is recomputed.
const redraws = Object.fromEntries(
  Object.keys(maps).map((key) => [key, new LatestOnly((view) => bridge.request('viewport', { figure: FIGURE, key, view }), {})]),
);

function initWorker() {
  const canvases = Object.fromEntries(Object.entries(maps).map(([key, map]) => [key, map.takeOffscreen()]));
  return bridge.request('init', { figure: FIGURE, canvases }, { transfer: Object.values(canvases) });
}

let generation = 0; // of the newest update; older results still show maps, not errors
let busyTimer = 0;
let progressText = '';
/** What each panel shows: {summary, profiles, referenceValue, config} of the map on its canvas. */
const shown = { a: null, b: null };
/** What the ratio panel shows: {height, width, low, high}, for its download. */
let shownRatio = null;

function readDisplay() {
  const checked = (name) => document.querySelector(`input[name=${name}]:checked`).value;
  return { reference: checked('reference'), scale: checked('scale'), colormap: checked('colormap'), shared: sharedScale.checked };
}

/** @returns {import('../shared/state.js').State} */
function readState() {
  const compare = compareToggle.checked;
  return { a: panels.a.value, b: compare ? panels.b.value : null, compare, display: readDisplay(), ...readAnalysis() };
}

/** @param {import('../shared/state.js').State} state */
function applyState(state) {
  panels.a.value = state.a;
  compareToggle.checked = state.compare;
  if (state.compare) panels.b.value = state.b;
  for (const name of ['reference', 'scale', 'colormap']) {
    const input = document.querySelector(`input[name=${name}][value="${state.display[name]}"]`);
    if (input) input.checked = true;
  }
  sharedScale.checked = state.display.shared;
  applyAnalysis(state);
  applyMode(state.compare);
}

function applyMode(compare) {
  document.body.classList.toggle('comparing', compare);
  panels.b.hidden = maps.b.hidden = maps.ratio.hidden = !compare;
  panels.a.legend = compare ? 'Configuration A' : 'Network and input';
  maps.a.heading = compare ? 'A' : '';
  // The panels took new sizes: the next drawing must not use the old ones.
  for (const map of Object.values(maps)) if (!map.hidden) map.measure();
}

function setBusy(busy) {
  clearTimeout(busyTimer);
  document.body.dataset.status = busy ? 'computing' : 'idle';
  if (!busy) {
    status.textContent = '';
    return;
  }
  // Only slow work is worth a message; fast updates would just flicker.
  busyTimer = setTimeout(() => {
    status.textContent = progressText || 'Computing…';
  }, 300);
}

function showProgress(progress) {
  const which = progress.count > 1 ? ` ${'AB'[progress.index]}` : '';
  progressText = progress.stage === 'ratio' ? 'Computing the ratio A ÷ B…' : `Computing map${which}…`;
  if (status.textContent) status.textContent = progressText;
}

/** The view each visible panel is drawn at; a map whose size changes starts fitted again. */
function viewsFor(state) {
  const size = (config) => [config.height, config.width];
  const sizes = { a: size(state.a) };
  if (state.compare) {
    sizes.b = size(state.b);
    sizes.ratio = [0, 1].map((axis) => Math.min(sizes.a[axis], sizes.b[axis]));
  }
  const views = {};
  for (const [key, mapSize] of Object.entries(sizes)) {
    const old = key === 'ratio' ? null : shown[key]?.config;
    if (old && (old.height !== mapSize[0] || old.width !== mapSize[1])) maps[key].resetView();
    views[key] = maps[key].viewFor(mapSize);
  }
  return views;
}

/**
 * The address follows the view, at most every 250 ms: writing it on every change of a drag
 * cost 1.4 ms a time (BENCHMARKS.md), and only the last one matters.
 */
const writeHash = (() => {
  let timer = 0;
  let last = 0;
  const write = () => {
    clearTimeout(timer);
    timer = 0;
    last = performance.now();
    history.replaceState(null, '', `#${encodeHash(readState())}`);
  };
  const schedule = () => {
    if (timer) return;
    const wait = last + 250 - performance.now();
    if (wait <= 0) write();
    else timer = setTimeout(write, wait);
  };
  /** Writes now what is waiting, if anything (the page is about to say it is idle). */
  schedule.flush = () => {
    if (timer) write();
  };
  return schedule;
})();

/** Runs `work` once the browser has painted the frame that shows what is on screen now. */
const afterPaint = (work) => requestAnimationFrame(() => setTimeout(work, 0));

async function update() {
  const state = readState();
  writeHash();
  pendAnalysis();
  const g = ++generation;
  const keys = state.compare ? ['a', 'b'] : ['a'];
  const configs = keys.map((key) => {
    const error = localError(state[key], catalog.limits);
    if (!error) return { key, ...sourceOf(state[key]), ...queryOf(state[key]) };
    panels[key].error = { message: error, subject: 'size' };
    maps[key].stale = true;
    return null;
  });
  markDetailsStale(state);
  if (configs.every((c) => c === null)) {
    analyse(state); // it says what is wrong in its own sections too
    writeHash.flush();
    setBusy(false);
    return;
  }
  setBusy(true);
  progressText = '';
  let result;
  try {
    result = await latest.submit({ figure: FIGURE, configs, display: state.display, shared: state.display.shared, views: viewsFor(state) });
  } catch (error) {
    if (error.name !== 'RuntimeError') {
      showFatal(error);
      return;
    }
    // The core trapped (a bug; the bridge has already restarted the worker): say so where
    // the other errors go.
    for (const key of keys) {
      panels[key].error = {
        message: `The engine failed on this input and was restarted (${error.message}). This is a bug: please report it with this page's address.`,
        subject: 'request',
      };
      maps[key].stale = true;
    }
    if (g === generation) {
      analyse(state);
      writeHash.flush();
      setBusy(false);
    }
    return;
  }
  if (!result) return; // replaced by a newer request, which will show itself
  show(result, state, g === generation);
  // The profiles, the summary, the report and the marginalization follow the map: they wait
  // for the frame that shows it (run before it, they delayed it by 10 ms, BENCHMARKS.md),
  // and a newer change, e.g. the next step of a drag, skips them.
  afterPaint(() => {
    if (g !== generation) return;
    showDetails(state);
    analyse(readState());
    writeHash.flush();
    setBusy(false);
  });
}

/** The controls of a panel set to what the worker drew instead of what was asked. */
function applyFallback(key, fallback) {
  const config = panels[key].value;
  const { query, source } = fallback;
  const drawn = {
    ...config,
    ...(source.arch && config.arch !== 'custom' ? { arch: source.arch } : {}),
    height: query.height,
    width: query.width,
    linked: config.linked && query.height === query.width,
    mode: query.mode,
    depth: query.depth,
  };
  panels[key].value = drawn;
  return drawn;
}

/** What a fallback changed, in words, after the reason. */
function fallbackNote(asked, drawn, source) {
  if (asked.arch === 'custom' && source.arch) return ` The map shows ${source.arch} until the spec is fixed.`;
  if (asked.arch !== drawn.arch) return ` Showing ${drawn.arch}.`;
  if (asked.height !== drawn.height || asked.width !== drawn.width) return ` Showing ${drawn.height}×${drawn.width}.`;
  if (asked.mode !== drawn.mode) return ' Showing the network’s own padding.';
  if (asked.depth !== drawn.depth) return ' Showing all layers.';
  return '';
}

function show(result, state, newest) {
  for (const key of state.compare ? ['a', 'b'] : ['a']) {
    const map = result.maps[key];
    if (!map) continue;
    let config = state[key];
    if (map.fallback) {
      const drawn = applyFallback(key, map.fallback);
      const { message } = map.fallback.problem;
      const stop = /[.!?]$/.test(message) ? '' : '.';
      panels[key].error = { ...map.fallback.problem, message: message + stop + fallbackNote(config, drawn, map.fallback.source) };
      config = drawn;
      writeHash();
    } else if (newest && 'ok' in map) {
      // An older result must not overwrite what the newest state says about errors.
      panels[key].error = map.ok ? null : map.problem;
    }
    if (newest && map.layerNames) panels[key].layerNames = map.layerNames;
    if (map.ok) panels[key].sizeLimits = { network: map.network, ...map.limits };
    if (map.shown) {
      const fresh = map.ok || map.fallback;
      const caption = fresh ? describe({ ...config, arch: map.fallback?.source.arch ?? config.arch }) : shown[key]?.caption;
      maps[key].show({ kind: 'count', ...map.shown, reference: state.display.reference, scale: state.display.scale, colorbar: result.colorbar, caption });
      shown[key] = { ...map.shown, config: fresh ? config : shown[key]?.config, caption };
    }
    if (newest && 'ok' in map) maps[key].stale = !map.ok;
  }
  if (result.ratio) {
    maps.ratio.show(ratioData(result.ratio, result.ratioColorbar, shown.a, shown.b));
    maps.ratio.stale = false;
    shownRatio = result.ratio;
  } else if (newest && state.compare) {
    maps.ratio.stale = true;
  }
  markDetailsStale(state);
}

/** The profiles and the summary are marked out of date while a map they describe is. */
function markDetailsStale(state) {
  const keys = state.compare ? ['a', 'b'] : ['a'];
  const stale = keys.some((key) => !maps[key].hidden && !maps[key].querySelector('[data-role=stale]').hidden);
  for (const badge of document.querySelectorAll('[data-role=details-stale]')) badge.hidden = !stale;
}

/** Centre profiles and the summary table of the maps on screen. */
function showDetails(state) {
  markDetailsStale(state);
  const keys = state.compare ? ['a', 'b'] : ['a'];
  const visible = keys.filter((key) => shown[key]);
  const reference = state.display.reference === 'max' ? 'max' : 'centre';
  const series = { row: [], column: [] };
  const centres = [];
  for (const key of visible) {
    const { profiles: p, referenceValue } = shown[key];
    const label = state.compare ? key.toUpperCase() : 'map';
    series.row.push({ label, values: p.row.map((v) => v / referenceValue), className: `series-${key}` });
    series.column.push({ label, values: p.column.map((v) => v / referenceValue), className: `series-${key}` });
    centres.push(`${state.compare ? `${key.toUpperCase()}: ` : ''}rows ${p.rows.join('–')}, columns ${p.columns.join('–')}`);
  }
  const yLabel = `utilization ÷ ${reference}`;
  profiles.row.plot({ series: series.row, scale: state.display.scale, xLabel: 'column x', yLabel });
  profiles.column.plot({ series: series.column, scale: state.display.scale, xLabel: 'row y', yLabel });
  $('#profile-centres').textContent = centres.length ? `Centre (${catalog.centre_rule}): ${centres.join('; ')}.` : '';
  $('#profile-legend').hidden = !state.compare;

  for (const key of ['a', 'b']) {
    const entry = keys.includes(key) ? shown[key] : null;
    for (const cell of document.querySelectorAll(`#summary [data-col=${key}]`)) {
      cell.hidden = !keys.includes(key);
      const field = cell.dataset.field;
      if (!entry) {
        cell.textContent = '–';
        continue;
      }
      const s = entry.summary;
      switch (field) {
        case 'heading':
          cell.textContent = state.compare ? key.toUpperCase() : 'value';
          cell.title = entry.caption ?? '';
          break;
        case 'size':
          cell.textContent = `${s.height} × ${s.width}`;
          break;
        case 'centre':
        case 'min':
        case 'max': {
          // Stored values × 2^log2_scale: four digits to read, every digit on hover when a
          // double holds the count exactly; past f64's range as mantissa × 10^e.
          const count = formatCount(s[field], s.log2_scale);
          cell.textContent = count.approx;
          cell.title = count.exact ?? '';
          break;
        }
        default:
          cell.textContent = formatNumber(s[field], 4);
      }
    }
  }
}

function showFatal(error) {
  console.error(error); // for whoever debugs it; the banner is for everyone else
  setBusy(false);
  const banner = $('#fatal');
  banner.hidden = false;
  banner.textContent = `The compute engine stopped: ${error.message}. Reload the page to start again.`;
}

/** The colour maps the core offers, as the display's radio buttons. */
function buildColormaps() {
  $('#colormaps').innerHTML = catalog.colormaps
    .map((name, i) => `<input type="radio" name="colormap" id="colormap-${name}" value="${name}"${i === 0 ? ' checked' : ''}><label for="colormap-${name}">${name}</label>`)
    .join('');
}

async function start() {
  try {
    catalog = await initWorker();
  } catch (error) {
    showFatal(error);
    return;
  }
  buildColormaps();
  panels.a.init(catalog);
  panels.b.init(catalog);
  panels.b.legend = 'Configuration B';
  for (const [key, map] of Object.entries(maps)) {
    map.source = {
      redraw: (view) => redraws[key].submit(view).then((r) => r?.viewport ?? null),
      pixel: (y, x) => bridge.request('pixel', { figure: FIGURE, key, y, x }),
    };
  }
  initAnalysis(catalog, {
    onChange(recompute) {
      const state = readState();
      // Written at once: these controls compute nothing before the hash would show them.
      history.replaceState(null, '', `#${encodeHash(state)}`);
      if (recompute) analyse(state);
    },
  });
  applyState(decodeHash(location.hash, catalog));
  initExports({
    bridge,
    figure: FIGURE,
    link: () => new URL(`#${encodeHash(readState())}`, location.href).href,
    state: readState,
    shown: (key) => shown[key],
    ratio: () => shownRatio,
    maps,
    catalog,
  });

  document.addEventListener('config-change', update);
  $('#display').addEventListener('change', update);
  compareToggle.addEventListener('change', () => {
    // B starts as a copy of A: change one thing to see what it does.
    if (compareToggle.checked) panels.b.value = panels.a.value;
    applyMode(compareToggle.checked);
    update();
  });
  // Someone edited the hash or followed a link within the page.
  window.addEventListener('hashchange', () => {
    applyState(decodeHash(location.hash, catalog));
    for (const map of Object.values(maps)) map.resetView();
    update();
  });
  // A size the padding report suggests: A takes it, and everything follows.
  document.addEventListener('apply-size', ({ detail }) => {
    const config = panels.a.value;
    const height = detail.height ?? (config.linked ? detail.width : config.height);
    const width = detail.width ?? (config.linked ? detail.height : config.width);
    panels.a.value = { ...config, height, width, linked: config.linked && height === width };
    update();
  });
  // Link the pixel being read on a map to the profiles.
  document.addEventListener('pixel', (event) => {
    if (event.target === maps.ratio) return;
    profiles.row.marker = event.detail?.x ?? null;
    profiles.column.marker = event.detail?.y ?? null;
  });
  update();
}

start();
