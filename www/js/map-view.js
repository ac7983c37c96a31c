// <padlens-map>: one colour-mapped map on a canvas (crisp pixels, scaled to fit), its colour
// bar with numeric labels, and a readout of the pixel under the pointer or keyboard cursor.
// Light DOM, so the page's stylesheet applies and tests can read the canvas directly.

import { colorbarLabels, formatCount, formatNumber, isUniformRange } from './draw.js';

const REFERENCE_TEXT = { max: 'relative to the maximum', centre: 'relative to the centre', none: '' };

/**
 * @typedef {object} MapData
 * @property {'count'|'ratio'} kind a utilization map (raw counts) or a ratio of two
 * @property {Uint8Array} rgba @property {Float64Array} values
 * @property {number} height @property {number} width
 * @property {number} [log2Scale] raw count = value · 2^log2Scale
 * @property {number} low @property {number} high relative values at the colour bar's ends
 * @property {number} referenceValue what values were divided by
 * @property {'max'|'centre'|'none'} reference @property {'linear'|'log'} scale
 * @property {Uint8Array} colorbar RGBA, high first
 * @property {string} caption what the map shows (network, size, padding, depth)
 * @property {{a: number[], b: number[]}} [offsets] ratio maps: where the compared region starts in A and B
 */

class PadlensMap extends HTMLElement {
  /** @type {MapData|null} */
  #data = null;
  #cursor = null; // {y, x} of the pixel read out, kept across updates
  #els = {};
  #resize = new ResizeObserver(() => this.#layout());
  #onWindowResize = () => this.#layout(); // the height limit follows the window

  connectedCallback() {
    if (!this.#els.canvas) this.#build();
    this.#resize.observe(this);
    window.addEventListener('resize', this.#onWindowResize);
  }

  disconnectedCallback() {
    this.#resize.disconnect();
    window.removeEventListener('resize', this.#onWindowResize);
  }

  #build() {
    this.innerHTML = `
      <figure class="map-panel">
        <figcaption>
          <span class="map-heading" data-role="heading"></span>
          <span class="map-caption" data-role="caption">computing…</span>
          <span class="badge" data-role="stale" hidden>not updated</span>
        </figcaption>
        <div class="map-body">
          <div class="map-frame">
            <canvas class="map-canvas" tabindex="0" role="img" width="1" height="1"></canvas>
            <div class="crosshair h" hidden></div><div class="crosshair v" hidden></div>
          </div>
          <div class="colorbar">
            <div class="colorbar-title" data-role="bar-title"></div>
            <div class="colorbar-body">
              <canvas class="colorbar-canvas" width="1" height="256" aria-hidden="true"></canvas>
              <div class="colorbar-ticks" data-role="ticks"></div>
            </div>
          </div>
        </div>
        <dl class="readout" data-role="readout"></dl>
      </figure>`;
    const q = (s) => this.querySelector(s);
    this.#els = {
      heading: q('[data-role=heading]'),
      caption: q('[data-role=caption]'),
      stale: q('[data-role=stale]'),
      body: q('.map-body'),
      bar: q('.colorbar'),
      canvas: q('.map-canvas'),
      crossH: q('.crosshair.h'),
      crossV: q('.crosshair.v'),
      barTitle: q('[data-role=bar-title]'),
      barCanvas: q('.colorbar-canvas'),
      barBody: q('.colorbar-body'),
      ticks: q('[data-role=ticks]'),
      readout: q('[data-role=readout]'),
    };
    this.heading = this.getAttribute('heading') ?? '';
    this.#bindPointer();
    this.#renderReadout();
  }

  /** The panel's title, e.g. "A" or "A ÷ B". */
  set heading(text) {
    this.#els.heading.textContent = text;
    this.#els.heading.hidden = !text;
    this.#label();
  }

  #label() {
    const { heading, canvas, caption } = this.#els;
    canvas.setAttribute('aria-label', `${heading.textContent || 'Map'}: ${caption.textContent}`);
  }

  /** Marks the map as out of date (its configuration has an error; the last good map stays). */
  set stale(value) {
    this.#els.stale.hidden = !value;
  }

