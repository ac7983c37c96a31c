// <padlens-grid-view>: one detectability grid drawn over its background, with a colour bar,
// the value under the pointer (or the keyboard's cell) and the detected/missed outline. The
// Blind spots page shows one per configuration and one for their difference; clicking a cell
// (or Enter) emits `cell-select` with {row, col, index}.

import { loadEngine } from '../../engine/engine.js';
import { colorbarLabels, formatNumber } from '../../shared/draw.js';
import { cellAt, drawGrid } from '../shared/grid-draw.js';

const template = document.createElement('template');
template.innerHTML = `
  <link rel="stylesheet" href="${new URL('./grid-view.css', import.meta.url)}">
  <figure>
    <figcaption part="caption"></figcaption>
    <div class="plot"><canvas class="map" tabindex="0" role="img" aria-label="Detectability grid, being computed"></canvas></div>
    <div class="bar" aria-hidden="true"><canvas class="colours" width="1" height="220"></canvas><div class="labels"></div></div>
    <p class="readout" aria-live="polite"></p>
  </figure>`;

/** Canvas pixels per image pixel: an integer, so cells keep sharp edges, up to ~640 px. */
function scaleFor(width) {
  return Math.max(1, Math.min(8, Math.floor((640 * (globalThis.devicePixelRatio || 1)) / width)));
}

class PadlensGridView extends HTMLElement {
  #view = null;
  #colours = null;
  #focus = null;
  /** The cell under the pointer, re-read when the grid redraws (it may have filled in). */
  #hover = null;
  #engine = null;

  constructor() {
    super();
    this.attachShadow({ mode: 'open' }).append(template.content.cloneNode(true));
    const map = this.#map;
    map.addEventListener('pointermove', (event) => this.#readAt(event));
    map.addEventListener('pointerleave', () => {
      this.#hover = null;
      this.#readFocus();
    });
    map.addEventListener('click', (event) => {
      const cell = this.#cellOf(event);
      if (cell) this.#select(cell);
    });
    map.addEventListener('keydown', (event) => this.#key(event));
  }

  get #map() {
    return this.shadowRoot.querySelector('canvas.map');
  }

  /**
   * Shows a grid (scores may still be filling in: call `refresh()` after each batch).
   * @param {object} view
   * @param {import('./detect-pool.js').Placements} view.placements
   * @param {CanvasImageSource} view.background
   * @param {Float64Array} view.scores row-major, NaN where not computed
   * @param {[number, number]} view.range the colour bar's [low, high]
   * @param {string} view.colormap a catalog colour map, or 'red_blue' (diverging)
   * @param {number|null} view.threshold the detected/missed outline, or null
   * @param {number} view.opacity of the cells over the background
   * @param {string} view.caption
   * @param {string} view.label what a value is, in the readout (e.g. 'score', 'B − A')
   */
  async show(view) {
    this.#engine ??= await loadEngine();
    this.#view = view;
    const [height, width] = view.placements.image;
    const scale = scaleFor(width);
    const map = this.#map;
    if (map.width !== width * scale || map.height !== height * scale) {
      map.width = width * scale;
      map.height = height * scale;
    }
    map.setAttribute('aria-label', `${view.caption}: a ${view.placements.rows}×${view.placements.cols} grid; arrow keys read cells`);
    this.shadowRoot.querySelector('figcaption').textContent = view.caption;
    this.#drawBar();
    this.refresh();
  }

  /** Redraws the cells after new scores came in, and the readout of the focused cell. */
  refresh() {
    const view = this.#view;
    if (!view || !this.#engine) return;
    const [low, high] = view.range;
    this.#colours = this.#engine.colourInRange(view.scores, low, high, view.colormap);
    const scale = this.#map.width / view.placements.image[1];
    drawGrid(this.#map.getContext('2d'), { ...view, colours: this.#colours, scale });
    this.#readFocus();
  }

  #drawBar() {
    const view = this.#view;
    const canvas = this.shadowRoot.querySelector('canvas.colours');
    const length = canvas.height;
    const bar = this.#engine.colorbar(view.colormap, length);
    canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(bar), 1, length), 0, 0);
    const [low, high] = view.range;
    // Labels spaced for the bar's drawn height (it stretches to the map's).
    const drawn = this.shadowRoot.querySelector('.labels').clientHeight || length;
    const labels = colorbarLabels(low, high, 'linear', drawn);
    this.shadowRoot.querySelector('.labels').replaceChildren(
      ...labels.map((label) => {
        const span = document.createElement('span');
        span.style.top = `${label.offset * 100}%`;
        span.textContent = label.text;
        return span;
      }),
    );
  }

