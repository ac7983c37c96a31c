// <padlens-steps>: the step-through of one pixel — every first-layer window that reads it,
// listed and played one at a time (previous, play/pause, next), what the current window adds,
// the running sum up to the pixel's count, and the kernel's per-cell counts. It emits a
// bubbling `step-change` ({index}) when the user or the player moves; the app owns the step.

import { escapeXml } from '../../shared/draw.js';
import { runningSums } from '../shared/model.js';
import { countText, kernelGridSvg } from './svg.js';

/** How long each window stays on screen while playing. */
const PLAY_INTERVAL_MS = 1200;

/**
 * @typedef {object} Walk what the panel shows
 * @property {string} name the pixel's name @property {[number, number]} pixel
 * @property {object} explanation the core's PixelExplanation
 * @property {number} count the pixel's value on the count map (to show that they agree)
 * @property {number} kernel @property {boolean} partial @property {boolean} stacked two layers
 */

const cellText = ([r, c]) => `(${r}, ${c})`;

/** The kernel cells of a window that read the pixel: listed when few, counted when many. */
const tapsText = (hits, most) => (hits.length <= most ? hits.map((h) => cellText(h.tap)).join(' ') : `${hits.length} cells`);

class PadlensSteps extends HTMLElement {
  /** @type {Walk|null} */
  #walk = null;
  #index = 0;
  #sums = [];
  #timer = 0;
  #els = {};

