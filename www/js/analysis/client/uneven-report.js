// <padlens-uneven-report>: the uneven-padding doctor's findings for one network and input
// size — the per-layer table (offending rows marked), the nearest input sizes at which every
// layer is even, and the alternatives. Its size buttons emit `apply-size` ({height?, width?}).
// It only shows what the core computed (analysis/doctor.rs); it never computes.

import { escapeXml, formatNumber } from '../../shared/draw.js';
import { scrollHint } from '../../shared/scroll-hint.js';

const AXES = ['height', 'width'];
/** The before and after side of each axis, in words. */
const SIDES = [['top', 'bottom'], ['left', 'right']];
/** Poolings are named as such; a plain name is a convolution, as most rows are. */
const KINDS = { max_pool: 'max pool', avg_pool: 'avg pool' };

/**
 * @typedef {object} AxisGeometry one axis of a layer, as the core reports it
 * @property {number} input @property {number} kernel @property {number} stride
 * @property {number} dilation @property {boolean} ceil_mode
 * @property {number} before @property {number} after padding amounts
 * @property {number} output
 * @property {number} consumed_before @property {number} consumed_after padding the windows read
 * @property {number} unread_tail padded positions after the last window
 * @property {number} input_unread real input pixels no window reads
 */

/**
 * @typedef {object} ReportLayer
 * @property {string} name torchvision's @property {string} kind @property {string} mode
 * @property {[number, number]} input @property {[number, number]} output
 * @property {[AxisGeometry, AxisGeometry]} axes
 * @property {{even: boolean, reads_more: 'before'|'after'|null, drops: number}[]} verdicts
 * @property {[string, string]} description @property {boolean} offending
 */

/**
 * One value per axis, written once when both axes agree ("7"), else height × width ("7×1").
 * @param {AxisGeometry[]} axes @param {(axis: AxisGeometry) => string} pick
 * @returns {string}
 */
function perAxis(axes, pick) {
  const [h, w] = axes.map(pick);
  return h === w ? h : `${h}×${w}`;
}

/** Kernel / stride / padding / dilation; uneven padding amounts as (before, after). */
function geometryText(axes) {
  const padding = (a) => (a.before === a.after ? String(a.before) : `(${a.before}, ${a.after})`);
  return [
    perAxis(axes, (a) => String(a.kernel)),
    perAxis(axes, (a) => String(a.stride) + (a.ceil_mode ? ' ceil' : '')),
    perAxis(axes, padding),
    perAxis(axes, (a) => String(a.dilation)),
  ].join(' / ');
}

/**
 * A layer's verdict in a few words: which sides it reads more padding on, or drops input at.
 * @param {ReportLayer} layer
 * @returns {{kind: 'even'|'uneven'|'drops', text: string}}
 */
function verdictOf(layer) {
  const more = [];
  const drops = [];
  layer.verdicts.forEach((v, axis) => {
    if (v.drops > 0) drops.push(SIDES[axis][1]);
    else if (!v.even && v.reads_more) more.push(SIDES[axis][v.reads_more === 'before' ? 0 : 1]);
  });
  const parts = [];
  if (more.length) parts.push(`uneven: more ${more.join(', ')}`);
  if (drops.length) parts.push(`drops input: ${drops.join(', ')}`);
  if (parts.length === 0) return { kind: 'even', text: 'even' };
  return { kind: drops.length ? 'drops' : 'uneven', text: parts.join('; ') };
}

/** A border ratio for the tables: undefined ones (a border never read) as a dash. */
function ratioText(value) {
  return value === null || !Number.isFinite(value) ? '—' : formatNumber(value, 4);
}

/**
 * The size advice, one entry per axis, or one for both when they agree (square inputs).
 * @param {object[]} sizes the diagnosis' `sizes`
 * @returns {{label: string, axis: 'both'|'height'|'width', advice: object}[]}
 */
function adviceEntries(sizes) {
  const key = (s) => JSON.stringify([s.current, s.current_is_clean, s.below, s.above, s.rule]);
  if (key(sizes[0]) === key(sizes[1])) return [{ label: 'Height and width', axis: 'both', advice: sizes[0] }];
  return sizes.map((advice, i) => ({ label: AXES[i][0].toUpperCase() + AXES[i].slice(1), axis: AXES[i], advice }));
}

class PadlensUnevenReport extends HTMLElement {
  #els = {};

