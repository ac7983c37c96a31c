// <padlens-grid>: a stimulus-detectability grid (definitions.md §5) of one of padlens' bundled
// models, as a figure any page can embed, e.g.
//   <padlens-grid model="detector-zeros-224.onnx" stride="16"></padlens-grid>
// What the attributes leave out takes the model's own settings (models/index.json: its
// score, threshold, normalisation and background scene) and then the core's defaults, as on
// the Blind spots page, whose URL state the attributes spell (../shared/attributes.js). The
// grid is computed by the Blind spots page's worker pool — one pool for every grid on the
// page, which runs one grid at a time — and drawn as it fills in by its <padlens-grid-view>.

import { loadEngine, problemOf } from '../../engine/engine.js';
import { DetectPool } from '../../blindspots/client/detect-pool.js';
import { backgroundCanvas, decodeImage } from '../../blindspots/client/images.js';
import '../../blindspots/client/grid-view.js';
import { formatPercent } from '../../shared/draw.js';
import { GRID_ATTRIBUTES, gridHashOf, splitSize } from '../shared/attributes.js';
import { coalesced, siteUrl, styledShadow } from './shadow.js';

const MODELS_URL = new URL('../../../models/', import.meta.url);
/** How often a grid that is filling in is redrawn, in ms (as the Blind spots page). */
const REDRAW_MS = 200;

let pool = null;
/** The figure whose grid the pool is computing, so a newer state of it can stop it. */
let computing = null;
/** The grids waiting for the pool, run one after another (a pool holds one model at a time). */
let queue = Promise.resolve();
/** Fetched once per page: the bundled models' index, their files, background images. */
const fetched = new Map();

function fetchOnce(file, read) {
  if (!fetched.has(file)) {
    fetched.set(file, fetch(new URL(file, MODELS_URL)).then((response) => {
      if (!response.ok) throw new Error(`could not load ${file} (HTTP ${response.status})`);
      return read(response);
    }));
  }
  return fetched.get(file);
}

const demosOf = () => fetchOnce('index.json', (r) => r.json()).then((index) => index.models);

/**
 * Runs `job` when the grids before it have finished (each whatever its outcome).
 * @template T @param {() => Promise<T>} job @returns {Promise<T>}
 */
function enqueue(job) {
  const run = queue.then(job);
  queue = run.catch(() => {});
  return run;
}

class PadlensGridEmbed extends HTMLElement {
  static observedAttributes = GRID_ATTRIBUTES;

  #els = null;
  #ready = null;
  #generation = 0;
  /** Draws again after attribute changes, once per task. */
  #queue = coalesced(() => this.#update(), (error) => this.#showError(problemOf(error).message));

  connectedCallback() {
    this.#ready ??= this.#build();
    this.#queue();
  }

  attributeChangedCallback() {
    this.#queue();
  }

