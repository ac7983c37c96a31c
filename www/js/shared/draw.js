// Pure helpers for drawing and labelling: tick choice, number formatting, colour-bar labels,
// the profile plot's SVG, the line charts of the padding report and the
// marginalization sweep, and the band diagram. No DOM access, so node can test them directly
// and the custom elements stay about layout and events.

const SUPERSCRIPT = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
const MINUS = '\u2212';

/** @param {number} n an integer @returns {string} n in superscript digits */
function superscript(n) {
  return String(n).replace(/[-0-9]/g, (c) => SUPERSCRIPT[c]);
}

/**
 * A number for people: plain decimals between 10⁻³ and 10⁶, otherwise m × 10ⁿ, with a true
 * minus sign and trailing zeros removed.
 * @param {number} value
 * @param {number} [significant=4] significant digits
 * @returns {string}
 */
export function formatNumber(value, significant = 4) {
  if (Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : `${MINUS}∞`;
  if (value === 0) return '0';
  const sign = value < 0 ? MINUS : '';
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e6) {
    // Number() also undoes toPrecision's exponent form: 256.75 to 2 digits is "2.6e+2", i.e. 260.
    return sign + String(Number(abs.toPrecision(significant)));
  }
  const [mantissa, exponent] = abs.toExponential(significant - 1).split('e');
  const m = trimZeros(mantissa);
  return `${sign}${m === '1' ? '' : `${m} × `}10${superscript(Number(exponent))}`;
}

/**
 * A fraction as a percentage, e.g. 0.50729 → "50.73%".
 * @param {number} fraction @param {number} [significant=4] @returns {string}
 */
export function formatPercent(fraction, significant = 4) {
  return `${formatNumber(fraction * 100, significant)}%`;
}

function trimZeros(text) {
  return text.includes('.') && !text.includes('e') ? text.replace(/\.?0+$/, '') : text;
}

/**
 * A raw utilization count, stored as `value · 2^log2Scale`.
 * @param {number} value stored value
 * @param {number} log2Scale
 * @returns {{exact: string|null, approx: string}} `exact`: every digit, when the count is an
 *   integer that a double holds exactly; `approx`: four significant digits
 */
export function formatCount(value, log2Scale = 0) {
  const raw = value * 2 ** log2Scale;
  if (!Number.isFinite(value)) return { exact: null, approx: formatNumber(value) };
  if (Number.isFinite(raw)) {
    return { exact: Number.isSafeInteger(raw) ? String(raw) : null, approx: formatNumber(raw) };
  }
  // Beyond the double range: print mantissa and exponent from the logarithm.
  const log10 = Math.log10(value) + log2Scale * Math.LOG10E * Math.LN2;
  const exponent = Math.floor(log10);
  return { exact: null, approx: `${(10 ** (log10 - exponent)).toFixed(3)} × 10${superscript(exponent)}` };
}

/**
 * Evenly spaced round numbers (1, 2 or 5 × 10ⁿ apart) inside [lo, hi].
 * @param {number} lo @param {number} hi
 * @param {number} maxCount the most ticks wanted (at least 2)
 * @returns {number[]}
 */
export function linearTicks(lo, hi, maxCount) {
  if (!(hi > lo) || maxCount < 2) return [lo];
  const rough = (hi - lo) / (maxCount - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
  const ticks = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) {
    ticks.push(Number((i * step).toPrecision(12)));
  }
  return ticks;
}

/**
 * Round numbers for a logarithmic axis inside [lo, hi] (lo > 0): powers of ten when there
 * are three or more, else 1-2-5 multiples if they fit, else linear ticks (narrow ranges).
 * @param {number} lo @param {number} hi @param {number} maxCount
 * @returns {number[]}
 */
export function logTicks(lo, hi, maxCount) {
  const inRange = (v) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const lowest = Math.ceil(Math.log10(lo) - 1e-9);
  const highest = Math.floor(Math.log10(hi) + 1e-9);
  const step = Math.max(1, Math.ceil((highest - lowest + 1) / maxCount));
  const powers = [];
  for (let e = lowest; e <= highest; e += step) powers.push(Number(`1e${e}`));
  if (powers.length >= 3) return powers;
  const multiples = [];
  for (let e = lowest - 1; e <= highest; e++) multiples.push(...[1, 2, 5].map((m) => Number(`${m}e${e}`)).filter(inRange));
  if (multiples.length >= 2 && multiples.length <= maxCount) return multiples;
  if (powers.length === 2) return powers;
  return linearTicks(lo, hi, maxCount).filter((v) => v > 0);
}