  /** @param {MapData} data */
  show(data) {
    this.#data = data;
    const { canvas, barCanvas: bar } = this.#els;
    canvas.width = data.width;
    canvas.height = data.height;
    const pixels = new Uint8ClampedArray(data.rgba.buffer, data.rgba.byteOffset, data.rgba.byteLength);
    canvas.getContext('2d').putImageData(new ImageData(pixels, data.width, data.height), 0, 0);
    // A uniform map is drawn in the bar's top colour (every value is 1 × the reference); a
    // full gradient would suggest a range.
    const uniform = isUniformRange(data.low, data.high);
    const barRgba = uniform ? data.colorbar.slice(0, 4) : data.colorbar;
    bar.height = barRgba.length / 4;
    const barPixels = new Uint8ClampedArray(barRgba.buffer, barRgba.byteOffset, barRgba.byteLength);
    bar.getContext('2d').putImageData(new ImageData(barPixels, 1, bar.height), 0, 0);
    this.#els.caption.textContent = data.caption;
    this.#label();
    this.#els.barTitle.textContent =
      (data.kind === 'ratio' ? 'A ÷ B' : data.reference === 'max' ? '÷ max' : '÷ centre') + (uniform ? ', uniform' : '');
    this.#els.barTitle.title = data.kind === 'ratio' ? 'ratio of raw counts' : REFERENCE_TEXT[data.reference];
    if (this.#cursor && (this.#cursor.y >= data.height || this.#cursor.x >= data.width)) this.#cursor = null;
    this.#layout();
    this.#renderReadout();
  }

  /** Sizes the canvas to fit the panel (aspect kept) and places the colour-bar labels. */
  #layout() {
    const data = this.#data;
    const { canvas, body, bar, barBody, ticks } = this.#els;
    if (!data || !body.clientWidth) return;
    // Tall enough to see single pixels, short enough to keep the readout on screen.
    const maxHeight = Math.min(window.innerHeight * 0.68, 620);
    const available = body.clientWidth - bar.offsetWidth - (parseFloat(getComputedStyle(body).columnGap) || 0);
    const scale = Math.min(Math.max(1, available) / data.width, maxHeight / data.height);
    const cssW = data.width * scale;
    const cssH = data.height * scale;
    canvas.style.width = `${cssW}px`;
    canvas.style.height = `${cssH}px`;
    barBody.style.height = `${cssH}px`;
    ticks.replaceChildren(
      ...colorbarLabels(data.low, data.high, data.scale, cssH).map((label) => {
        const span = document.createElement('span');
        span.className = label.end ? 'tick end' : 'tick';
        span.style.top = `${label.offset * 100}%`;
        span.textContent = label.text;
        return span;
      }),
    );
    this.#placeCrosshair();
  }

  #bindPointer() {
    const { canvas } = this.#els;
    const pixelAt = (event) => {
      const rect = canvas.getBoundingClientRect();
      const { width, height } = this.#data;
      const clamp = (v, n) => Math.min(n - 1, Math.max(0, Math.floor(v)));
      return {
        y: clamp(((event.clientY - rect.top) / rect.height) * height, height),
        x: clamp(((event.clientX - rect.left) / rect.width) * width, width),
      };
    };
    canvas.addEventListener('pointermove', (event) => {
      if (this.#data) this.#moveTo(pixelAt(event), true);
    });
    canvas.addEventListener('pointerleave', () => this.#setActive(false));
    canvas.addEventListener('focus', () => {
      if (!this.#data) return;
      this.#moveTo(this.#cursor ?? { y: Math.floor(this.#data.height / 2), x: Math.floor(this.#data.width / 2) }, true);
    });
    canvas.addEventListener('blur', () => this.#setActive(false));
    canvas.addEventListener('keydown', (event) => {
      const steps = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      const step = steps[event.key];
      if (!step || !this.#data) return;
      event.preventDefault();
      const by = event.shiftKey ? 10 : 1;
      const { y, x } = this.#cursor ?? { y: 0, x: 0 };
      this.#moveTo({
        y: Math.min(this.#data.height - 1, Math.max(0, y + step[0] * by)),
        x: Math.min(this.#data.width - 1, Math.max(0, x + step[1] * by)),
      }, true);
    });
  }

  #moveTo(cursor, active) {
    this.#cursor = cursor;
    this.#setActive(active);
    this.#renderReadout();
  }

  #setActive(active) {
    this.#els.crossH.hidden = this.#els.crossV.hidden = !active || !this.#cursor;
    this.#placeCrosshair();
    this.dispatchEvent(new CustomEvent('pixel', { bubbles: true, detail: active ? this.#cursor : null }));
  }

  #placeCrosshair() {
    const { canvas, crossH, crossV } = this.#els;
    if (!this.#cursor || !this.#data || crossH.hidden) return;
    const scale = canvas.clientWidth / this.#data.width;
    Object.assign(crossH.style, { top: `${(this.#cursor.y + 0.5) * scale}px`, width: `${canvas.clientWidth}px` });
    Object.assign(crossV.style, { left: `${(this.#cursor.x + 0.5) * scale}px`, height: `${canvas.clientHeight}px` });
  }

  #renderReadout() {
    const data = this.#data;
    const c = this.#cursor;
    const entries = [
      ['row y', c ? String(c.y) : '–'],
      ['column x', c ? String(c.x) : '–'],
    ];
    const value = c && data ? data.values[c.y * data.width + c.x] : null;
    if (!data || data.kind === 'count') {
      const count = value === null ? null : formatCount(value, data.log2Scale);
      entries.push(
        ['raw count', count ? count.exact ?? count.approx : '–', count?.exact && count.approx !== count.exact ? `≈ ${count.approx}` : ''],
        [data?.reference === 'centre' ? '÷ centre' : '÷ max', value === null ? '–' : formatNumber(value / data.referenceValue, 5)],
      );
    } else {
      entries.push(['A ÷ B', value === null ? '–' : formatNumber(value, 6)]);
      const { a, b } = data.offsets;
      if (c && (a[0] !== b[0] || a[1] !== b[1])) {
        entries.push(['pixels', `A (${c.y + a[0]}, ${c.x + a[1]}) ÷ B (${c.y + b[0]}, ${c.x + b[1]})`]);
      }
    }
    this.#els.readout.replaceChildren(
      ...entries.map(([term, text, note]) => {
        const div = document.createElement('div');
        const dt = document.createElement('dt');
        const dd = document.createElement('dd');
        dt.textContent = term;
        dd.textContent = text;
        if (note) {
          const small = document.createElement('span');
          small.className = 'approx';
          small.textContent = ` ${note}`;
          dd.append(small);
        }
        div.append(dt, dd);
        return div;
      }),
    );
  }
}

customElements.define('padlens-map', PadlensMap);