  #cellOf(event) {
    const view = this.#view;
    if (!view) return null;
    const rect = this.#map.getBoundingClientRect();
    const [height, width] = view.placements.image;
    const x = ((event.clientX - rect.left) / rect.width) * width;
    const y = ((event.clientY - rect.top) / rect.height) * height;
    return cellAt(view.placements, x, y);
  }

  #readAt(event) {
    this.#hover = this.#cellOf(event);
    this.#read(this.#hover);
  }

  /** The readout of the cell under the pointer, else of the keyboard's cell. */
  #readFocus() {
    this.#read(this.#hover ?? this.#focus);
  }

  #read(cell) {
    const readout = this.shadowRoot.querySelector('.readout');
    const view = this.#view;
    if (!cell || !view) {
      // An embedded grid has no shift experiment to offer: its `hint` says what it does offer.
      readout.textContent = view ? this.getAttribute('hint') ?? 'Point at a cell, or focus the grid and use the arrow keys; click a cell for its shift experiment.' : '';
      return;
    }
    const value = view.scores[cell.index];
    const p = view.placements;
    const where = `row ${cell.row + 1}, column ${cell.col + 1} (stimulus at y ${cell.row * p.stride}, x ${cell.col * p.stride})`;
    if (!Number.isFinite(value)) {
      readout.textContent = `${where}: not computed yet`;
      return;
    }
    const verdict = view.threshold === null ? '' : value >= view.threshold ? ' — detected' : ' — missed';
    readout.textContent = `${where}: ${view.label} ${formatNumber(value, 5)}${verdict}`;
  }

  #select(cell) {
    this.#focus = cell;
    this.#readFocus();
    this.dispatchEvent(new CustomEvent('cell-select', { detail: cell, bubbles: true, composed: true }));
  }

  #key(event) {
    const view = this.#view;
    if (!view) return;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (event.key === 'Enter' && this.#focus) {
      event.preventDefault();
      this.#select(this.#focus);
      return;
    }
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    const p = view.placements;
    const current = this.#focus ?? { row: Math.floor(p.rows / 2), col: Math.floor(p.cols / 2) };
    const row = Math.min(p.rows - 1, Math.max(0, current.row + (this.#focus ? move[0] : 0)));
    const col = Math.min(p.cols - 1, Math.max(0, current.col + (this.#focus ? move[1] : 0)));
    this.#focus = { row, col, index: row * p.cols + col };
    // The keys take over from the pointer until it moves again.
    this.#hover = null;
    this.#readFocus();
  }

  /** The drawn grid with its colour bar and labels, as a canvas (for the PNG export). */
  snapshot() {
    const map = this.#map;
    const bar = this.shadowRoot.querySelector('canvas.colours');
    const view = this.#view;
    const barWidth = 18;
    const labelWidth = 80;
    const titleHeight = 24;
    const canvas = document.createElement('canvas');
    canvas.width = map.width + 12 + barWidth + labelWidth;
    canvas.height = Math.max(map.height, 220) + titleHeight;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = '#111';
    ctx.font = '13px sans-serif';
    ctx.fillText(view?.caption ?? '', 4, 16);
    ctx.drawImage(map, 0, titleHeight);
    const barHeight = Math.max(map.height, 220);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bar, map.width + 12, titleHeight, barWidth, barHeight);
    ctx.strokeStyle = '#999';
    ctx.strokeRect(map.width + 12, titleHeight, barWidth, barHeight);
    if (view) {
      ctx.fillStyle = '#111';
      ctx.textBaseline = 'middle';
      for (const label of colorbarLabels(view.range[0], view.range[1], 'linear', barHeight)) {
        ctx.fillText(label.text, map.width + 16 + barWidth, titleHeight + Math.min(barHeight - 7, Math.max(7, label.offset * barHeight)));
      }
    }
    return canvas;
  }
}

customElements.define('padlens-grid-view', PadlensGridView);