/**
 * Ticks for a y axis over [lo, hi]. A log axis over less than a decade may have no round
 * number near its bottom (TF's ResNet-50 depth chart ran from 0.24 with its lowest label at
 * 0.5): then its bottom itself, rounded up into the range, is labelled too.
 * @param {number} lo @param {number} hi @param {number} count the most ticks wanted
 * @param {boolean} log @returns {number[]}
 */
function yAxisTicks(lo, hi, count, log) {
  if (!log) return linearTicks(lo, hi, count);
  const ticks = logTicks(lo, hi, count);
  // How far down the axis the lowest tick sits, from the top (0) to the bottom (1).
  const lowest = ticks.length ? Math.log(hi / ticks[0]) / Math.log(hi / lo) : 1;
  if (lowest < 0.7) {
    const rounded = Number(lo.toPrecision(2));
    const bottom = rounded < lo ? Number((lo * 1.005).toPrecision(2)) : rounded;
    if (bottom < ticks[0]) ticks.unshift(bottom);
  }
  return ticks;
}

/**
 * Whether a colour range is empty: every pixel of the map has the same relative value (up to
 * rounding), as under SYMMETRIC padding.
 * @param {number} low @param {number} high @returns {boolean}
 */
export function isUniformRange(low, high) {
  return !(high - low > 1e-12 * Math.max(Math.abs(low), Math.abs(high)));
}

/**
 * Labels for a vertical colour bar spanning the relative values [low, high] (top = high).
 * The two ends are always labelled (they are the map's exact range); round values in between
 * are added where they keep clear of the ends and of each other.
 * @param {number} low @param {number} high
 * @param {'linear'|'log'} scale how colours are spread between low and high
 * @param {number} length the bar's length in CSS pixels
 * @param {number} [minGap=18] the least distance between two labels, in CSS pixels
 * @returns {{value: number, text: string, offset: number, end: boolean}[]} top to bottom;
 *   offset 0 = top, 1 = bottom
 */
export function colorbarLabels(low, high, scale, length, minGap = 18) {
  if (isUniformRange(low, high)) return [{ value: high, text: formatNumber(high), offset: 0.5, end: true }];
  const log = scale === 'log' && low > 0;
  const position = log
    ? (v) => (Math.log(high) - Math.log(v)) / (Math.log(high) - Math.log(low))
    : (v) => (high - v) / (high - low);
  const maxCount = Math.max(2, Math.floor(length / (minGap * 1.6)));
  const inner = (log ? logTicks(low, high, maxCount) : linearTicks(low, high, maxCount))
    .map((value) => ({ value, text: formatNumber(value, 3), offset: position(value), end: false }))
    .filter((t) => t.offset * length >= minGap && (1 - t.offset) * length >= minGap)
    .sort((p, q) => p.offset - q.offset);
  return [
    { value: high, text: formatNumber(high, 3), offset: 0, end: true },
    ...inner,
    { value: low, text: formatNumber(low, 3), offset: 1, end: true },
  ];
}

/** @param {string} text @returns {string} text safe inside SVG/HTML markup */
export function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * @typedef {object} Series
 * @property {string} label
 * @property {Float64Array|number[]} values y for x = 0, 1, …
 * @property {string} className styles the line (colour and dash come from CSS)
 */

/**
 * An SVG line plot of one or more profiles, sized in CSS pixels.
 * @param {Series[]} series
 * @param {object} options
 * @param {number} options.width @param {number} options.height
 * @param {'linear'|'log'} options.scale y axis
 * @param {string} options.xLabel @param {string} options.yLabel
 * @param {number|null} [options.marker] an x to mark with a vertical line
 * @returns {string} SVG markup
 */