  connectedCallback() {
    if (this.#els.table) return;
    this.innerHTML = `
      <p class="report-headline" data-role="headline"></p>
      <label class="check report-filter"><input type="checkbox" data-role="filter"> Only the flagged layers</label>
      <div class="table-scroll">
        <table class="report-table" data-role="table">
          <caption class="visually-hidden">Every layer that pads or down-samples, with the padding its windows read on each side</caption>
          <thead>
            <tr>
              <th scope="col" rowspan="2">Layer</th>
              <th scope="col" rowspan="2" class="num">Input</th>
              <th scope="col" rowspan="2" class="num"><abbr title="kernel / stride / padding / dilation; padding as (before, after) when the sides differ, height×width when the axes differ">k / s / p / d</abbr></th>
              <th scope="col" rowspan="2" class="num">Output</th>
              <th scope="colgroup" colspan="2" class="group">Padding read</th>
              <th scope="colgroup" colspan="2" class="group">Never read</th>
              <th scope="col" rowspan="2">Verdict</th>
            </tr>
            <tr>
              <th scope="col" class="num">top / bottom</th>
              <th scope="col" class="num">left / right</th>
              <th scope="col" class="num"><abbr title="padded positions after the last window, rows and columns">tail</abbr></th>
              <th scope="col" class="num"><abbr title="real input pixels no window reads, rows and columns">input</abbr></th>
            </tr>
          </thead>
          <tbody data-role="rows"></tbody>
        </table>
      </div>
      <section class="report-part" aria-labelledby="advice-title">
        <h3 id="advice-title">Input sizes that are even at every layer</h3>
        <div data-role="advice"></div>
      </section>
      <section class="report-part" aria-labelledby="alternatives-title">
        <h3 id="alternatives-title">Alternatives, each re-run through the report</h3>
        <p class="hint">Pad or crop the input, or keep its size and change how the network pads or down-samples: how many layers are then uneven or drop input (along the height, the width), and the border ratios of the whole network's map (1 is symmetric).</p>
        <div class="table-scroll">
          <table class="alternatives-table">
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col" class="num">Input</th>
                <th scope="col" class="num">Uneven <small>h, w</small></th>
                <th scope="col" class="num">Drop input <small>h, w</small></th>
                <th scope="col" class="num">Left ÷ right</th>
                <th scope="col" class="num">Top ÷ bottom</th>
              </tr>
            </thead>
            <tbody data-role="alternatives"></tbody>
          </table>
        </div>
      </section>`;
    this.querySelectorAll('.table-scroll').forEach(scrollHint);
    const q = (s) => this.querySelector(s);
    this.#els = {
      headline: q('[data-role=headline]'),
      filter: q('[data-role=filter]'),
      table: q('[data-role=table]'),
      rows: q('[data-role=rows]'),
      advice: q('[data-role=advice]'),
      alternatives: q('[data-role=alternatives]'),
    };
    this.#els.filter.addEventListener('change', () => this.#els.table.classList.toggle('flagged-only', this.#els.filter.checked));
    this.addEventListener('click', (event) => {
      const button = event.target.closest('button.size-choice');
      if (!button) return;
      const detail = {};
      for (const axis of AXES) if (button.dataset[axis]) detail[axis] = Number(button.dataset[axis]);
      this.dispatchEvent(new CustomEvent('apply-size', { bubbles: true, detail }));
    });
  }

  /**
   * @param {{framework: string, report: {network: string, input: number[], layers: ReportLayer[], uneven: number[], dropping: number[]},
   *   sizes: object[], alternatives: object[], depth_profile: object[]}} diagnosis
   */
  show({ framework, report, sizes, alternatives, depth_profile: depth }) {
    const flagged = report.layers.filter((l) => l.offending).length;
    const total = report.layers.length;
    const { headline } = this.#els;
    headline.classList.toggle('bad', flagged > 0);
    headline.innerHTML = flagged === 0
      ? `<strong>All ${total} layers</strong> that pad or down-sample read their padding evenly and drop no input.`
      : `<strong>${flagged} of ${total} layers</strong> that pad or down-sample are uneven or drop input: ` +
        `${report.uneven[0]} read unevenly along the height and ${report.uneven[1]} along the width; ` +
        `${report.dropping[0]} and ${report.dropping[1]} leave input unread.`;
    this.#els.rows.replaceChildren(...report.layers.map((layer) => this.#row(layer)));
    this.#els.advice.innerHTML = adviceEntries(sizes).map((entry) => this.#advice(entry)).join('');
    const last = depth.at(-1);
    const asIs = {
      title: `As it is (${framework === 'tf' ? 'TF/Keras SAME' : 'PyTorch'} padding)`,
      detail: 'the network and input size above',
      input: report.input,
      uneven: report.uneven,
      dropping: report.dropping,
      left_to_right: last ? last.left_to_right : null,
      top_to_bottom: last ? last.top_to_bottom : null,
      error: null,
      current: true,
    };
    this.#els.alternatives.innerHTML = [asIs, ...alternatives].map((alt) => this.#alternative(alt, report.input)).join('');
  }

