// The "Uneven padding" and "Boundary marginalization" sections: their controls, and the two
// workers they compute in. The report and the map's marginalization follow configuration A
// through a LatestOnly worker of their own; sweeps run in a third worker, so a long sweep
// holds up neither the map nor the report, and Cancel can terminate it without losing either.
// app.js owns the page state; this module reads and writes its `doctor` and `sweep` parts.

import { archOptions, modeOptions } from '../../explorer/client/config-panel.js';
import { localError, networkName, queryOf, searchError, sourceOf, sweepSizes, thresholdError } from '../../explorer/shared/state.js';
import { LatestOnly, WorkerBridge } from '../../shared/bridge.js';
import { bandSvg, escapeXml, formatNumber, formatPercent } from '../../shared/draw.js';
import './depth-chart.js';
import './sweep-chart.js';
import './uneven-report.js';

const $ = (selector) => document.querySelector(selector);

const els = {
  doctor: $('#doctor'),
  doctorSubject: $('#doctor-subject'),
  doctorStale: $('#doctor-stale'),
  doctorError: $('#doctor-error'),
  frameworkHint: $('#framework-hint'),
  frameworks: $('#frameworks'),
  searchFrom: $('#search-from'),
  searchTo: $('#search-to'),
  report: $('#uneven-report'),
  depth: $('#depth'),
  depthChart: $('#depth-chart'),
  margin: $('#marginalization'),
  marginSubject: $('#margin-subject'),
  marginError: $('#margin-error'),
  marginCurrent: $('#margin-current'),
  marginNote: $('#margin-note'),
  bandDiagram: $('#band-diagram'),
  tau: $('#tau'),
  sweep: $('#sweep'),
  sweepForm: $('#sweep-form'),
  sweepFrom: $('#sweep-from'),
  sweepTo: $('#sweep-to'),
  sweepStep: $('#sweep-step'),
  sweepALabel: $('#sweep-a-label'),
  sweepSecond: $('#sweep-second'),
  sweepArch: $('#sweep-b-arch'),
  sweepMode: $('#sweep-b-mode'),
  sweepRun: $('#sweep-run'),
  sweepCancel: $('#sweep-cancel'),
  sweepProgress: $('#sweep-progress'),
  sweepCount: $('#sweep-count'),
  sweepStatus: $('#sweep-status'),
  sweepError: $('#sweep-error'),
  sweepChart: $('#sweep-chart'),
};

const numberValue = (input) => (input.value.trim() === '' ? NaN : Number(input.value));

/** @type {WorkerBridge} */ let reportBridge;
/** @type {WorkerBridge} */ let sweepBridge;
/** @type {LatestOnly} */ let latest;
const ANALYSIS_WORKER = new URL('../worker/analysis-worker.js', import.meta.url);

let generation = 0; // of the newest report request
/** The core's names, limits and defaults. */
let catalog = null;
/** @type {import('../../explorer/shared/state.js').Config|null} configuration A, as last analysed (sweeps start from it) */
let currentA = null;

/**
 * The sweep on screen: what was asked, and the points so far.
 * @type {{series: import('./sweep-chart.js').SweepSeries[], sizes: number[], done: number, startedAt: number}|null}
 */
let sweepRun = null;
let runs = 0; // counts sweeps started, so a superseded one stays quiet
let runOnAnalyse = false; // a link asked for a sweep: start it with the next analysis
/** The size of A's map when it is square (marked on the sweep chart), else null. */
let mapSize = null;
/** The uneven-padding report on screen (the core's diagnosis), for its downloads. */
let diagnosis = null;
/** The map's marginalization figures on screen (the core's, with the size and τ), or null. */
let marginalization = null;

/**
 * What these sections show, for their downloads (exports.js): the report (the core's
 * diagnosis, with its depth profile) and the sweep with the τ it ran at, each null until
 * there is one.
 * @returns {{diagnosis: object|null, marginalization: object|null, sweep: {series: import('./sweep-chart.js').SweepSeries[], sizes: number[], threshold: number}|null}}
 */
export function analysisData() {
  return { diagnosis, marginalization, sweep: sweepRun && { series: sweepRun.series, sizes: sweepRun.sizes, threshold: sweepRun.threshold } };
}