  connectedCallback() {
    if (this.#els.list) return;
    this.innerHTML = `
      <section class="ex-panel steps-panel" aria-labelledby="steps-title">
        <div class="steps-head">
          <h2 id="steps-title" data-role="title">Windows that read the pixel</h2>
          <span class="badge" data-role="stale" hidden>not updated</span>
        </div>
        <p class="steps-summary" data-role="summary"></p>
        <div class="steps-body">
          <div class="steps-main">
            <div class="step-controls" role="group" aria-label="Step through the windows">
              <button type="button" class="step-button" data-action="previous" aria-label="Previous window" title="Previous window ( [ )">
                <svg viewBox="0 0 20 20" aria-hidden="true"><path d="M13 4 6 10l7 6z"/></svg>
              </button>
              <button type="button" class="step-button play" data-action="play" aria-label="Play" aria-pressed="false" title="Play or pause (space)">
                <svg viewBox="0 0 20 20" aria-hidden="true"><path class="icon-play" d="M6 4v12l10-6z"/><path class="icon-pause" d="M5 4h4v12H5zM11 4h4v12h-4z"/></svg>
              </button>
              <button type="button" class="step-button" data-action="next" aria-label="Next window" title="Next window ( ] )">
                <svg viewBox="0 0 20 20" aria-hidden="true"><path d="m7 4 7 6-7 6z"/></svg>
              </button>
              <output class="step-position" data-role="position" aria-live="polite"></output>
            </div>
            <p class="error" id="steps-problem" data-role="problem" role="alert" hidden></p>
            <p class="step-now" data-role="now"></p>
            <div class="running">
              <div class="running-text" data-role="running"></div>
              <div class="running-bar" data-role="bar" aria-hidden="true"></div>
            </div>
            <p class="hint keys-hint">Keys: arrows move the pixel (on the count map), <kbd>space</kbd> plays or pauses, <kbd>[</kbd> and <kbd>]</kbd> step.</p>
          </div>
          <figure class="kernel-figure">
            <figcaption data-role="kernel-caption"></figcaption>
            <div class="kernel-frame" data-role="kernel"></div>
          </figure>
        </div>
        <div class="window-list" data-role="list-frame">
          <table class="window-table">
            <thead data-role="head"></thead>
            <tbody data-role="list"></tbody>
          </table>
        </div>
      </section>`;
    for (const el of this.querySelectorAll('[data-role]')) this.#els[el.dataset.role] = el;
    this.querySelector('.step-controls').addEventListener('click', (event) => {
      const action = event.target.closest('[data-action]')?.dataset.action;
      if (action === 'previous') this.previous();
      else if (action === 'next') this.next();
      else if (action === 'play') this.toggle();
    });
    this.#els.list.addEventListener('click', (event) => {
      const row = event.target.closest('tr[data-index]');
      if (row) this.#go(Number(row.dataset.index));
    });
  }

  disconnectedCallback() {
    this.pause();
  }

  set stale(value) {
    this.#els.stale.hidden = !value;
  }

  /** What is wrong with the link's window (one the pixel does not have), or null. */
  set problem(message) {
    this.#els.problem.hidden = !message;
    this.#els.problem.textContent = message ?? '';
  }

  /**
   * Shows a pixel's windows, at window `index` (0-based, clamped).
   * @param {Walk} walk @param {number} index
   */
  show(walk, index) {
    this.#walk = walk;
    this.#sums = runningSums(walk.explanation.windows);
    const { explanation, name, pixel, count, stacked, partial } = walk;
    const n = explanation.windows.length;
    this.#els.title.textContent = `Windows that read ${name}`;
    const agree = Math.abs(explanation.total - count) <= 1e-9 * Math.max(1, count);
    this.#els.summary.innerHTML =
      `Pixel <strong>${escapeXml(name)}</strong> (row ${pixel[0]}, column ${pixel[1]}) is read by ` +
      `<strong data-role="window-count">${n}</strong> window${n === 1 ? '' : 's'} of ${stacked ? 'the first layer' : 'the layer'}. ` +
      `Their reads add up to <strong data-role="total">${countText(explanation.total)}</strong>` +
      `${agree ? ', the count the map shows' : ` (the map shows ${countText(count)})`}` +
      `${partial ? ', each read weighted by its window’s taps ÷ taps on the image' : ''}` +
      `${stacked ? ', each window counted as often as the second layer reads its output' : ''}.`;
    this.#els.head.innerHTML =
      `<tr><th scope="col">#</th><th scope="col">output</th><th scope="col">kernel cells</th>` +
      `${partial ? '<th scope="col">weight</th>' : ''}${stacked ? '<th scope="col">downstream</th>' : ''}` +
      `<th scope="col">adds</th><th scope="col">sum so far</th></tr>`;
    this.#els.list.innerHTML = explanation.windows
      .map((w, i) =>
        `<tr data-index="${i}"><td><button type="button" class="row-button" aria-label="Show window ${i + 1}">${i + 1}</button></td>` +
        `<td>${cellText(w.output)}</td><td>${tapsText(w.hits, 4)}</td>` +
        `${partial ? `<td>${countText(w.weight)}</td>` : ''}${stacked ? `<td>${countText(w.downstream)}</td>` : ''}` +
        `<td>${countText(w.contribution)}</td><td>${countText(this.#sums[i])}</td></tr>`)
      .join('');
    this.#els['list-frame'].hidden = n === 0;
    this.#index = Math.min(Math.max(0, index), Math.max(0, n - 1));
    // A new pixel or layer starts paused: the old walk's timer must not run through it.
    this.pause();
    this.#render();
  }

  /** The window on show (0-based). */
  get index() {
    return this.#index;
  }

  get playing() {
    return this.#timer !== 0;
  }

  previous() {
    this.pause();
    this.#go(this.#index - 1);
  }

  next() {
    this.pause();
    this.#go(this.#index + 1);
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  play() {
    const count = () => this.#walk?.explanation.windows.length ?? 0;
    if (count() < 2) return;
    // From the last window, play starts over.
    if (this.#index >= count() - 1) this.#go(0);
    this.#timer = setInterval(() => {
      this.#go(this.#index + 1);
      if (this.#index >= count() - 1) this.pause();
    }, PLAY_INTERVAL_MS);
    this.#renderPlay();
  }

  pause() {
    clearInterval(this.#timer);
    this.#timer = 0;
    this.#renderPlay();
  }

  #go(index) {
    const n = this.#walk?.explanation.windows.length ?? 0;
    const next = Math.min(Math.max(0, index), Math.max(0, n - 1));
    if (next === this.#index) return;
    this.#index = next;
    this.#render();
    this.dispatchEvent(new CustomEvent('step-change', { bubbles: true, detail: { index: next } }));
  }

  #renderPlay() {
    const button = this.querySelector('[data-action=play]');
    if (!button) return;
    button.setAttribute('aria-pressed', String(this.playing));
    button.setAttribute('aria-label', this.playing ? 'Pause' : 'Play');
  }

  #render() {
    const walk = this.#walk;
    if (!walk) return;
    const { windows, tap_counts: tapCounts, total } = walk.explanation;
    const n = windows.length;
    const i = this.#index;
    const w = windows[i];
    const els = this.#els;
    els.position.textContent = n ? `window ${i + 1} of ${n}` : 'no window';
    this.querySelector('[data-action=previous]').disabled = i <= 0;
    this.querySelector('[data-action=next]').disabled = i >= n - 1;
    this.querySelector('[data-action=play]').disabled = n < 2;
    this.#renderPlay();
    els.now.innerHTML = w ? this.#describe(w) : `No window of this layer reads <strong>${escapeXml(walk.name)}</strong>: the layer drops it (its count is 0).`;
    const sum = w ? this.#sums[i] : 0;
    els.running.innerHTML =
      `Running sum <strong data-role="sum">${countText(sum)}</strong> of <strong>${countText(total)}</strong>` +
      ` <span class="hint-inline">· count map: <span data-role="map-count">${countText(walk.count)}</span></span>`;
    // One segment per window, as wide as what it adds; the ones summed so far are filled.
    // Past a few dozen windows the gaps would outgrow the bar: draw it as one strip.
    els.bar.classList.toggle('dense', n > 48);
    // Widths through the CSSOM: the page's CSP refuses style attributes in markup.
    els.bar.innerHTML = windows.map((v, j) => `<span class="segment${j <= i ? ' done' : ''}${j === i ? ' current' : ''}"></span>`).join('');
    windows.forEach((v, j) => (els.bar.children[j].style.flexGrow = String(v.contribution)));
    const current = w ? w.hits.map((h) => h.tap) : [];
    els['kernel-caption'].innerHTML =
      `<strong>Kernel cells</strong> that read ${escapeXml(walk.name)}, added up over all windows` +
      `${w ? ' · thick outline: this window' : ''}`;
    els.kernel.innerHTML = kernelGridSvg(walk.kernel, tapCounts, current);
    // Cells of about 44 CSS pixels: big enough to read, small enough to sit beside the text.
    els.kernel.firstChild.style.maxWidth = `${walk.kernel * 44 + 24}px`;
    for (const row of els.list.children) {
      const on = Number(row.dataset.index) === i;
      row.classList.toggle('current', on);
      if (on) row.setAttribute('aria-current', 'step');
      else row.removeAttribute('aria-current');
    }
    this.#scrollToCurrent();
  }

  /** What the current window reads and adds, in words. */
  #describe(w) {
    const { name, partial, stacked } = this.#walk;
    const n = w.hits.length;
    const copies = w.hits.filter((h) => h.position[0] !== this.#walk.pixel[0] || h.position[1] !== this.#walk.pixel[1]).length;
    let through = '';
    if (copies === n) through = n === 1 ? ' (through a copy in the padding)' : ' (all through copies in the padding)';
    else if (copies === 1) through = ' (one of them through a copy in the padding)';
    else if (copies) through = ` (${copies} of them through copies in the padding)`;
    // Name the cells when there are few; the kernel grid beside shows them all anyway.
    const listed = n <= 6 ? ` ${w.hits.map((h) => cellText(h.tap)).join(', ')}` : '';
    const parts = [
      `The window for output <strong>${cellText(w.output)}</strong> reads <strong>${escapeXml(name)}</strong> through ` +
        `${n === 1 ? 'kernel cell' : `${n} kernel cells`}${listed}${through}.`,
    ];
    const factors = [`${w.hits.length} read${w.hits.length === 1 ? '' : 's'}`];
    if (partial) {
      factors.push(`weight ${countText(w.weight)}`);
      const taps = this.#walk.kernel ** 2;
      parts.push(`Partial convolution scales this window by its taps ÷ its taps on the image = ${taps} ÷ ${Math.round(taps / w.weight)} = ${countText(w.weight)}.`);
    }
    if (stacked) {
      factors.push(`downstream ${countText(w.downstream)}`);
      parts.push(
        `The second layer reads output ${cellText(w.output)} ${countText(w.downstream)} time${w.downstream === 1 ? '' : 's'} ` +
          `(its “downstream” count), so whatever this window reads reaches the final map that many times.`,
      );
    }
    parts.push(`It adds ${factors.join(' × ')} = <strong>${countText(w.contribution)}</strong>.`);
    return parts.join(' ');
  }

  /** Keeps the current row in view inside the list, without scrolling the page. */
  #scrollToCurrent() {
    const frame = this.#els['list-frame'];
    const row = frame.querySelector('tr.current');
    if (!row || !frame.clientHeight) return;
    const head = frame.querySelector('thead').offsetHeight;
    if (row.offsetTop - head < frame.scrollTop) frame.scrollTop = row.offsetTop - head;
    else if (row.offsetTop + row.offsetHeight > frame.scrollTop + frame.clientHeight) {
      frame.scrollTop = row.offsetTop + row.offsetHeight - frame.clientHeight;
    }
  }
}

customElements.define('padlens-steps', PadlensSteps);
