// <padlens-padded-grid> and <padlens-count-grid>: the explainer's two kinds of grid, drawn as
// SVG by svg.js and sized here to the panel. Both report a chosen pixel with a bubbling
// `select-pixel` event ({row, column}); the app owns the selection. Light DOM, so the page's
// stylesheets apply and tests can read the cells.

import { CELL, colorbarSvg, countGridSvg, paddedGridSvg, windowOverlaySvg } from './svg.js';

/**
 * Scales a grid's SVG to the width it has: cells up to `maxCell` CSS pixels, and never so
 * small that their text cannot be read (the frame scrolls sideways instead).
 * @param {HTMLElement} frame @param {number} maxCell @param {number} minCell
 */
function fit(frame, maxCell, minCell) {
  const svg = frame.querySelector('svg');
  if (!svg || !frame.clientWidth) return;
  const width = Number(svg.dataset.width);
  const height = Number(svg.dataset.height);
  const scale = Math.max(minCell / CELL, Math.min(maxCell / CELL, frame.clientWidth / width));
  svg.style.width = `${width * scale}px`;
  svg.style.height = `${height * scale}px`;
}

/** The cell (pixel) an event happened on, from its `data-row`/`data-column`. */
function cellOf(event) {
  const cell = event.target.closest('[data-row]');
  return cell ? { row: Number(cell.dataset.row), column: Number(cell.dataset.column) } : null;
}

/** Shared frame: a figure with heading, caption, a "not updated" badge and the grid. */
class GridPanel extends HTMLElement {
  els = {};
  #resize = new ResizeObserver(() => this.layout());

  connectedCallback() {
    if (!this.els.frame) this.build();
    this.#resize.observe(this);
  }

  disconnectedCallback() {
    this.#resize.disconnect();
  }

  build() {
    this.innerHTML = `
      <figure class="ex-panel grid-panel">
        <figcaption>
          <span class="panel-heading" data-role="heading"></span>
          <span class="badge" data-role="stale" hidden>not updated</span>
          <span class="panel-caption" data-role="caption"></span>
        </figcaption>
        <p class="error" id="${this.id}-problem" data-role="problem" role="alert" hidden></p>
        <div class="grid-frame" data-role="frame"></div>
        <div class="grid-foot" data-role="foot"></div>
      </figure>`;
    for (const el of this.querySelectorAll('[data-role]')) this.els[el.dataset.role] = el;
    this.els.heading.textContent = this.getAttribute('heading') ?? '';
    this.els.frame.addEventListener('click', (event) => {
      const cell = cellOf(event);
      if (cell && this.hasAttribute('selectable')) this.select(cell);
    });
  }

  /** Marks the grid as out of date: the configuration has an error, the last good view stays. */
  set stale(value) {
    this.els.stale.hidden = !value;
  }

  /** What is wrong with the link's choice on this grid (a pixel outside the image), or null. */
  set problem(message) {
    this.els.problem.hidden = !message;
    this.els.problem.textContent = message ?? '';
  }

  set heading(text) {
    this.els.heading.textContent = text;
  }

  set caption(text) {
    this.els.caption.textContent = text;
  }

  select(cell) {
    this.dispatchEvent(new CustomEvent('select-pixel', { bubbles: true, detail: cell }));
  }

  layout() {
    fit(this.els.frame, Number(this.getAttribute('max-cell') ?? 52), 18);
  }
}

/**
 * The padded input of the first layer, with the window on show drawn over it. Clicking a
 * pixel, or any padded copy of it, selects that pixel.
 */
class PaddedGrid extends GridPanel {
  #view = null;

  build() {
    super.build();
    this.els.foot.innerHTML = `
      <p class="grid-note" data-role="note" hidden></p>
      <ul class="grid-legend" aria-label="Legend">
        <li><span class="swatch swatch-input" aria-hidden="true"></span>input pixel</li>
        <li data-kind="copy"><span class="swatch swatch-copy" aria-hidden="true"></span>padding: a copy</li>
        <li data-kind="zero"><span class="swatch swatch-zero" aria-hidden="true"></span>padding: zero</li>
        <li data-kind="unread"><span class="swatch swatch-unread" aria-hidden="true"></span>never read by any window</li>
        <li><span class="swatch swatch-window" aria-hidden="true"></span>current window</li>
        <li><span class="swatch swatch-hit" aria-hidden="true"></span>cell reading the pixel</li>
        <li><span class="swatch swatch-mark" aria-hidden="true"></span>the selected pixel</li>
        <li data-kind="copy"><span class="swatch swatch-mark-copy" aria-hidden="true"></span>its copies</li>
      </ul>`;
  }