  /** @param {ReportLayer} layer */
  #row(layer) {
    const tr = document.createElement('tr');
    const verdict = verdictOf(layer);
    tr.className = layer.offending ? 'offending' : '';
    tr.dataset.layer = layer.name;
    tr.dataset.verdict = verdict.kind;
    const [h, w] = layer.axes;
    const read = (a) => `${a.consumed_before} / ${a.consumed_after}`;
    tr.innerHTML = `
      <th scope="row"><span class="flag" aria-hidden="true">${layer.offending ? '▲' : ''}</span><code>${escapeXml(layer.name)}</code>${KINDS[layer.kind] ? ` <small>${KINDS[layer.kind]}</small>` : ''}</th>
      <td class="num">${layer.input.join('×')}</td>
      <td class="num">${escapeXml(geometryText(layer.axes))}</td>
      <td class="num">${layer.output.join('×')}</td>
      <td class="num${h.consumed_before !== h.consumed_after ? ' odd' : ''}">${read(h)}</td>
      <td class="num${w.consumed_before !== w.consumed_after ? ' odd' : ''}">${read(w)}</td>
      <td class="num">${h.unread_tail}, ${w.unread_tail}</td>
      <td class="num${h.input_unread || w.input_unread ? ' odd' : ''}">${h.input_unread}, ${w.input_unread}</td>
      <td><span class="verdict ${verdict.kind}" title="${escapeXml(layer.description.map((d, i) => `${AXES[i]}: ${d}`).join('; '))}">${escapeXml(verdict.text)}</span></td>`;
    return tr;
  }

  #advice({ label, axis, advice }) {
    const { current, current_is_clean: clean, below, above, rule, range } = advice;
    const target = axis === 'both' ? 'height and width' : axis;
    const choice = (size) => {
      if (size === null) return '<span class="none">none</span>';
      const delta = size - current;
      const data = axis === 'both' ? `data-height="${size}" data-width="${size}"` : `data-${axis}="${size}"`;
      return `<button type="button" class="size-choice" ${data} aria-label="Use ${size} for the ${target}">${size} <small>(${delta > 0 ? '+' : '−'}${Math.abs(delta)})</small></button>`;
    };
    const ruleText = rule
      ? `<span class="rule-formula">n ≡ ${rule.residue} (mod ${rule.modulus})</span>, for n ≥ ${rule.from}`
      : 'no single residue class — check sizes one by one';
    return `
      <div class="advice" data-axis="${axis}">
        <p class="advice-head"><strong>${label} ${current}</strong>
          <span class="verdict ${clean ? 'even' : 'uneven'}">${clean ? 'even at every layer' : 'uneven somewhere'}</span></p>
        <p class="advice-sizes">Nearest ${clean ? 'other ' : ''}even sizes in ${range[0]}–${range[1]}:
          <span class="choice-label">below</span> ${choice(below)} <span class="choice-label">above</span> ${choice(above)}</p>
        <p class="advice-rule">Rule: ${ruleText}</p>
      </div>`;
  }

  #alternative(alt, input) {
    const changesSize = alt.input[0] !== input[0] || alt.input[1] !== input[1];
    const size = `${alt.input[0]}×${alt.input[1]}`;
    const inputCell = changesSize
      ? `<button type="button" class="size-choice" data-height="${alt.input[0]}" data-width="${alt.input[1]}" aria-label="Use ${size}">${size}</button>`
      : size;
    const figures = alt.error
      ? `<td colspan="4" class="alt-error">${escapeXml(alt.error)}</td>`
      : `<td class="num${alt.uneven.some(Boolean) ? ' odd' : ''}">${alt.uneven.join(', ')}</td>
         <td class="num${alt.dropping.some(Boolean) ? ' odd' : ''}">${alt.dropping.join(', ')}</td>
         <td class="num">${ratioText(alt.left_to_right)}</td>
         <td class="num">${ratioText(alt.top_to_bottom)}</td>`;
    return `
      <tr class="${alt.current ? 'as-is' : ''}">
        <th scope="row">${escapeXml(alt.title)}<small>${escapeXml(alt.detail)}</small></th>
        <td class="num">${inputCell}</td>
        ${figures}
      </tr>`;
  }
}

customElements.define('padlens-uneven-report', PadlensUnevenReport);
