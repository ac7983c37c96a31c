// The shift experiment's chart and figures (definitions.md §5), shared by the Blind spots page
// and the paper page: pure functions from the core's curve to numbers and SVG markup.

import { escapeXml, formatNumber, lineChartSvg } from '../../shared/draw.js';

/**
 * @typedef {object} ShiftCurve what `Model.shift` returns (src/detect/shift.rs)
 * @property {[number, number]} corner the placement's [y0, x0]
 * @property {number} max_shift S
 * @property {{direction: 'up'|'down'|'left'|'right', last: number, scores: number[]}[]} directions
 *   scores[d] at a shift of d pixels, d = 0 … last
 */

/** Each direction's series class and marker: Okabe–Ito colours, told apart by marker too. */
const DIRECTION_STYLE = {
  up: ['series-a', 'circle'],
  down: ['series-b', 'square'],
  left: ['series-c', 'circle'],
  right: ['series-d', 'square'],
};

/**
 * The share of shifted placements (d ≥ 1) that score at or above `threshold`, per direction
 * with room to shift.
 * @param {ShiftCurve} curve @param {number} threshold
 * @returns {{direction: string, detected: number, shifts: number}[]}
 */
export function shiftRates(curve, threshold) {
  return curve.directions
    .filter((series) => series.last > 0)
    .map((series) => {
      const shifted = series.scores.slice(1);
      return { direction: series.direction, detected: shifted.filter((v) => v >= threshold).length, shifts: shifted.length };
    });
}

/**
 * The chart of a shift curve, one series per direction, with its legend, as HTML markup.
 * @param {ShiftCurve} curve
 * @param {{width: number, threshold: number, yLabel: string, yFromZero: boolean}} options
 * @returns {string}
 */
export function shiftChartHtml(curve, { width, threshold, yLabel, yFromZero }) {
  const [y0, x0] = curve.corner;
  const series = curve.directions.map((s) => ({
    label: s.direction,
    className: DIRECTION_STYLE[s.direction][0],
    marker: DIRECTION_STYLE[s.direction][1],
    points: s.scores.map((y, d) => ({ x: d, y, title: `${s.direction} ${d} px: ${formatNumber(y, 5)}` })),
  }));
  const legend = curve.directions
    .map((s) => {
      const [className, marker] = DIRECTION_STYLE[s.direction];
      const shape = marker === 'circle' ? '<circle cx="15" cy="6" r="3.2"/>' : '<rect x="12" y="3" width="6" height="6"/>';
      const note = s.last < curve.max_shift ? ` <small>(up to ${s.last} px: then the stimulus would leave the image)</small>` : '';
      return `<span class="key-item"><svg width="30" height="12" aria-hidden="true"><line class="series ${className}" x1="1" x2="29" y1="6" y2="6"/><g class="dots ${className}">${shape}</g></svg> shifted ${escapeXml(s.direction)}${note}</span>`;
    })
    .join('');
  return `<p class="legend chart-legend">${legend}</p>${lineChartSvg(series, {
    width,
    height: 260,
    xDomain: [0, Math.max(1, curve.max_shift)],
    integerX: true,
    xLabel: 'shift (px)',
    yLabel,
    yFromZero,
    rules: [{ y: threshold, label: 'threshold' }],
    description: `Score of the stimulus at y ${y0}, x ${x0} as the image shifts up, down, left and right`,
  })}`;
}