  /**
   * @param {object} view the core's LayerView of the first layer
   * @param {(row: number, column: number) => string} label
   * @param {[number, number]} pixel the selected pixel
   */
  show(view, label, pixel) {
    this.#view = view;
    this.els.frame.innerHTML = paddedGridSvg(view, label, pixel, `${this.id}-svg`);
    this.els.frame.querySelector('svg').setAttribute('role', 'img');
    // The legend names only what this grid has.
    const present = {
      copy: view.padded.some((c) => c.padding && c.source),
      zero: view.padded.some((c) => c.padding && !c.source),
      unread: view.padded.some((c) => !c.read),
    };
    for (const item of this.els.foot.querySelectorAll('[data-kind]')) item.hidden = !present[item.dataset.kind];
    this.layout();
  }

  /** The window on show (a `windows[]` entry of explainPixel), or null for none. */
  set visit(visit) {
    const overlay = this.els.frame.querySelector('[data-role=overlay]');
    if (!overlay || !this.#view) return;
    overlay.innerHTML = visit ? windowOverlaySvg(this.#view, visit) : '';
    // Restart the entrance animation, so each step is seen to move.
    overlay.classList.remove('enter');
    void overlay.getBBox();
    overlay.classList.add('enter');
    this.#reveal(overlay.querySelector('.window'));
  }

  /** A grid too wide for its panel scrolls: keep the window on show in sight. */
  #reveal(target) {
    const frame = this.els.frame;
    if (!target || frame.scrollWidth <= frame.clientWidth) return;
    const box = target.getBoundingClientRect();
    const view = frame.getBoundingClientRect();
    if (box.left < view.left) frame.scrollLeft -= view.left - box.left + 8;
    else if (box.right > view.right) frame.scrollLeft += box.right - view.right + 8;
  }

  /** A remark on how the layer reads its padding (uneven, dropped input), or ''. */
  set note(text) {
    const note = this.els.foot.querySelector('[data-role=note]');
    note.textContent = text;
    note.hidden = !text;
  }

  /** What the grid shows, for screen readers. */
  set description(text) {
    this.els.frame.querySelector('svg')?.setAttribute('aria-label', text);
  }
}

/**
 * A count map: colours by a colour-blind-safe map, the numbers in every cell, and a labelled
 * colour bar. With `selectable`, clicking a cell or moving with the arrow keys selects it.
 */
class CountGrid extends GridPanel {
  #data = null;

  build() {
    super.build();
    const frame = this.els.frame;
    // A group, selectable or not: show() names the frame with its description, and a name on
    // a plain div is not announced (ARIA prohibits it there).
    frame.setAttribute('role', 'group');
    if (this.hasAttribute('selectable')) {
      frame.tabIndex = 0;
      frame.addEventListener('keydown', (event) => this.#onKey(event));
    }
  }

  /**
   * @param {object} map
   * @param {ArrayLike<number>} map.values @param {number} map.height @param {number} map.width
   * @param {Uint8Array} map.rgba a colour per cell
   * @param {Uint8Array} map.colorbar RGBA, high first
   * @param {((index: number) => string)|null} map.label
   * @param {[number, number]|null} map.selected
   * @param {string} map.description for screen readers (the selection and how to move it)
   */
  show(map) {
    this.#data = map;
    this.els.frame.innerHTML = countGridSvg(map);
    this.els.frame.setAttribute('aria-label', map.description);
    this.layout();
  }

  layout() {
    super.layout();
    const data = this.#data;
    const svg = this.els.frame.querySelector('svg');
    if (!data || !svg) return;
    const values = Array.from(data.values);
    const width = Math.max(160, Math.min(parseFloat(svg.style.width) || 200, 420));
    this.els.foot.innerHTML = colorbarSvg(data.colorbar, Math.min(...values), Math.max(...values), {
      width,
      id: `${this.id}-bar`,
      uniform: data.rgba.subarray(0, 3),
      integers: values.every(Number.isInteger),
    });
  }

  #onKey(event) {
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    const data = this.#data;
    if (!move || !data?.selected) return;
    event.preventDefault();
    const row = Math.min(data.height - 1, Math.max(0, data.selected[0] + move[0]));
    const column = Math.min(data.width - 1, Math.max(0, data.selected[1] + move[1]));
    this.select({ row, column });
  }
}

customElements.define('padlens-padded-grid', PaddedGrid);
customElements.define('padlens-count-grid', CountGrid);
