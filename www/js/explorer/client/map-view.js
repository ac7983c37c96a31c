// <padlens-map-view>: one map on a canvas that the map worker draws into (its OffscreenCanvas),
// at integer scales only, with zoom and pan down to single pixels (wheel, pinch, drag,
// keyboard, buttons), its colour bar with numeric labels, and a readout of the pixel under
// the pointer, a tap, or the keyboard cursor. The element holds no map values: it asks its
// `source` to redraw for a new view and for the value of one pixel. Light DOM, so the page's
// stylesheet applies.

import { colorbarLabels, formatCount, formatNumber, isUniformRange } from '../../shared/draw.js';
import { FIT, fitZoom, panBy, pixelAt, pixelBox, revealPixel, scaledSize, stepZoom, viewportOf, zoomAround } from '../shared/viewport.js';

const REFERENCE_TEXT = { max: 'relative to the maximum', centre: 'relative to the centre', none: '' };
/** Sets an element's text if it differs; whether it did. */
function setText(element, text) {
  if (element.textContent === text) return false;
  element.textContent = text;
  return true;
}

/** Pointer travel, in CSS pixels, below which a press is a tap (it reads a pixel), not a drag. */
const TAP_SLOP = 4;
/** Pinch steps the zoom each time the fingers' distance changes by this factor. */
const PINCH_STEP = 1.25;

/**
 * @typedef {object} MapSource what the element asks of whoever owns the map
 * @property {(view: import('../shared/viewport.js').View & {box: [number, number]}) => Promise<import('../shared/viewport.js').Viewport|null>} redraw
 * @property {(y: number, x: number) => Promise<{value: number, log2Scale: number}|null>} pixel
 */

/**
 * @typedef {object} MapData what the worker reported of the map on the canvas
 * @property {'count'|'ratio'} kind a utilization map (raw counts) or a ratio of two
 * @property {number} height @property {number} width
 * @property {number} low @property {number} high relative values at the colour bar's ends
 * @property {number} referenceValue what values are divided by
 * @property {'max'|'centre'|'none'} reference @property {'linear'|'log'} scale
 * @property {Uint8Array} colorbar RGBA, high first
 * @property {string} caption what the map shows (network, size, padding, depth)
 * @property {import('../shared/viewport.js').Viewport} viewport as drawn
 * @property {{a: number[], b: number[]}} [offsets] ratio maps: where the compared region starts in A and B
 */

/**
 * What the ratio panel shows for the map worker's ratio of A and B (its `ratio` and
 * `ratioColorbar`): log scale centred at 1, and a caption saying which pixels were divided.
 * @param {{height: number, width: number}} ratio @param {Uint8Array} colorbar
 * @param {{height: number, width: number}} a @param {{height: number, width: number}} b the maps divided
 * @returns {MapData}
 */
export function ratioData(ratio, colorbar, a, b) {
  const sameSize = a.height === b.height && a.width === b.width;
  return {
    kind: 'ratio',
    ...ratio,
    reference: 'none',
    scale: 'log',
    colorbar,
    caption: sameSize ? 'raw counts, pixel by pixel' : `raw counts on the common ${ratio.height}×${ratio.width} region, centres aligned`,
  };
}

class PadlensMapView extends HTMLElement {
  /** @type {MapData|null} */
  #data = null;
  /** @type {MapSource|null} */
  source = null;
  /** @type {import('../shared/viewport.js').View} */
  #view = FIT;
  #cursor = null; // [y, x] of the pixel read out, kept across updates
  #reading = null; // {pixel, value, log2Scale} of the cursor's pixel
  #reads = 0; // counts pixel asks: only the newest one's answer is shown
  #active = false; // the cursor follows a pointer or the keyboard (crosshair shown)
  #pointers = new Map(); // pointerId → {start, last, moved}
  #hover = null; // the last position ({clientX, clientY}) of a mouse over the canvas
  #pinch = null; // {distance, point}
  #drag = null; // {viewport, start}
  #els = {};
  #resize = new ResizeObserver(() => this.#onResize());
  #offscreen = null;
  #space = null; // {available, tallest}: CSS pixels for the canvas, measured on resize
  #barKey = ''; // what the colour bar shows, to redraw it only when that changes
  #ticksKey = ''; // what its labels say, likewise
  #drawn = 0; // counts drawings shown (data-drawn), for whoever waits for the next one

