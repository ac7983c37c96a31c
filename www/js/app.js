// The page: reads the controls into a state, keeps it in the URL hash, asks the worker for
// the maps (coalesced, so dragging a slider never queues stale work) and shows the results.
// Errors stay beside their configuration and the last good map stays on screen. The padding
// report and marginalization sections below the maps are analysis.js's.

import { analyse, applyAnalysis, initAnalysis, readAnalysis } from './analysis.js';
import { LatestOnly, WorkerBridge } from './bridge.js';
import { centreProfiles, formatCount, formatNumber } from './draw.js';
import { decodeHash, describe, encodeHash, localError, toRequest } from './state.js';
import './config-panel.js';
import './map-view.js';
import './profile-plot.js';

const $ = (selector) => document.querySelector(selector);

const WORKER = new URL('./worker.js', import.meta.url);
const bridge = new WorkerBridge(WORKER);
const latest = new LatestOnly((payload) => bridge.request('view', payload, { onProgress: showProgress }), {
  cancel: () => bridge.cancel(),
});

const panels = { a: $('#panel-a'), b: $('#panel-b') };
const maps = { a: $('#map-a'), b: $('#map-b'), ratio: $('#map-ratio') };
const profiles = { row: $('#profile-row'), column: $('#profile-column') };
const compareToggle = $('#compare');
const status = $('#status');

let generation = 0; // of the newest update; older results still show maps, not errors
let busyTimer = 0;
let progressText = '';
/** The last map successfully shown per configuration: {map, config}. */
const shown = { a: null, b: null };

function readDisplay() {
  const checked = (name) => document.querySelector(`input[name=${name}]:checked`).value;
  return { reference: checked('reference'), scale: checked('scale'), colormap: checked('colormap') };
}

/** @returns {import('./state.js').State} */
function readState() {
  const compare = compareToggle.checked;
  return { a: panels.a.value, b: compare ? panels.b.value : null, compare, display: readDisplay(), ...readAnalysis() };
}

/** @param {import('./state.js').State} state */
function applyState(state) {
  panels.a.value = state.a;
  compareToggle.checked = state.compare;
  if (state.compare) panels.b.value = state.b;
  for (const [name, value] of Object.entries(state.display)) {
    document.querySelector(`input[name=${name}][value="${value}"]`).checked = true;
  }
  applyAnalysis(state);
  applyMode(state.compare);
}