export function profileSvg(series, { width, height, scale, xLabel, yLabel, marker = null }) {
  const margin = { top: 10, right: 14, bottom: 34, left: 58 };
  const plotW = Math.max(10, width - margin.left - margin.right);
  const plotH = Math.max(10, height - margin.top - margin.bottom);
  const xMax = Math.max(1, ...series.map((s) => s.values.length - 1));
  const tickCount = Math.max(2, Math.floor(plotH / 24));
  const finite = series.flatMap((s) => Array.from(s.values)).filter((v) => Number.isFinite(v) && (scale !== 'log' || v > 0));
  const log = scale === 'log' && finite.length > 0;
  let [yLo, yHi] = [0, 1];
  if (finite.length > 0) {
    const max = Math.max(...finite);
    const min = Math.min(...finite);
    if (log) {
      // Leave a little room above and below, in ratio.
      [yLo, yHi] = max > min * 1.0001 ? [min / (max / min) ** 0.05, max * (max / min) ** 0.05] : [min / 1.5, max * 1.5];
    } else if (max > 0) {
      // Up to the first round number above the data, so the top gridline is labelled.
      const ticks = linearTicks(0, max, tickCount);
      yHi = ticks.length > 1 ? Math.ceil(max / ticks[1] - 1e-9) * ticks[1] : max;
    }
  }
  const xOf = (x) => margin.left + (x / xMax) * plotW;
  const yOf = log
    ? (v) => margin.top + plotH * (1 - Math.log(v / yLo) / Math.log(yHi / yLo))
    : (v) => margin.top + plotH * (1 - (v - yLo) / (yHi - yLo));
  const yTicks = yAxisTicks(yLo, yHi, tickCount, log);
  const xTicks = linearTicks(0, xMax, Math.max(2, Math.floor(plotW / 60))).filter((v) => Number.isInteger(v));
  const f = (v) => v.toFixed(1);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(`${yLabel} against ${xLabel}`)}">`,
    `<g class="grid">`,
    ...yTicks.map((v) => `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${f(yOf(v))}" y2="${f(yOf(v))}"/>`),
    `</g><g class="axis">`,
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}"/>`,
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}"/>`,
    ...yTicks.map((v) => `<text x="${margin.left - 6}" y="${f(yOf(v))}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatNumber(v, 3))}</text>`),
    ...xTicks.map((v) => `<line x1="${f(xOf(v))}" x2="${f(xOf(v))}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 4}"/><text x="${f(xOf(v))}" y="${margin.top + plotH + 16}" text-anchor="middle">${v}</text>`),
    `<text class="label" x="${margin.left + plotW / 2}" y="${height - 3}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text class="label" transform="translate(12 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    `</g>`,
  ];
  if (marker !== null && marker >= 0 && marker <= xMax) {
    parts.push(`<line class="marker" x1="${f(xOf(marker))}" x2="${f(xOf(marker))}" y1="${margin.top}" y2="${margin.top + plotH}"/>`);
  }
  for (const s of series) {
    let d = '';
    let pen = 'M';
    s.values.forEach((v, x) => {
      if (!Number.isFinite(v) || (log && v <= 0)) {
        pen = 'M'; // a gap where the value cannot be drawn
        return;
      }
      d += `${pen}${f(xOf(x))} ${f(yOf(v))}`;
      pen = 'L';
    });
    parts.push(`<path class="series ${escapeXml(s.className)}" d="${d}"><title>${escapeXml(s.label)}</title></path>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/**
 * @typedef {object} XYSeries
 * @property {string} label
 * @property {{x: number, y: number|null, title?: string}[]} points in x order; a null or
 *   non-finite y leaves a gap
 * @property {string} className styles the line (colour and dash come from CSS)
 * @property {'circle'|'square'|null} [marker] a shape at each point, so that series differ
 *   by more than colour and dash; null for none
 */

/**
 * The y range of a chart: from 0 (or the data's minimum, if negative) up to the first round
 * number above the data on a linear axis; on a log axis the data's range with a little room
 * in ratio. `include` values (a reference line) are always inside.
 * @param {number[]} values finite, and positive on a log axis
 * @param {'linear'|'log'} scale @param {number} tickCount @param {number[]} include
 * @returns {[number, number]}
 */
function valueDomain(values, scale, tickCount, include, fromZero = true) {
  const all = [...values, ...include];
  if (all.length === 0) return scale === 'log' ? [0.5, 2] : [0, 1];
  const max = Math.max(...all);
  const min = Math.min(...all);
  if (scale === 'log') {
    return max > min * 1.0001 ? [min / (max / min) ** 0.06, max * (max / min) ** 0.06] : [min / 1.5, max * 1.5];
  }
  if (!fromZero && max > min) {
    const ticks = linearTicks(min, max, tickCount);
    const step = ticks.length > 1 ? ticks[1] - ticks[0] : max - min;
    return [Math.floor(min / step + 1e-9) * step, Math.ceil(max / step - 1e-9) * step];
  }
  const lo = Math.min(0, min);
  if (!(max > lo)) return [lo, lo + 1];
  const ticks = linearTicks(lo, max, tickCount);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : max - lo;
  return [lo, Math.ceil(max / step - 1e-9) * step];
}