  async #build() {
    const root = await styledShadow(this, ['padlens.css', 'embed.css']);
    const figure = document.createElement('div');
    figure.className = 'embed-figure embed-panel';
    figure.setAttribute('part', 'figure');
    figure.innerHTML = `
      <p class="error embed-error" role="alert" hidden></p>
      <padlens-grid-view hint="Point at a cell, or focus the grid and use the arrow keys, to read its score."></padlens-grid-view>
      <p class="embed-rate" role="status"></p>
      <p class="embed-credit"><a target="_blank" rel="noopener">Open in padlens</a></p>`;
    root.append(figure);
    const q = (selector) => figure.querySelector(selector);
    this.#els = { error: q('.embed-error'), view: q('padlens-grid-view'), rate: q('.embed-rate'), open: q('.embed-credit a') };
  }

  /** The request for the core and how to show its grid, from the attributes and the model's defaults. */
  async #settings(catalog) {
    const get = (name) => this.getAttribute(name);
    const demos = await demosOf();
    const file = get('model') ?? demos.find((d) => d.detect?.background)?.file ?? demos[0].file;
    const demo = demos.find((d) => d.file === file);
    if (!demo) throw new Error(`There is no bundled model “${file}”: use one of ${demos.map((d) => d.file).join(', ')}.`);
    const bytes = await fetchOnce(file, (r) => r.arrayBuffer());
    const detect = catalog.detect;
    const backgroundImage = get('background-image') ?? demo.detect?.background ?? null;
    const background = get('background') ?? (demo.detect?.background ? 'image' : detect.backgrounds[0].name);
    const score = get('score') ?? demo.detect?.score ?? `${detect.scores[0].name}:0`;
    const size = get('size') === null ? null : splitSize(get('size')).map(Number);
    const request = {
      height: size?.[0],
      width: size?.[1],
      background: background === 'noise' ? `noise:${get('seed') ?? '0'}` : background,
      stimulus: get('stimulus') ?? detect.stimuli[0].name,
      stimulusSize: Number(get('stimulus-size') ?? detect.stimulus_size),
      stride: Number(get('stride') ?? detect.stride),
      score,
      normalization: get('normalization') ?? demo.normalization,
      full: false,
    };
    if (get('padding') !== null) request.mode = get('padding');
    if (background === 'image') {
      if (!backgroundImage) throw new Error('The image background needs a background-image: one of the bundled scenes.');
      request.backgroundImage = await fetchOnce(backgroundImage, async (r) => decodeImage(await r.blob()));
    }
    const threshold = Number(get('threshold') ?? demo.detect?.threshold ?? detect.threshold);
    const kind = score.split(':')[0];
    const range = get('range') ?? 'auto';
    return {
      demo,
      bytes,
      request,
      threshold,
      probability: range === 'unit' || (range === 'auto' && detect.probability_scores.includes(kind)),
      colormap: catalog.colormaps.includes(get('colormap')) ? get('colormap') : catalog.colormaps[0],
      opacity: Number(get('opacity') ?? 0.8),
      backgroundName: request.backgroundImage ? backgroundImage : background,
      stimulusLabel: (detect.stimuli.find((s) => s.name === request.stimulus)?.label ?? request.stimulus).toLowerCase(),
    };
  }

  async #update() {
    await this.#ready;
    if (!this.isConnected) return;
    const mine = ++this.#generation;
    this.dataset.status = 'computing';
    // Its older grid is obsolete: stop it rather than finish it first.
    if (computing === this) pool.cancel();
    const engine = await loadEngine();
    const catalog = engine.catalog();
    this.#els.open.href = siteUrl('blindspots.html', gridHashOf((name) => this.getAttribute(name)));
    let settings;
    try {
      settings = await this.#settings(catalog);
    } catch (error) {
      if (mine === this.#generation) this.#showError(problemOf(error).message);
      return;
    }
    await enqueue(async () => {
      if (mine !== this.#generation || !this.isConnected) return; // replaced while it waited
      pool ??= new DetectPool(Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 4)));
      const model = { key: `demo:${settings.demo.file}`, bytes: settings.bytes };
      const declared = await pool.check(model);
      const request = { ...settings.request };
      request.height ??= declared[0] ?? catalog.defaults.size;
      request.width ??= declared[1] ?? catalog.defaults.size;
      const key = JSON.stringify({ ...request, backgroundImage: settings.backgroundName });
      let grid = null;
      let redraw = 0;
      computing = this;
      try {
        await pool.run({ model, key, request }, {
          onStart: (placements, rgba) => {
            grid = { placements, background: backgroundCanvas(rgba, placements.image), scores: new Float64Array(placements.rows * placements.cols).fill(NaN) };
            this.#show(grid, settings, request);
          },
          onScores: (start, scores) => {
            grid.scores.set(scores, start);
            redraw ||= setTimeout(() => {
              redraw = 0;
              if (mine === this.#generation) this.#show(grid, settings, request);
            }, REDRAW_MS);
          },
        });
      } catch (error) {
        if (mine === this.#generation) this.#showError(problemOf(error).message);
        return;
      } finally {
        clearTimeout(redraw);
        if (computing === this) computing = null;
      }
      if (mine !== this.#generation) return;
      this.#show(grid, settings, request);
      this.#els.error.hidden = true;
      this.dataset.status = 'idle';
    });
  }

  #show(grid, settings, request) {
    let low = Infinity;
    let high = -Infinity;
    for (const v of grid.scores) {
      if (!Number.isFinite(v)) continue;
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
    const { placements } = grid;
    this.#els.view.show({
      placements,
      background: grid.background,
      scores: grid.scores,
      range: settings.probability || !(low <= high) ? [0, 1] : [low, high],
      colormap: settings.colormap,
      threshold: settings.threshold,
      opacity: settings.opacity,
      caption: `${settings.demo.label} · ${request.height}×${request.width} · ${request.mode ?? "the model's own"} padding · a ${placements.size} px ${settings.stimulusLabel} every ${placements.stride} px`,
      label: settings.probability ? 'probability' : 'score',
    });
    const computed = grid.scores.filter(Number.isFinite);
    const detected = computed.filter((v) => v >= settings.threshold).length;
    this.#els.rate.textContent = computed.length
      ? `Detection rate ${formatPercent(detected / computed.length)}: ${detected} of ${computed.length} placements score ≥ ${settings.threshold}${computed.length < grid.scores.length ? ` (${grid.scores.length - computed.length} to go)` : ''}.`
      : '';
  }

  #showError(message) {
    if (!this.#els) {
      this.textContent = `padlens could not start: ${message}`;
      return;
    }
    this.#els.error.textContent = message;
    this.#els.error.hidden = false;
    this.dataset.status = 'error';
  }
}

customElements.define('padlens-grid', PadlensGridEmbed);