  #onWindowResize = () => this.#onResize(); // the tallest canvas follows the window's height

  connectedCallback() {
    if (!this.#els.canvas) this.#build();
    this.#resize.observe(this.#els.body);
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
        <div class="map-body" data-role="body">
          <div class="map-frame">
            <canvas class="map-canvas" tabindex="0" role="img" width="1" height="1"
              aria-describedby="${this.id}-keys"></canvas>
            <div class="cursor-box" hidden></div>
          </div>
          <div class="colorbar" data-role="bar" hidden>
            <div class="colorbar-title" data-role="bar-title"></div>
            <div class="colorbar-body">
              <canvas class="colorbar-canvas" width="1" height="256" aria-hidden="true"></canvas>
              <div class="colorbar-ticks" data-role="ticks"></div>
            </div>
          </div>
        </div>
        <div class="map-tools">
          <span class="zoom-buttons" role="group" aria-label="Zoom">
            <button type="button" class="icon-button" data-zoom="-1" aria-label="Zoom out" title="Zoom out (−)">−</button>
            <button type="button" class="zoom-level" data-zoom="fit" aria-label="Fit the whole map" title="Fit the whole map (0)"></button>
            <button type="button" class="icon-button" data-zoom="1" aria-label="Zoom in" title="Zoom in (+)">+</button>
          </span>
          <p class="hint keys" id="${this.id}-keys">Wheel or pinch to zoom, drag to pan; on the map, arrows move the cursor, + − 0 zoom.</p>
        </div>
        <dl class="readout" data-role="readout"></dl>
      </figure>`;
    const q = (s) => this.querySelector(s);
    this.#els = {
      heading: q('[data-role=heading]'),
      caption: q('[data-role=caption]'),
      stale: q('[data-role=stale]'),
      body: q('[data-role=body]'),
      frame: q('.map-frame'),
      canvas: q('.map-canvas'),
      cursorBox: q('.cursor-box'),
      bar: q('[data-role=bar]'),
      barTitle: q('[data-role=bar-title]'),
      barCanvas: q('.colorbar-canvas'),
      barBody: q('.colorbar-body'),
      ticks: q('[data-role=ticks]'),
      zoomLevel: q('.zoom-level'),
      readout: q('[data-role=readout]'),
    };
    this.heading = this.getAttribute('heading') ?? '';
    this.#bindPointer();
    this.#bindKeys();
    this.querySelector('.zoom-buttons').addEventListener('click', (event) => {
      const zoom = event.target.closest('button')?.dataset.zoom;
      if (!zoom || !this.#data) return;
      if (zoom === 'fit') this.#setView(FIT);
      else this.#zoomAt(this.#centrePoint(), Number(zoom));
    });
    this.#renderReadout();
  }

  /** The canvas's drawing surface, handed to the worker once (it draws into it from then on). */
  takeOffscreen() {
    this.#offscreen ??= this.#els.canvas.transferControlToOffscreen();
    return this.#offscreen;
  }

  /**
   * A new canvas in place of the old one, whose drawing surface went with a terminated
   * worker; the next `takeOffscreen` hands out the new one. Attributes are cloned, the
   * listeners bound again.
   */
  replaceCanvas() {
    const old = this.#els.canvas;
    const canvas = old.cloneNode(false);
    old.replaceWith(canvas);
    this.#els.canvas = canvas;
    this.#offscreen = null;
    this.#bindPointer();
    this.#bindKeys();
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

  /**
   * The view a map of `size` should be drawn at, with the canvas box it fills (device
   * pixels): the width the panel allows, and as tall as the map's shape asks up to a height
   * that keeps the readout on screen.
   * @param {[number, number]} size the map's [height, width]
   * @returns {import('../shared/viewport.js').View & {box: [number, number]}}
   */
  viewFor(size) {
    return { ...this.#view, box: this.#box(size) };
  }

  /** Measures the panel again: it has just been shown, or its layout changed. */
  measure() {
    this.#space = this.#measure();
  }

  /** Forgets the zoom and pan: the next drawing fits the whole map. */
  resetView() {
    this.#view = FIT;
  }

  /**
   * The canvas, in device pixels, for a map of `size`. Zoomed in, all the room the panel has.
   * At the fit scale, the fitted map rounded up to a multiple of 64 device pixels: close
   * around the map (a whole panel around a small map looked empty), yet the same canvas for
   * sizes a few pixels apart, so that a drag of the size slider does not resize the canvas at
   * every step (a resize made a draw cost 5 ms instead of 0.5, BENCHMARKS.md).
   * @param {[number, number]} size @param {boolean} [zoomed] for a zoomed view (default: the
   *   view on show)
   */
  #box([height, width], zoomed = this.#view.zoom !== null) {
    // Measured when the panel or the window changes size, not per update: reading the
    // layout here forced a layout of the whole page on every change (6.6 ms, BENCHMARKS.md).
    // A hidden panel measures nothing, and is measured again once shown.
    if (!this.#space?.available) this.#space = this.#measure();
    const available = this.#space.available || 40;
    const { tallest } = this.#space;
    const aspect = height > 0 && width > 0 ? height / width : 1;
    const ratio = window.devicePixelRatio || 1;
    const room = [Math.floor(Math.max(60, Math.min(tallest, available * aspect)) * ratio), Math.floor(available * ratio)];
    if (zoomed || !(height > 0 && width > 0)) return room;
    const fitted = scaledSize([height, width], fitZoom([height, width], room));
    return [0, 1].map((a) => Math.min(room[a], Math.ceil(fitted[a] / 64) * 64));
  }

  /** The CSS width left for the canvas beside the colour bar, and the tallest it may be. */
  #measure() {
    const { body, bar } = this.#els;
    const gap = parseFloat(getComputedStyle(body).columnGap) || 0;
    // The bar's basis, not its box: it may not be shown yet (computed lengths are in px).
    const barWidth = parseFloat(getComputedStyle(bar).flexBasis) || bar.offsetWidth;
    return {
      available: body.clientWidth && Math.max(40, body.clientWidth - barWidth - gap),
      tallest: Math.min(window.innerHeight * 0.68, 620),
    };
  }

  /** @param {MapData} data */
  show(data) {
    this.#data = data;
    this.#els.bar.hidden = false;
    // A uniform map is drawn in the bar's top colour (every value is 1 × the reference); a
    // full gradient would suggest a range.
    const uniform = isUniformRange(data.low, data.high);
    const barRgba = uniform ? data.colorbar.slice(0, 4) : data.colorbar;
    // Only what changed is written: during a drag each write costs style and paint work in
    // the frame that should show the next map.
    const barKey = `${barRgba.length}:${barRgba.subarray(0, 4)}:${barRgba.subarray(-4)}`;
    if (barKey !== this.#barKey) {
      this.#barKey = barKey;
      const bar = this.#els.barCanvas;
      bar.height = barRgba.length / 4;
      bar.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(barRgba), 1, bar.height), 0, 0);
    }
    if (setText(this.#els.caption, data.caption)) this.#label();
    setText(this.#els.barTitle, (data.kind === 'ratio' ? 'A ÷ B (log)' : data.reference === 'max' ? '÷ max' : '÷ centre') + (uniform ? ', uniform' : ''));
    this.#els.barTitle.title = data.kind === 'ratio' ? 'ratio of raw counts, log scale centred at 1' : REFERENCE_TEXT[data.reference];
    if (this.#cursor && (this.#cursor[0] >= data.height || this.#cursor[1] >= data.width)) this.#cursor = null;
    this.#applyViewport(data.viewport);
    this.#read();
    this.dataset.drawn = String(++this.#drawn);
    // Drawn for a box measured before the panel took its size (it was hidden, say): again.
    const box = this.#box([data.height, data.width]);
    if (box[0] !== data.viewport.height || box[1] !== data.viewport.width) this.#setView(this.#view);
  }

  /** Sizes the canvas to the drawn viewport (CSS pixels) and places the colour bar's labels. */
  #applyViewport(viewport) {
    const data = this.#data;
    if (!data || !viewport) return;
    data.viewport = viewport;
    const ratio = window.devicePixelRatio || 1;
    const cssW = viewport.width / ratio;
    const cssH = viewport.height / ratio;
    const { canvas } = this.#els;
    if (canvas.style.width !== `${cssW}px` || canvas.style.height !== `${cssH}px`) {
      Object.assign(canvas.style, { width: `${cssW}px`, height: `${cssH}px` });
      this.#els.barBody.style.height = `${Math.max(cssH, 120)}px`;
    }
    // What the canvas shows, for whoever maps a point to a pixel from outside (the tests).
    canvas.dataset.viewport = JSON.stringify(viewport);
    this.dataset.mapSize = `${data.height}x${data.width}`;
    // Zoomed in, a one-finger drag pans the map; at the fit scale it scrolls the page.
    canvas.classList.toggle('zoomed', this.#view.zoom !== null);
    const barLength = Math.max(cssH, 120);
    const ticksKey = `${data.low}|${data.high}|${data.scale}|${barLength}`;
    if (ticksKey !== this.#ticksKey) {
      this.#ticksKey = ticksKey;
      this.#els.ticks.replaceChildren(
        ...colorbarLabels(data.low, data.high, data.scale, barLength).map((label) => {
          const span = document.createElement('span');
          span.className = label.end ? 'tick end' : 'tick';
          span.style.top = `${label.offset * 100}%`;
          span.textContent = label.text;
          return span;
        }),
      );
    }
    const fit = fitZoom([data.height, data.width], this.#box([data.height, data.width], true));
    const z = viewport.zoom;
    const level = `${this.#view.zoom === null ? 'fit ' : ''}${z >= 1 ? `${z}:1` : `1:${-z}`}`;
    // The name holds the text on the button (WCAG 2.5.3, label in name: speech users say what they see).
    if (setText(this.#els.zoomLevel, level)) this.#els.zoomLevel.setAttribute('aria-label', `Zoom ${level}: fit the whole map`);
    this.#els.zoomLevel.title = `${z >= 1 ? `each map pixel is ${z} × ${z} screen pixels` : `each screen pixel is the mean of ${-z} × ${-z} map pixels`}${this.#view.zoom === null ? '' : ' — click to fit the whole map (0)'}`;
    this.querySelector('[data-zoom="1"]').disabled = stepZoom(z, 1, fit) === z;
    this.querySelector('[data-zoom="-1"]').disabled = stepZoom(z, -1, fit) === z;
    this.#placeCursor();
  }

  /**
   * Draws the map at `view`. `followPointer`: a zoom by wheel or pinch, after which the
   * readout shows what is under the pointer now, not what was there before.
   */
  async #setView(view, { followPointer = false } = {}) {
    if (!this.#data || !this.source) return;
    this.#view = view;
    const viewport = await this.source.redraw(this.viewFor([this.#data.height, this.#data.width]));
    if (!viewport) return;
    this.#applyViewport(viewport);
    if (followPointer && this.#hover) {
      this.#moveTo(pixelAt(viewport, [this.#data.height, this.#data.width], this.#devicePoint(this.#hover)), true);
    }
  }

  #centrePoint() {
    const v = this.#targetViewport();
    return this.#cursor && this.#active
      ? (({ top, left, size }) => [top + size / 2, left + size / 2])(pixelBox(v, this.#cursor))
      : [v.height / 2, v.width / 2];
  }

  /**
   * The viewport the current view asks for. Steps start from it rather than from the last
   * drawn one: keys pressed faster than the worker draws would otherwise all step from the
   * same old scale.
   */
  #targetViewport() {
    const size = [this.#data.height, this.#data.width];
    return viewportOf(size, this.#box(size), this.#view);
  }

  /**
   * Zooms one step in (1) or out (−1), keeping the map point under `point` in place.
   * @param {{followPointer?: boolean}} [options] as for #setView
   */
  #zoomAt(point, direction, options) {
    const size = [this.#data.height, this.#data.width];
    const room = this.#box(size, true);
    const from = this.#targetViewport();
    const zoom = stepZoom(from.zoom, direction, fitZoom(size, room));
    if (zoom === from.zoom) return;
    // Zoomed, the canvas takes all the room; the point stays put as the canvas grows from
    // its top-left corner.
    this.#setView(zoomAround(from, size, room, point, zoom), options);
  }

  /** Device-pixel position of a pointer event on the canvas. */
  #devicePoint(event) {
    const rect = this.#els.canvas.getBoundingClientRect();
    const v = this.#data.viewport;
    return [((event.clientY - rect.top) / rect.height) * v.height, ((event.clientX - rect.left) / rect.width) * v.width];
  }

  #bindPointer() {
    const { canvas } = this.#els;
    canvas.addEventListener('pointerdown', (event) => {
      if (!this.#data) return;
      const point = [event.clientY, event.clientX];
      this.#pointers.set(event.pointerId, { start: point, last: point, moved: false });
      canvas.setPointerCapture(event.pointerId);
      if (this.#pointers.size === 2) {
        const [p, q] = [...this.#pointers.values()].map((p) => p.last);
        this.#pinch = { distance: Math.hypot(p[0] - q[0], p[1] - q[1]) };
        this.#drag = null;
      } else {
        this.#drag = { viewport: this.#data.viewport, start: point };
      }
    });
    canvas.addEventListener('pointermove', (event) => {
      if (!this.#data) return;
      if (event.pointerType !== 'touch') this.#hover = { clientX: event.clientX, clientY: event.clientY };
      const tracked = this.#pointers.get(event.pointerId);
      if (!tracked) {
        // A mouse or pen hovering: read the pixel under it.
        if (event.pointerType !== 'touch') this.#moveTo(pixelAt(this.#data.viewport, [this.#data.height, this.#data.width], this.#devicePoint(event)), true);
        return;
      }
      tracked.last = [event.clientY, event.clientX];
      tracked.moved ||= Math.hypot(tracked.last[0] - tracked.start[0], tracked.last[1] - tracked.start[1]) > TAP_SLOP;
      if (this.#pinch && this.#pointers.size === 2) {
        const [p, q] = [...this.#pointers.values()].map((p) => p.last);
        const distance = Math.hypot(p[0] - q[0], p[1] - q[1]);
        const rect = canvas.getBoundingClientRect();
        const v = this.#data.viewport;
        const mid = [(((p[0] + q[0]) / 2 - rect.top) / rect.height) * v.height, (((p[1] + q[1]) / 2 - rect.left) / rect.width) * v.width];
        if (distance > this.#pinch.distance * PINCH_STEP || distance < this.#pinch.distance / PINCH_STEP) {
          this.#zoomAt(mid, distance > this.#pinch.distance ? 1 : -1, { followPointer: true });
          this.#pinch.distance = distance;
        }
        return;
      }
      if (this.#drag && tracked.moved) {
        // CSS pixels of pointer travel → device pixels of the canvas.
        const scale = this.#data.viewport.width / canvas.getBoundingClientRect().width;
        const delta = [(tracked.last[0] - this.#drag.start[0]) * scale, (tracked.last[1] - this.#drag.start[1]) * scale];
        this.#setView(panBy(this.#drag.viewport, [this.#data.height, this.#data.width], delta));
      } else if (event.pointerType !== 'touch') {
        this.#moveTo(pixelAt(this.#data.viewport, [this.#data.height, this.#data.width], this.#devicePoint(event)), true);
      }
    });
    const release = (event) => {
      const tracked = this.#pointers.get(event.pointerId);
      this.#pointers.delete(event.pointerId);
      if (this.#pointers.size < 2) this.#pinch = null;
      if (this.#pointers.size === 0) this.#drag = null;
      // A tap (or a click) reads the pixel under it: touch has no hover.
      if (tracked && !tracked.moved && event.type === 'pointerup' && this.#data) {
        this.#moveTo(pixelAt(this.#data.viewport, [this.#data.height, this.#data.width], this.#devicePoint(event)), true);
      }
    };
    canvas.addEventListener('pointerup', release);
    canvas.addEventListener('pointercancel', release);
    canvas.addEventListener('pointerleave', (event) => {
      if (event.pointerType === 'touch') return;
      this.#hover = null;
      if (!this.#pointers.size) this.#setActive(false);
    });
    canvas.addEventListener('wheel', (event) => {
      if (!this.#data) return;
      event.preventDefault();
      this.#zoomAt(this.#devicePoint(event), event.deltaY < 0 ? 1 : -1, { followPointer: true });
    }, { passive: false });
  }

  #bindKeys() {
    const { canvas } = this.#els;
    canvas.addEventListener('focus', () => {
      // Only a keyboard focus brings a cursor: a tap also focuses, and must read its own pixel.
      if (!this.#data || !canvas.matches(':focus-visible')) return;
      this.#moveTo(this.#cursor ?? [Math.floor(this.#data.height / 2), Math.floor(this.#data.width / 2)], true);
    });
    canvas.addEventListener('blur', () => this.#setActive(false));
    canvas.addEventListener('keydown', (event) => {
      if (!this.#data) return;
      const steps = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      const step = steps[event.key];
      if (step) {
        event.preventDefault();
        const by = event.shiftKey ? 10 : 1;
        const [y, x] = this.#cursor ?? [0, 0];
        const next = [
          Math.min(this.#data.height - 1, Math.max(0, y + step[0] * by)),
          Math.min(this.#data.width - 1, Math.max(0, x + step[1] * by)),
        ];
        this.#moveTo(next, true);
        const reveal = revealPixel(this.#targetViewport(), [this.#data.height, this.#data.width], next);
        if (reveal) this.#setView(reveal);
      } else if (event.key === '+' || event.key === '=') {
        event.preventDefault();
        this.#zoomAt(this.#centrePoint(), 1);
      } else if (event.key === '-' || event.key === '_') {
        event.preventDefault();
        this.#zoomAt(this.#centrePoint(), -1);
      } else if (event.key === '0') {
        event.preventDefault();
        this.#setView(FIT);
      }
    });
  }

  #moveTo(pixel, active) {
    if (!pixel) {
      this.#setActive(false);
      return;
    }
    const same = this.#cursor && this.#cursor[0] === pixel[0] && this.#cursor[1] === pixel[1];
    this.#cursor = pixel;
    this.#setActive(active);
    if (!same) this.#read();
  }

  /** Asks the source for the cursor's pixel and shows it when it comes, if no newer ask has gone out. */
  async #read() {
    const pixel = this.#cursor;
    const id = ++this.#reads;
    if (!pixel || !this.source || !this.#data) {
      delete this.#els.readout.dataset.pending;
      this.#reading = null;
      this.#renderReadout();
      return;
    }
    this.#els.readout.dataset.pending = '';
    const reading = await this.source.pixel(pixel[0], pixel[1]);
    if (id !== this.#reads) return;
    delete this.#els.readout.dataset.pending;
    this.#reading = reading && { pixel, ...reading };
    this.#renderReadout();
  }

  #setActive(active) {
    this.#active = active && Boolean(this.#cursor);
    this.#els.cursorBox.hidden = !this.#active;
    this.#placeCursor();
    this.dispatchEvent(new CustomEvent('pixel', { bubbles: true, detail: this.#active ? { y: this.#cursor[0], x: this.#cursor[1] } : null }));
  }

  /** Outlines the cursor's pixel on the canvas (at least a few screen pixels, to be seen). */
  #placeCursor() {
    const { cursorBox } = this.#els;
    if (!this.#cursor || !this.#data?.viewport || cursorBox.hidden) return;
    const ratio = window.devicePixelRatio || 1;
    const { top, left, size } = pixelBox(this.#data.viewport, this.#cursor);
    const side = Math.max(size / ratio, 5);
    const inset = (side - size / ratio) / 2;
    Object.assign(cursorBox.style, {
      top: `${top / ratio - inset}px`,
      left: `${left / ratio - inset}px`,
      width: `${side}px`,
      height: `${side}px`,
    });
  }

  #onResize() {
    // The panel changed width: measure again, and redraw (the fit scale may change).
    const before = this.#space;
    this.#space = this.#measure();
    const same = before && before.available === this.#space.available && before.tallest === this.#space.tallest;
    if (this.#data && !same) this.#setView(this.#view);
  }

  #renderReadout() {
    const data = this.#data;
    const c = this.#cursor;
    const r = this.#reading && c && this.#reading.pixel === c ? this.#reading : null;
    const entries = [
      ['row y', c ? String(c[0]) : '–'],
      ['column x', c ? String(c[1]) : '–'],
    ];
    if (!data || data.kind === 'count') {
      const count = r ? formatCount(r.value, r.log2Scale) : null;
      entries.push(
        ['raw count', count ? count.exact ?? count.approx : '–', count?.exact && count.approx !== count.exact ? `≈ ${count.approx}` : ''],
        [data?.reference === 'centre' ? '÷ centre' : '÷ max', r ? formatNumber(r.value / data.referenceValue, 5) : '–'],
      );
    } else {
      entries.push(['A ÷ B', r ? formatNumber(r.value, 6) : '–']);
      const { a, b } = data.offsets;
      if (c && (a[0] !== b[0] || a[1] !== b[1])) {
        entries.push(['pixels', `A (${c[0] + a[0]}, ${c[1] + a[1]}) ÷ B (${c[0] + b[0]}, ${c[1] + b[1]})`]);
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

customElements.define('padlens-map-view', PadlensMapView);