/**
 * An SVG chart of (x, y) series on numeric axes, sized in CSS pixels, with optional shaded x
 * ranges (labelled along their top), vertical markers and horizontal reference lines.
 * @param {XYSeries[]} series
 * @param {object} options
 * @param {number} options.width @param {number} options.height
 * @param {[number, number]} options.xDomain
 * @param {boolean} [options.integerX] whole-number x ticks only (depths, sizes)
 * @param {'linear'|'log'} [options.yScale]
 * @param {number[]} [options.yInclude] values the y range must contain
 * @param {boolean} [options.yFromZero] a linear y axis starts at 0 (or below); false: it
 *   fits the values (raw scores such as logits, whose 0 means nothing)
 * @param {(value: number) => string} [options.yFormat] y tick labels
 * @param {string} options.xLabel @param {string} options.yLabel
 * @param {{from: number, to: number, label: string}[]} [options.bands]
 * @param {{x: number, label: string}[]} [options.markers]
 * @param {{y: number, label: string}[]} [options.rules]
 * @param {string} [options.description] the chart's accessible name
 * @returns {string} SVG markup
 */
export function lineChartSvg(series, options) {
  const { width, height, xDomain, integerX = false, yScale = 'linear', yInclude = [], xLabel, yLabel } = options;
  const { yFormat = (v) => formatNumber(v, 3), bands = [], markers = [], rules = [] } = options;
  const bandLabels = bands.some((b) => b.label);
  // A reference line's label sits in the right margin, beside the line's end, where no
  // point of a series can cover it (inside the plot the last points did).
  const ruleLabel = Math.max(0, ...rules.map((r) => r.label.length));
  const margin = { top: bandLabels ? 14 : 10, right: ruleLabel ? 10 + ruleLabel * 6.5 : 14, bottom: 34, left: 58 };
  const plotW = Math.max(10, width - margin.left - margin.right);
  const plotH = Math.max(10, height - margin.top - margin.bottom);
  const log = yScale === 'log';
  const drawable = (y) => y !== null && Number.isFinite(y) && (!log || y > 0);
  const values = series.flatMap((s) => s.points.map((p) => p.y).filter(drawable));
  const tickCount = Math.max(2, Math.floor(plotH / 28));
  const [yLo, yHi] = valueDomain(values, yScale, tickCount, yInclude.filter((v) => !log || v > 0), options.yFromZero ?? true);
  const [xLo, xHi] = xDomain[1] > xDomain[0] ? xDomain : [xDomain[0] - 1, xDomain[0] + 1];
  const xOf = (x) => margin.left + ((x - xLo) / (xHi - xLo)) * plotW;
  const yOf = log
    ? (v) => margin.top + plotH * (1 - Math.log(v / yLo) / Math.log(yHi / yLo))
    : (v) => margin.top + plotH * (1 - (v - yLo) / (yHi - yLo));
  const yTicks = yAxisTicks(yLo, yHi, tickCount, log);
  const xTicks = linearTicks(xLo, xHi, Math.max(2, Math.floor(plotW / 56))).filter((v) => !integerX || Number.isInteger(v));
  const f = (v) => v.toFixed(1);
  const bottom = margin.top + plotH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.description ?? `${yLabel} against ${xLabel}`)}">`,
    ...bands.map((b) => `<rect class="band" x="${f(xOf(b.from))}" y="${margin.top}" width="${f(xOf(b.to) - xOf(b.from))}" height="${plotH}"/>`),
    `<g class="grid">`,
    ...yTicks.map((v) => `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${f(yOf(v))}" y2="${f(yOf(v))}"/>`),
    `</g><g class="axis">`,
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${bottom}"/>`,
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${bottom}" y2="${bottom}"/>`,
    ...yTicks.map((v) => `<text x="${margin.left - 6}" y="${f(yOf(v))}" text-anchor="end" dominant-baseline="middle">${escapeXml(yFormat(v))}</text>`),
    ...xTicks.map((v) => `<line x1="${f(xOf(v))}" x2="${f(xOf(v))}" y1="${bottom}" y2="${bottom + 4}"/><text x="${f(xOf(v))}" y="${bottom + 16}" text-anchor="middle">${escapeXml(formatNumber(v, 6))}</text>`),
    `<text class="label" x="${margin.left + plotW / 2}" y="${height - 3}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text class="label" transform="translate(12 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    `</g>`,
  ];
  for (const r of rules.filter((r) => drawable(r.y) && r.y >= yLo && r.y <= yHi)) {
    parts.push(
      `<g class="rule"><line x1="${margin.left}" x2="${margin.left + plotW}" y1="${f(yOf(r.y))}" y2="${f(yOf(r.y))}"/>`,
      `<text x="${margin.left + plotW + 4}" y="${f(yOf(r.y))}" text-anchor="start" dominant-baseline="middle">${escapeXml(r.label)}</text></g>`,
    );
  }
  for (const m of markers.filter((m) => m.x >= xLo && m.x <= xHi)) {
    const x = xOf(m.x);
    // Keep the label inside the plot: to the left of a marker near the right edge.
    const right = x > margin.left + plotW * 0.8;
    parts.push(
      `<g class="marker"><line x1="${f(x)}" x2="${f(x)}" y1="${margin.top}" y2="${bottom}"/>`,
      `<text x="${f(right ? x - 4 : x + 4)}" y="${margin.top + 10}" text-anchor="${right ? 'end' : 'start'}">${escapeXml(m.label)}</text></g>`,
    );
  }
  for (const s of series) {
    let d = '';
    let pen = 'M';
    const dots = [];
    for (const p of s.points) {
      if (!drawable(p.y)) {
        pen = 'M'; // a gap where the value cannot be drawn
        continue;
      }
      const x = xOf(p.x);
      const y = yOf(p.y);
      d += `${pen}${f(x)} ${f(y)}`;
      pen = 'L';
      const title = p.title ? `<title>${escapeXml(p.title)}</title>` : '';
      if (s.marker === 'circle') dots.push(`<circle cx="${f(x)}" cy="${f(y)}" r="3.2">${title}</circle>`);
      if (s.marker === 'square') dots.push(`<rect x="${f(x - 3)}" y="${f(y - 3)}" width="6" height="6">${title}</rect>`);
    }
    parts.push(
      `<path class="series ${escapeXml(s.className)}" d="${d}"><title>${escapeXml(s.label)}</title></path>`,
      dots.length ? `<g class="dots ${escapeXml(s.className)}">${dots.join('')}</g>` : '',
    );
  }
  // Band labels last, over the lines (with a halo in CSS), so a line never hides one.
  for (const b of bands.filter((b) => b.label)) {
    parts.push(`<text class="band-label" transform="translate(${f((xOf(b.from) + xOf(b.to)) / 2)} ${margin.top + 3}) rotate(-90)" text-anchor="end" dominant-baseline="middle">${escapeXml(b.label)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/**
 * A small diagram of a map's marginalized band: the input as a square-cornered box with the
 * band along each border drawn to scale, each side labelled with its width in pixels.
 * @param {[number, number, number, number]} band top, bottom, left, right in pixels
 * @param {number} height @param {number} width the input's size
 * @param {number} [box=132] the diagram's longer side in CSS pixels
 * @returns {string} SVG markup
 */
export function bandSvg([top, bottom, left, right], height, width, box = 132) {
  const pad = 22;
  const scale = box / Math.max(height, width);
  const w = width * scale;
  const h = height * scale;
  const f = (v) => v.toFixed(1);
  const inner = { x: pad + left * scale, y: pad + top * scale, w: Math.max(0, w - (left + right) * scale), h: Math.max(0, h - (top + bottom) * scale) };
  const label = `Marginalized band: top ${top}, bottom ${bottom}, left ${left}, right ${right} pixels of a ${height}×${width} input`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f(w + 2 * pad)}" height="${f(h + 2 * pad)}" viewBox="0 0 ${f(w + 2 * pad)} ${f(h + 2 * pad)}" role="img" aria-label="${escapeXml(label)}">`,
    `<rect class="band-outer" x="${pad}" y="${pad}" width="${f(w)}" height="${f(h)}"/>`,
    `<rect class="band-inner" x="${f(inner.x)}" y="${f(inner.y)}" width="${f(inner.w)}" height="${f(inner.h)}"/>`,
    `<text x="${f(pad + w / 2)}" y="${pad - 6}" text-anchor="middle">${top}</text>`,
    `<text x="${f(pad + w / 2)}" y="${f(pad + h + 15)}" text-anchor="middle">${bottom}</text>`,
    `<text x="${pad - 5}" y="${f(pad + h / 2)}" text-anchor="end" dominant-baseline="middle">${left}</text>`,
    `<text x="${f(pad + w + 5)}" y="${f(pad + h / 2)}" dominant-baseline="middle">${right}</text>`,
    '</svg>',
  ].join('');
}