/**
 * Builds the controls and starts the workers.
 * @param {import('../../explorer/shared/state.js').Catalog} core the core's catalog
 * @param {{onChange: (recompute: boolean) => void}} callbacks `onChange(true)` when the report
 *   or the map's marginalization must be recomputed; false when only the hash changes
 */
export function initAnalysis(core, { onChange }) {
  catalog = core;
  reportBridge = new WorkerBridge(ANALYSIS_WORKER);
  sweepBridge = new WorkerBridge(ANALYSIS_WORKER);
  latest = new LatestOnly((payload) => reportBridge.request('analysis', payload), { cancel: () => reportBridge.cancel() });
  els.sweepArch.innerHTML = archOptions(catalog.zoo);
  els.sweepMode.innerHTML = modeOptions(catalog.modes, 'as the network defines it');
  els.frameworks.innerHTML = catalog.frameworks
    .map((f, i) => `<input type="radio" name="framework" id="framework-${f.name}" value="${f.name}"${i === 0 ? ' checked' : ''}><label for="framework-${f.name}">${escapeXml(f.label)}</label>`)
    .join('');

  // Typing a number recomputes as you go, as the size fields do (radios fire `input` too).
  for (const group of [els.doctor.querySelector('.panel-controls'), els.margin.querySelector('.panel-controls')]) {
    group.addEventListener('input', () => onChange(true));
  }
  els.sweepForm.addEventListener('input', () => onChange(false));
  els.sweepSecond.addEventListener('change', syncSecond);
  els.sweepForm.addEventListener('submit', (event) => {
    event.preventDefault();
    onChange(false);
    startSweep();
  });
  els.sweepCancel.addEventListener('click', cancelSweep);
}

/** @returns {{doctor: import('../../explorer/shared/state.js').Doctor, sweep: import('../../explorer/shared/state.js').Sweep}} */
export function readAnalysis() {
  return {
    doctor: {
      framework: document.querySelector('input[name=framework]:checked').value,
      searchFrom: numberValue(els.searchFrom),
      searchTo: numberValue(els.searchTo),
    },
    sweep: {
      threshold: numberValue(els.tau),
      from: numberValue(els.sweepFrom),
      to: numberValue(els.sweepTo),
      step: numberValue(els.sweepStep),
      second: els.sweepSecond.checked ? { arch: els.sweepArch.value, mode: els.sweepMode.value || null } : null,
      run: sweepRun !== null || runOnAnalyse,
    },
  };
}

/** @param {{doctor: import('../../explorer/shared/state.js').Doctor, sweep: import('../../explorer/shared/state.js').Sweep}} state */
export function applyAnalysis({ doctor, sweep }) {
  document.querySelector(`input[name=framework][value="${doctor.framework}"]`).checked = true;
  const text = (v) => (Number.isFinite(v) ? String(v) : '');
  els.searchFrom.value = text(doctor.searchFrom);
  els.searchTo.value = text(doctor.searchTo);
  els.tau.value = text(sweep.threshold);
  els.sweepFrom.value = text(sweep.from);
  els.sweepTo.value = text(sweep.to);
  els.sweepStep.value = text(sweep.step);
  els.sweepSecond.checked = sweep.second !== null;
  if (sweep.second) {
    // Keep a network from a link even if this build lacks it; the engine will explain.
    if (![...els.sweepArch.options].some((o) => o.value === sweep.second.arch)) els.sweepArch.append(new Option(sweep.second.arch));
    els.sweepArch.value = sweep.second.arch;
    els.sweepMode.value = sweep.second.mode ?? '';
  }
  syncSecond();
  // A link with a sweep on screen runs it again, once configuration A is known.
  if (sweep.run && !sweepRun) runOnAnalyse = true;
}

/** The second series' menus work only when it is on. */
function syncSecond() {
  const on = els.sweepSecond.checked;
  els.sweepArch.disabled = els.sweepMode.disabled = !on;
}

const paddingText = (mode) => (mode ? `${mode} padding` : 'padding as defined');

/** A sweep series' name: network and padding. */
function seriesLabel(name, mode) {
  return `${name} · ${paddingText(mode)}`;
}

/**
 * Recomputes the report and the map's marginalization for configuration A.
 * @param {import('../../explorer/shared/state.js').State} state
 */
