// <padlens-depth-chart>: where the asymmetry enters — the utilization map's left ÷ right and
// top ÷ bottom ratios after each top-level layer, on a log axis centred on 1, with the layers
// the uneven-padding report flags shaded and named. The numbers are also in a table.

import { escapeXml, formatNumber, lineChartSvg } from '../../shared/draw.js';
import { scrollHint } from '../../shared/scroll-hint.js';

/**
 * @typedef {object} DepthPoint as the core's `depth_profile[]`
 * @property {number} depth @property {string} layer
 * @property {number|null} left_to_right @property {number|null} top_to_bottom null when a
 *   border column or row is never read (the ratio is undefined)
 * @property {number} corner_to_centre @property {boolean} offending
 */

const ratio = (v) => (v === null || !Number.isFinite(v) ? '—' : formatNumber(v, 4));

class PadlensDepthChart extends HTMLElement {
  /** @type {DepthPoint[]|null} */
  #profile = null;
  #els = {};
  #resize = new ResizeObserver(() => this.#draw());

  connectedCallback() {
    if (!this.#els.plot) {
      this.innerHTML = `
        <p class="legend chart-legend" data-role="legend">
          <span class="key-item"><svg width="30" height="12" aria-hidden="true"><line class="series series-a" x1="1" x2="29" y1="6" y2="6"/><g class="dots series-a"><circle cx="15" cy="6" r="3.2"/></g></svg> left ÷ right <small>(first column ÷ last)</small></span>
          <span class="key-item"><svg width="30" height="12" aria-hidden="true"><line class="series series-b" x1="1" x2="29" y1="6" y2="6"/><g class="dots series-b"><rect x="12" y="3" width="6" height="6"/></g></svg> top ÷ bottom <small>(first row ÷ last)</small></span>
          <span class="key-item"><span class="band-key" aria-hidden="true"></span> a layer inside is flagged</span>
          <span class="hint-inline" data-role="coincide" hidden>(the two lines coincide: both axes behave alike)</span>
        </p>
        <div class="chart" data-role="plot"></div>
        <p class="hint" data-role="empty" hidden></p>
        <p class="hint" data-role="gaps" hidden>Gaps: where a layer leaves the last row or column of the input unread, its count there is 0 and the ratio has no value.</p>
        <details class="data-table">
          <summary>The numbers</summary>
          <div class="table-scroll">
            <table>
              <thead><tr><th scope="col" class="num">Depth</th><th scope="col">After layer</th><th scope="col" class="num">Left ÷ right</th><th scope="col" class="num">Top ÷ bottom</th><th scope="col" class="num">Corner ÷ centre</th><th scope="col">Flagged</th></tr></thead>
              <tbody data-role="rows"></tbody>
            </table>
          </div>
        </details>`;
      this.querySelectorAll('.table-scroll').forEach(scrollHint);
      const q = (s) => this.querySelector(s);
      this.#els = {
        plot: q('[data-role=plot]'),
        rows: q('[data-role=rows]'),
        empty: q('[data-role=empty]'),
        gaps: q('[data-role=gaps]'),
        coincide: q('[data-role=coincide]'),
        legend: q('[data-role=legend]'),
      };
    }
    this.#resize.observe(this);
  }

  disconnectedCallback() {
    this.#resize.disconnect();
  }

  /** @param {DepthPoint[]} profile empty when the core skipped it (too costly) */
  plot(profile) {
    this.#profile = profile;
    const empty = profile.length === 0;
    this.#els.empty.hidden = !empty;
    this.#els.empty.textContent = empty
      ? 'Not computed for a network this deep at this size: it takes one map per layer (the core stops above 50 layers × 512² pixels).'
      : '';
    this.#els.legend.hidden = empty;
    const defined = (v) => v !== null && Number.isFinite(v);
    // Equal up to rounding: the two axes are computed separately.
    const same = (a, b) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
    const drawn = profile.filter((p) => defined(p.left_to_right) || defined(p.top_to_bottom));
    this.#els.coincide.hidden = drawn.length === 0 || !profile.every((p) => same(p.left_to_right, p.top_to_bottom));
    this.#els.gaps.hidden = profile.every((p) => defined(p.left_to_right) && defined(p.top_to_bottom));
    this.#els.rows.innerHTML = profile
      .map((p) => `<tr class="${p.offending ? 'offending' : ''}"><td class="num">${p.depth}</td><th scope="row"><code>${escapeXml(p.layer)}</code></th><td class="num">${ratio(p.left_to_right)}</td><td class="num">${ratio(p.top_to_bottom)}</td><td class="num">${ratio(p.corner_to_centre)}</td><td>${p.offending ? 'yes' : ''}</td></tr>`)
      .join('');
    this.#draw();
  }

  #draw() {
    const profile = this.#profile;
    const { plot } = this.#els;
    if (!profile || !plot.clientWidth) return;
    if (profile.length === 0) {
      plot.replaceChildren();
      return;
    }
    const flagged = profile.filter((p) => p.offending);
    const point = (p, name, value) => ({
      x: p.depth,
      y: value,
      title: `after ${p.layer} (depth ${p.depth}): ${name} ${ratio(value)}${p.offending ? ', flagged' : ''}`,
    });
    const height = parseFloat(getComputedStyle(this).getPropertyValue('--chart-height')) || 260;
    plot.innerHTML = lineChartSvg(
      [
        { label: 'left ÷ right', className: 'series-a', marker: 'circle', points: profile.map((p) => point(p, 'left ÷ right', p.left_to_right)) },
        { label: 'top ÷ bottom', className: 'series-b', marker: 'square', points: profile.map((p) => point(p, 'top ÷ bottom', p.top_to_bottom)) },
      ],
      {
        width: plot.clientWidth,
        height,
        xDomain: [0.5, profile.length + 0.5],
        integerX: true,
        yScale: 'log',
        yInclude: [1],
        xLabel: 'depth (top-level layers so far)',
        yLabel: 'first ÷ last (log)',
        bands: flagged.map((p) => ({ from: p.depth - 0.5, to: p.depth + 0.5, label: p.layer })),
        rules: [{ y: 1, label: 'symmetric' }],
        description: `Border ratios after each of ${profile.length} top-level layers; ${flagged.length} contain a flagged layer: ${flagged.map((p) => p.layer).join(', ') || 'none'}.`,
      },
    );
  }
}

customElements.define('padlens-depth-chart', PadlensDepthChart);
