// <padlens-sweep-chart>: boundary marginalization over square input sizes — the share of
// pixels used less than τ × the centre, and the widest border band relative to the side —
// for one or two series, drawn as the points arrive, with the numbers in a table.

import { escapeXml, formatPercent, lineChartSvg } from '../../shared/draw.js';
import { scrollHint } from '../../shared/scroll-hint.js';

/**
 * @typedef {object} SweepPoint as `marginalizationAt` returns it
 * @property {number} size @property {number} [share] @property {number[]} [band] top,
 *   bottom, left, right @property {number} [band_max] @property {number} [band_relative]
 * @property {string|null} error why the network cannot run at this size
 */

/**
 * @typedef {object} SweepSeries
 * @property {string} label what was swept (network, padding)
 * @property {string} className 'series-a' or 'series-b'
 * @property {'circle'|'square'} marker
 * @property {SweepPoint[]} points in size order, as far as the sweep has got
 */

const METRICS = [
  { key: 'share', title: 'Marginalized share of the input', yLabel: '% of pixels below τ × centre' },
  { key: 'band_relative', title: 'Widest border band ÷ side', yLabel: '% of the shorter side' },
];

class PadlensSweepChart extends HTMLElement {
  /** @type {{series: SweepSeries[], xDomain: [number, number], total: number, marker: number|null}|null} */
  #data = null;
  #els = {};
  #frame = 0;
  #resize = new ResizeObserver(() => this.#draw());

  connectedCallback() {
    if (!this.#els.plots) {
      this.innerHTML = `
        <p class="legend chart-legend" data-role="legend"></p>
        <div class="plots" data-role="plots">
          ${METRICS.map((m) => `<figure><figcaption>${m.title}</figcaption><div class="chart" data-metric="${m.key}"></div></figure>`).join('')}
        </div>
        <p class="hint" data-role="failures" hidden></p>
        <details class="data-table">
          <summary>The numbers</summary>
          <div class="table-scroll"><table><thead data-role="head"></thead><tbody data-role="rows"></tbody></table></div>
        </details>`;
      this.querySelectorAll('.table-scroll').forEach(scrollHint);
      const q = (s) => this.querySelector(s);
      this.#els = { legend: q('[data-role=legend]'), plots: q('[data-role=plots]'), failures: q('[data-role=failures]'), head: q('[data-role=head]'), rows: q('[data-role=rows]') };
    }
    this.#resize.observe(this);
  }

  disconnectedCallback() {
    this.#resize.disconnect();
    cancelAnimationFrame(this.#frame);
  }

  /**
   * Shows a sweep, finished or not; call again as points arrive. Drawing is coalesced to one
   * per frame, so a fast sweep does not redraw for every size; `now` draws at once (a sweep
   * that ended shows all its points by the time it says so).
   * @param {{series: SweepSeries[], xDomain: [number, number], total: number, marker: number|null}} data
   *   `total`: how many sizes the sweep has (the points may be fewer, so far); `marker`: a
   *   size to mark (the map's, when square)
   * @param {{now?: boolean}} [options]
   */
  plot(data, { now = false } = {}) {
    this.#data = data;
    if (now) {
      cancelAnimationFrame(this.#frame);
      this.#frame = 0;
      this.#render();
    } else if (!this.#frame) {
      this.#frame = requestAnimationFrame(() => {
        this.#frame = 0;
        this.#render();
      });
    }
  }

  #render() {
    this.#draw();
    this.#table();
  }

  #draw() {
    const data = this.#data;
    if (!data) return;
    const { series, xDomain, total, marker } = data;
    const boxes = METRICS.map((metric) => this.querySelector(`[data-metric=${metric.key}]`));
    const width = boxes[0].clientWidth;
    if (!width) return;
    // Point markers only while they stay apart (the plot is the box less its margins); a
    // fine sweep reads better as a line.
    const sparse = (width - 72) / total > 9;
    this.#els.legend.innerHTML = series
      .map((s) => {
        const shape = s.marker === 'circle' ? '<circle cx="15" cy="6" r="3.2"/>' : '<rect x="12" y="3" width="6" height="6"/>';
        return `<span class="key-item"><svg width="30" height="12" aria-hidden="true"><line class="series ${s.className}" x1="1" x2="29" y1="6" y2="6"/>${sparse ? `<g class="dots ${s.className}">${shape}</g>` : ''}</svg> ${escapeXml(s.label)}</span>`;
      })
      .join('');
    const height = parseFloat(getComputedStyle(this).getPropertyValue('--chart-height')) || 240;
    METRICS.forEach((metric, i) => {
      const box = boxes[i];
      box.innerHTML = lineChartSvg(
        series.map((s) => ({
          label: s.label,
          className: s.className,
          marker: sparse ? s.marker : null,
          points: s.points.map((p) => ({
            x: p.size,
            y: p.error ? null : p[metric.key] * 100,
            title: p.error ? `${p.size}: ${p.error}` : `${s.label}, ${p.size}×${p.size}: ${formatPercent(p[metric.key])}`,
          })),
        })),
        {
          width: box.clientWidth,
          height,
          xDomain,
          integerX: true,
          xLabel: 'input size (square, pixels)',
          yLabel: metric.yLabel,
          markers: marker === null ? [] : [{ x: marker, label: `map: ${marker}` }],
          description: `${metric.title} against input size, ${series.map((s) => s.label).join(' and ')}`,
        },
      );
    });
  }

  #table() {
    const { series } = this.#data;
    this.#els.head.innerHTML = `
      <tr><th scope="col" rowspan="2" class="num">Size</th>${series.map((s) => `<th scope="colgroup" colspan="3" class="group">${escapeXml(s.label)}</th>`).join('')}</tr>
      <tr>${series.map(() => '<th scope="col" class="num">share</th><th scope="col" class="num">band <small>t, b, l, r px</small></th><th scope="col" class="num">widest ÷ side</th>').join('')}</tr>`;
    const sizes = series[0]?.points.map((p) => p.size) ?? [];
    const cells = (p) => (!p ? '<td></td><td></td><td></td>' : p.error
      ? `<td colspan="3" class="alt-error">${escapeXml(p.error)}</td>`
      : `<td class="num">${formatPercent(p.share)}</td><td class="num">${p.band.join(', ')}</td><td class="num">${formatPercent(p.band_relative)}</td>`);
    this.#els.rows.innerHTML = sizes
      .map((size, i) => `<tr><th scope="row" class="num">${size}</th>${series.map((s) => cells(s.points[i])).join('')}</tr>`)
      .join('');
    const failed = series.flatMap((s) => s.points.filter((p) => p.error).map((p) => ({ s, p })));
    this.#els.failures.hidden = failed.length === 0;
    if (failed.length) {
      const first = failed[0];
      this.#els.failures.textContent = `${failed.length} point${failed.length > 1 ? 's' : ''} could not be computed (gaps in the lines), e.g. ${first.s.label} at ${first.p.size}: ${first.p.error}`;
    }
  }
}

customElements.define('padlens-sweep-chart', PadlensSweepChart);