export async function analyse(state) {
  const config = state.a;
  currentA = config;
  const name = networkName(config);
  const { doctor, sweep } = state;
  const square = config.height === config.width;
  mapSize = square && Number.isInteger(config.height) ? config.height : null;
  els.sweepALabel.textContent = `configuration A: ${seriesLabel(name, config.mode)}`;
  // Until it is switched on, the second series follows A: it starts as a copy, so that
  // changing one thing shows what that thing does.
  if (!els.sweepSecond.checked) {
    if (catalog.zoo.some((e) => e.name === config.arch)) els.sweepArch.value = config.arch;
    els.sweepMode.value = config.mode ?? '';
  }
  if (sweepRun) plotSweep();
  if (runOnAnalyse) {
    runOnAnalyse = false;
    startSweep();
  }

  els.frameworkHint.textContent = catalog.frameworks.find((f) => f.name === doctor.framework)?.hint ?? '';
  const sizeText = `${config.height}×${config.width}`;
  // In compare mode, say which configuration these sections are about.
  const which = state.compare ? 'A: ' : '';
  els.doctorSubject.textContent = `${which}${name} at ${sizeText}`;
  els.marginSubject.textContent = `${which}${name} at ${sizeText} · ${paddingText(config.mode)} · τ = ${sweep.threshold}`;

  const problem = localError(config, catalog.limits);
  const doctorProblem = problem ?? searchError(doctor, catalog.limits);
  const marginProblem = problem ?? thresholdError(sweep.threshold);
  showError(els.doctorError, doctorProblem === problem ? null : doctorProblem);
  showError(els.marginError, marginProblem === problem ? null : marginProblem);
  els.doctorStale.hidden = !doctorProblem;

  const query = queryOf(config);
  els.marginNote.textContent = !problem && config.depth !== null
    ? `For the map above: the first ${config.depth} layer${config.depth === 1 ? '' : 's'}.`
    : '';
  if (marginProblem) showMargin(null);
  if (doctorProblem && marginProblem) {
    setStatus('idle');
    return;
  }

  const g = ++generation;
  setStatus('computing');
  let result;
  try {
    result = await latest.submit({
      source: sourceOf(config),
      query,
      diagnose: doctorProblem ? null : { framework: doctor.framework, search: [doctor.searchFrom, doctor.searchTo] },
      threshold: marginProblem ? null : sweep.threshold,
    });
  } catch (error) {
    // The core trapped or the worker could not start; the report keeps its last result.
    showError(els.doctorError, `The engine could not compute the report (${error.message}).`);
    els.doctorStale.hidden = false;
    if (g === generation) setStatus('idle');
    return;
  }
  if (!result) return; // a newer request replaced this one
  const newest = g === generation;
  if (result.doctor) {
    if (result.doctor.ok) {
      // Hidden until there is a first report: an input that fails from the start shows its error alone.
      els.report.hidden = els.depth.hidden = false;
      els.report.show(result.doctor.value);
      diagnosis = result.doctor.value;
      els.depthChart.plot(result.doctor.value.depth_profile);
    }
    if (newest) {
      showError(els.doctorError, result.doctor.ok ? null : `No report for this input: ${result.doctor.problem.message}`);
      els.doctorStale.hidden = result.doctor.ok;
    }
  }
  if (result.marginalization) {
    const point = result.marginalization.ok ? result.marginalization.value : { error: result.marginalization.problem.message };
    // The figures carry the size they were computed at, for the to-scale diagram.
    marginalization = point.error ? null : { ...point, height: query.height, width: query.width, threshold: sweep.threshold };
    showMargin(marginalization);
    if (newest) showError(els.marginError, point.error ? `No figures for this input: ${point.error}` : null);
  }
  if (newest) setStatus('idle');
}

/**
 * Marks the report and the marginalization as about to change: they follow the map, which
 * is being computed (so a test, or a reader, does not take the old figures for the new).
 */
export function pendAnalysis() {
  setStatus('computing');
}

function setStatus(status) {
  els.doctor.dataset.status = els.margin.dataset.status = status;
}

function showError(element, message) {
  element.hidden = !message;
  element.textContent = message ?? '';
}

