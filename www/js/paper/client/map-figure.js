// <padlens-map-figure>: one coloured map of values (a utilization map, a mean filter, a mean
// feature map), one canvas pixel per value scaled up with sharp edges, with its colour bar and
// the value under the pointer or under the keyboard's cursor (arrow keys; Shift moves 10).
// The `compact` attribute draws it small (a 3×3 filter). Colours come from the core: the page
// hands over RGBA (or a bitmap a worker drew) and the colour map's name for the bar.

import { loadEngine } from '../../engine/engine.js';
import { colorbarLabels } from '../../shared/draw.js';

const template = document.createElement('template');
template.innerHTML = `
  <link rel="stylesheet" href="${new URL('./map-figure.css', import.meta.url)}">
  <figure>
    <figcaption part="caption"></figcaption>
    <div class="plot"><canvas class="map" tabindex="0" role="img" aria-label="Map, being computed"></canvas><div class="cursor" hidden></div></div>
    <div class="bar" aria-hidden="true"><canvas class="colours" width="1" height="200"></canvas><div class="labels"></div></div>
    <p class="readout" aria-live="polite"></p>
  </figure>`;

/**
 * The map cell under a point, from the canvas's box on screen.
 * @param {{left: number, top: number, width: number, height: number}} rect
 * @param {[number, number]} size the map's [height, width]
 * @param {number} x @param {number} y client coordinates
 * @returns {{row: number, column: number} | null} null outside the map
 */
export function cellUnder(rect, [height, width], x, y) {
  const column = Math.floor(((x - rect.left) / rect.width) * width);
  const row = Math.floor(((y - rect.top) / rect.height) * height);
  if (row < 0 || column < 0 || row >= height || column >= width) return null;
  return { row, column };
}

class PadlensMapFigure extends HTMLElement {
  #view = null;
  #cursor = null;
  #reading = 0;

  constructor() {
    super();
    this.attachShadow({ mode: 'open' }).append(template.content.cloneNode(true));
    const map = this.#map;
    map.addEventListener('pointermove', (event) => {
      const cell = this.#view && cellUnder(map.getBoundingClientRect(), this.#view.size, event.clientX, event.clientY);
      if (cell) this.#read(cell);
    });
    map.addEventListener('pointerleave', () => this.#cursor && this.#read(this.#cursor));
    map.addEventListener('keydown', (event) => this.#key(event));
  }

  get #map() {
    return this.shadowRoot.querySelector('canvas.map');
  }

  /**
   * Shows a map.
   * @param {object} view
   * @param {ImageBitmap|Uint8Array} view.pixels a bitmap of the map's size, or its RGBA
   * @param {[number, number]} view.size [height, width]
   * @param {string} view.colormap the colour map the pixels were coloured with
   * @param {[number, number]} view.range the colour bar's [low, high]
   * @param {string} view.caption also the canvas's accessible name
   * @param {(row: number, column: number) => string | Promise<string>} view.describe the
   *   readout of a cell
   */
  async show(view) {
    const engine = await loadEngine();
    this.#view = view;
    const [height, width] = view.size;
    const map = this.#map;
    map.width = width;
    map.height = height;
    const ctx = map.getContext('2d');
    if (view.pixels instanceof Uint8Array) ctx.putImageData(new ImageData(new Uint8ClampedArray(view.pixels), width, height), 0, 0);
    else ctx.drawImage(view.pixels, 0, 0);
    map.setAttribute('aria-label', `${view.caption} (${height}×${width}); arrow keys read values`);
    this.shadowRoot.querySelector('figcaption').textContent = view.caption;
    this.#drawBar(engine, view);
    this.#cursor = null;
    this.shadowRoot.querySelector('.cursor').hidden = true;
    this.shadowRoot.querySelector('.readout').textContent = '';
    this.dataset.drawn = `${height}x${width}`;
  }

  #drawBar(engine, { colormap, range: [low, high] }) {
    const canvas = this.shadowRoot.querySelector('canvas.colours');
    const bar = engine.colorbar(colormap, canvas.height);
    canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(bar), 1, canvas.height), 0, 0);
    const labels = this.shadowRoot.querySelector('.labels');
    // Spaced for the bar's drawn height (it stretches to the map's).
    const drawn = labels.clientHeight || this.#map.clientHeight || 84;
    labels.replaceChildren(
      ...colorbarLabels(low, high, 'linear', drawn, 24).map((label) => {
        const span = document.createElement('span');
        span.style.top = `${label.offset * 100}%`;
        span.textContent = label.text;
        return span;
      }),
    );
  }

  async #read(cell) {
    const view = this.#view;
    const mine = ++this.#reading;
    const text = await view.describe(cell.row, cell.column);
    // A slower reading of a cell the pointer has left must not overwrite a newer one.
    if (mine === this.#reading && view === this.#view) this.shadowRoot.querySelector('.readout').textContent = text;
  }

  #key(event) {
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    if (!move || !this.#view) return;
    event.preventDefault();
    const [height, width] = this.#view.size;
    const step = event.shiftKey ? 10 : 1;
    const here = this.#cursor ?? { row: Math.floor(height / 2), column: Math.floor(width / 2) };
    const taken = this.#cursor ? step : 0;
    this.#cursor = {
      row: Math.min(height - 1, Math.max(0, here.row + move[0] * taken)),
      column: Math.min(width - 1, Math.max(0, here.column + move[1] * taken)),
    };
    const box = this.shadowRoot.querySelector('.cursor');
    Object.assign(box.style, {
      left: `${(this.#cursor.column / width) * 100}%`,
      top: `${(this.#cursor.row / height) * 100}%`,
      width: `${100 / width}%`,
      height: `${100 / height}%`,
    });
    box.hidden = false;
    this.#read(this.#cursor);
  }
}

customElements.define('padlens-map-figure', PadlensMapFigure);