function applyMode(compare) {
  document.body.classList.toggle('comparing', compare);
  panels.b.hidden = maps.b.hidden = maps.ratio.hidden = !compare;
  panels.a.legend = compare ? 'Configuration A' : 'Network and input';
  maps.a.heading = compare ? 'A' : '';
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

async function update() {
  const state = readState();
  history.replaceState(null, '', `#${encodeHash(state)}`);
  analyse(state);
  const g = ++generation;
  const keys = state.compare ? ['a', 'b'] : ['a'];
  const ready = [];
  for (const key of keys) {
    const error = localError(state[key]);
    if (error) {
      panels[key].error = { message: error, subject: 'size' };
      maps[key].stale = true;
    } else {
      ready.push(key);
    }
  }
  if (state.compare && ready.length < 2) maps.ratio.stale = true;
  if (ready.length === 0) {
    setBusy(false);
    return;
  }
  setBusy(true);
  progressText = '';
  let result;
  try {
    result = await latest.submit({ configs: ready.map((key) => toRequest(state[key])), display: state.display });
  } catch (error) {
    if (error.name !== 'RuntimeError') {
      showFatal(error);
      return;
    }
    // The core trapped (a bug; the bridge has already restarted the worker): say so where
    // the other errors go and keep the last maps.
    for (const key of ready) {
      panels[key].error = {
        message: `The engine failed on this input and was restarted (${error.message}). This is a bug: please report it with this page's address.`,
        subject: 'request',
      };
      maps[key].stale = true;
    }
    if (g === generation) setBusy(false);
    return;
  }
  if (!result) return; // replaced by a newer request, which will show itself
  show(result, ready, state, g === generation);
  if (g === generation) setBusy(false);
}

function show(result, keys, state, newest) {
  result.maps.forEach((map, i) => {
    const key = keys[i];
    if (map.ok) {
      maps[key].show({
        kind: 'count',
        ...map,
        reference: state.display.reference,
        scale: state.display.scale,
        colorbar: result.colorbar,
        caption: describe(state[key]),
      });
      shown[key] = { map, config: state[key] };
    }
    // An older result must not overwrite what the newest state says about errors.
    if (newest) {
      panels[key].layerNames = map.layerNames;
      panels[key].error = map.ok ? null : { message: map.error, subject: map.subject };
      maps[key].stale = !map.ok;
    }
  });
  if (result.ratio) {
    const { height, width } = result.ratio;
    const sameSize = state.a.height === state.b.height && state.a.width === state.b.width;
    maps.ratio.show({
      kind: 'ratio',
      ...result.ratio,
      reference: 'none',
      scale: state.display.scale,
      colorbar: result.colorbar,
      caption: sameSize
        ? 'raw counts, pixel by pixel'
        : `raw counts on the common ${height}×${width} region, centres aligned`,
    });
    maps.ratio.stale = false;
  } else if (newest && state.compare) {
    maps.ratio.stale = true;
  }
  showDetails(state);
}

/** Centre profiles and the summary table of the maps on screen. */
function showDetails(state) {
  const keys = state.compare ? ['a', 'b'] : ['a'];
  const visible = keys.filter((key) => shown[key]);
  const reference = state.display.reference === 'max' ? 'max' : 'centre';
  const series = { row: [], column: [] };
  const centres = [];
  for (const key of visible) {
    const { map } = shown[key];
    const relative = map.values.map((v) => v / map.referenceValue);
    const p = centreProfiles(relative, map.height, map.width);
    const label = state.compare ? key.toUpperCase() : 'map';
    series.row.push({ label, values: p.row, className: `series-${key}` });
    series.column.push({ label, values: p.column, className: `series-${key}` });
    centres.push(`${state.compare ? `${key.toUpperCase()}: ` : ''}rows ${p.rows.join('–')}, columns ${p.columns.join('–')}`);
  }
  const yLabel = `utilization ÷ ${reference}`;
  profiles.row.plot({ series: series.row, scale: state.display.scale, xLabel: 'column x', yLabel });
  profiles.column.plot({ series: series.column, scale: state.display.scale, xLabel: 'row y', yLabel });
  $('#profile-centres').textContent = `Centre (mean of the middle pixels): ${centres.join('; ')}.`;
  $('#profile-legend').hidden = !state.compare;

  for (const key of ['a', 'b']) {
    const cells = document.querySelectorAll(`#summary [data-col=${key}]`);
    const entry = keys.includes(key) ? shown[key] : null;
    for (const cell of cells) {
      cell.hidden = !keys.includes(key);
      const field = cell.dataset.field;
      if (!entry) {
        cell.textContent = '–';
        continue;
      }
      const s = entry.map.summary;
      switch (field) {
        case 'heading':
          cell.textContent = state.compare ? key.toUpperCase() : 'value';
          cell.title = describe(entry.config);
          break;
        case 'size':
          cell.textContent = `${s.height} × ${s.width}`;
          break;
        case 'centre':
        case 'min':
        case 'max': {
          // Raw counts: four digits to read, every digit on hover.
          const count = formatCount(s[field]);
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

async function start() {
  let catalog;
  try {
    catalog = await bridge.request('catalog');
  } catch (error) {
    showFatal(error);
    return;
  }
  panels.a.init(catalog);
  panels.b.init(catalog);
  panels.b.legend = 'Configuration B';
  initAnalysis(catalog, WORKER, {
    onChange(recompute) {
      const state = readState();
      history.replaceState(null, '', `#${encodeHash(state)}`);
      if (recompute) analyse(state);
    },
  });
  applyState(decodeHash(location.hash, catalog.modes));

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
    applyState(decodeHash(location.hash, catalog.modes));
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