/** The map's marginalization figures and band diagram, or dashes. */
function showMargin(point) {
  const cells = Object.fromEntries([...els.marginCurrent.querySelectorAll('td[data-field]')].map((td) => [td.dataset.field, td]));
  cells.share.textContent = point ? formatPercent(point.share) : '–';
  cells.band.textContent = point ? point.band.join(', ') : '–';
  cells.band_relative.textContent = point ? `${point.band_max} px = ${formatPercent(point.band_relative)}` : '–';
  els.bandDiagram.innerHTML = point ? bandSvg(point.band, point.height, point.width) : '';
}

/** Starts a sweep with the settings on screen; one already running is cancelled first. */
function startSweep() {
  const { sweep } = readAnalysis();
  const { sizes, error } = sweepSizes(sweep, catalog.limits);
  const problem = error ?? thresholdError(sweep.threshold);
  showError(els.sweepError, problem);
  if (problem) return;
  const a = currentA;
  const aProblem = localError(a, catalog.limits);
  if (aProblem) {
    showError(els.sweepError, `Configuration A: ${aProblem}`);
    return;
  }
  sweepBridge.cancel();
  const run = ++runs;
  const series = [
    { label: seriesLabel(networkName(a), a.mode), className: 'series-a', marker: 'circle', points: [], request: { source: sourceOf(a), mode: a.mode } },
  ];
  if (sweep.second) {
    series.push({ label: seriesLabel(sweep.second.arch, sweep.second.mode), className: 'series-b', marker: 'square', points: [], request: { source: { arch: sweep.second.arch }, mode: sweep.second.mode } });
  }
  sweepRun = { series, sizes, threshold: sweep.threshold, done: 0, startedAt: performance.now() };
  els.sweepChart.hidden = false;
  setSweepState('running', `Sweeping ${sizes.length} sizes from ${sizes[0]} to ${sizes.at(-1)} at τ = ${sweep.threshold}…`);
  showProgress();
  plotSweep();
  sweepBridge
    .request('sweep', { series: series.map((s) => s.request), sizes, threshold: sweep.threshold }, {
      onProgress: ({ done, points }) => {
        if (run !== runs) return;
        points.forEach((point, i) => series[i].points.push(point));
        sweepRun.done = done;
        showProgress();
        plotSweep();
      },
    })
    .then(
      () => {
        if (run !== runs) return;
        const seconds = (performance.now() - sweepRun.startedAt) / 1000;
        setSweepState('done', `Done: ${sizes.length} sizes in ${formatNumber(seconds, 2)} s.`);
      },
      (failure) => {
        if (run !== runs) return; // replaced by a newer sweep, which reports itself
        if (failure.name === 'AbortError' && sweepRun.done === sizes.length) {
          setSweepState('done', `Done: ${sizes.length} sizes.`); // cancelled as the last answer came in
        } else if (failure.name === 'AbortError') {
          setSweepState('cancelled', `Cancelled after ${sweepRun.done} of ${sizes.length} sizes.`);
        } else {
          setSweepState('error', '');
          showError(els.sweepError, `The sweep stopped: ${failure.message}`);
        }
      },
    );
}

/** Stops the running sweep: its worker is terminated (bridge.js), mid-size if need be. */
function cancelSweep() {
  sweepBridge.cancel();
}

function setSweepState(state, message) {
  if (state !== 'running') plotSweep({ now: true });
  els.sweep.dataset.status = state;
  els.sweepStatus.textContent = message;
  const running = state === 'running';
  // A disabled button drops the keyboard focus: hand it to the button that now works.
  if (!running && document.activeElement === els.sweepCancel) els.sweepRun.focus();
  els.sweepCancel.disabled = !running;
  els.sweepRun.textContent = running ? 'Restart sweep' : 'Run sweep';
}

function showProgress() {
  const { done, sizes } = sweepRun;
  els.sweepProgress.max = sizes.length;
  els.sweepProgress.value = done;
  els.sweepCount.textContent = `${done} of ${sizes.length} sizes`;
}

/** @param {{now?: boolean}} [options] as for the chart's `plot` */
function plotSweep(options) {
  const { series, sizes } = sweepRun;
  els.sweepChart.plot({ series, xDomain: [sizes[0], sizes.at(-1)], total: sizes.length, marker: mapSize }, options);
}
