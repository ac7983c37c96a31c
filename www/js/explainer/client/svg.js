// Pure SVG markup for the explainer's grids: the padded input with the current window over it,
// count maps, the kernel's per-cell counts and a horizontal colour bar. No DOM access, so node
// can test them; the custom elements only size them and handle events. Every grid is drawn
// in viewBox units of CELL per cell, so its text scales with it. Highlights differ by shape
// and stroke (outline thickness, dashes, rings, hatching), never by hue alone.

import { colorbarLabels, escapeXml, formatNumber, isUniformRange } from '../../shared/draw.js';

/** One grid cell, in viewBox units. */
export const CELL = 40;
/** Room above and left of a grid for the position numbers. */
const MARGIN = 20;

const f = (v) => Number(v.toFixed(2));

/**
 * A count as text: every digit of a whole count (they stay well inside a double's exact
 * integers here), four significant digits of a fraction (partial convolution's weights),
 * and one decimal from a thousand up, so a fractional count still reads as fractional
 * (four significant digits would round 1234.5 to 1235).
 * @param {number} value @returns {string}
 */
export function countText(value) {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1000 ? value.toFixed(1) : formatNumber(value, 4);
}

/** A cell's number, in smaller type when it is too long for the cell. */
function cellNumber(text, x, y, className) {
  const size = text.length > 4 ? ' long' : '';
  return `<text class="${className}${size}" x="${x}" y="${y}" text-anchor="middle" dominant-baseline="central">${escapeXml(text)}</text>`;
}

/**
 * Row and column position labels along the top and left of a grid.
 * @param {number} rows @param {number} columns
 * @param {number} rowOffset @param {number} columnOffset the position of the first row/column
 */
function axisLabels(rows, columns, rowOffset, columnOffset) {
  const parts = ['<g class="axis-labels" aria-hidden="true">'];
  for (let c = 0; c < columns; c++) {
    parts.push(`<text x="${MARGIN + (c + 0.5) * CELL}" y="${MARGIN - 6}" text-anchor="middle">${c + columnOffset}</text>`);
  }
  for (let r = 0; r < rows; r++) {
    parts.push(`<text x="${MARGIN - 5}" y="${MARGIN + (r + 0.5) * CELL}" text-anchor="end" dominant-baseline="central">${r + rowOffset}</text>`);
  }
  parts.push('</g>');
  return parts.join('');
}

/** The diagonal hatching that marks cells no window reads. */
function hatchPattern(id) {
  return `<pattern id="${id}" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line class="hatch-line" x1="0" y1="0" x2="0" y2="8"/></pattern>`;
}

/**
 * @typedef {object} PaddedCell as the core's `padded[]`
 * @property {[number, number]} position in input coordinates (negative or ≥ input in the padding)
 * @property {[number, number]|null} source the input pixel shown, null for a zero
 * @property {boolean} padding @property {boolean} read
 */

/**
 * The padded input of a layer: every padded position with the name of the pixel it shows
 * ("0" for a zero), the input framed, padding tinted, unread cells hatched, and the selected
 * pixel outlined wherever it appears (solid where it is, dashed on its copies).
 * @param {object} view the core's LayerView: `padded_size`, `padded`, `axes` (`before`), `input`
 * @param {(row: number, column: number) => string} label a pixel's name
 * @param {[number, number]|null} pixel the selected pixel
 * @param {string} id a prefix for the SVG ids, unique in the document
 * @returns {string} SVG markup; an empty `<g data-role="overlay">` is left for {@link windowOverlaySvg}
 */
export function paddedGridSvg(view, label, pixel, id) {
  const [rows, columns] = view.padded_size;
  const [top, left] = [view.axes[0].before, view.axes[1].before];
  const width = MARGIN + columns * CELL;
  const height = MARGIN + rows * CELL;
  const cells = [];
  const marks = [];
  view.padded.forEach((cell, i) => {
    const x = MARGIN + (i % columns) * CELL;
    const y = MARGIN + Math.floor(i / columns) * CELL;
    const kind = !cell.padding ? 'input' : cell.source ? 'copy' : 'zero';
    const text = cell.source ? label(cell.source[0], cell.source[1]) : '0';
    const data = cell.source ? ` data-row="${cell.source[0]}" data-column="${cell.source[1]}"` : '';
    cells.push(
      `<g class="cell ${kind}${cell.read ? '' : ' unread'}"${data}>` +
        `<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}"/>` +
        (cell.read ? '' : `<rect class="hatch" x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="url(#${id}-hatch)"/>`) +
        `<text x="${x + CELL / 2}" y="${y + CELL / 2}" text-anchor="middle" dominant-baseline="central">${escapeXml(text)}</text>` +
        `</g>`,
    );
    if (pixel && cell.source && cell.source[0] === pixel[0] && cell.source[1] === pixel[1]) {
      const inset = 3;
      marks.push(`<rect class="${cell.padding ? 'mark-copy' : 'mark-pixel'}" x="${x + inset}" y="${y + inset}" width="${CELL - 2 * inset}" height="${CELL - 2 * inset}" rx="3"/>`);
    }
  });
  const frame = `<rect class="input-frame" x="${MARGIN + left * CELL}" y="${MARGIN + top * CELL}" width="${view.input[1] * CELL}" height="${view.input[0] * CELL}"/>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="grid-svg padded-svg" viewBox="0 0 ${width} ${height}" data-width="${width}" data-height="${height}">`,
    `<defs>${hatchPattern(`${id}-hatch`)}</defs>`,
    axisLabels(rows, columns, -top, -left),
    `<g class="cells">${cells.join('')}</g>`,
    frame,
    `<g class="marks">${marks.join('')}</g>`,
    '<g class="overlay" data-role="overlay"></g>',
    '</svg>',
  ].join('');
}

/**
 * One window of the first layer over {@link paddedGridSvg}'s grid: its extent (thick
 * outline), each kernel cell it reads (thin squares, spread out by the dilation), and the
 * cells that read the selected pixel (rings).
 * @param {object} view the same LayerView
 * @param {{origin: [number, number], hits: {tap: [number, number], position: [number, number]}[]}} visit
 * @returns {string} markup for the overlay group
 */
export function windowOverlaySvg(view, visit) {
  const { kernel, dilation } = view.config;
  const [top, left] = [view.axes[0].before, view.axes[1].before];
  const at = (row, column) => [MARGIN + (column + left) * CELL, MARGIN + (row + top) * CELL];
  const extent = dilation * (kernel - 1) + 1;
  const [x0, y0] = at(visit.origin[0], visit.origin[1]);
  const parts = [`<rect class="window" x="${x0}" y="${y0}" width="${extent * CELL}" height="${extent * CELL}"/>`];
  for (let ty = 0; ty < kernel; ty++) {
    for (let tx = 0; tx < kernel; tx++) {
      const [x, y] = at(visit.origin[0] + ty * dilation, visit.origin[1] + tx * dilation);
      parts.push(`<rect class="tap" x="${x + 1.5}" y="${y + 1.5}" width="${CELL - 3}" height="${CELL - 3}"/>`);
    }
  }
  for (const hit of visit.hits) {
    const [x, y] = at(hit.position[0], hit.position[1]);
    parts.push(`<circle class="hit" cx="${x + CELL / 2}" cy="${y + CELL / 2}" r="${CELL * 0.36}"/>`);
  }
  return parts.join('');
}

/**
 * Text colour that reads on a fill: dark on light colours, white on dark (WCAG luminance).
 * @param {number} r @param {number} g @param {number} b 0–255 @returns {'dark'|'light'}
 */
export function inkFor(r, g, b) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  // Where black and white text have equal contrast.
  return luminance > 0.179 ? 'dark' : 'light';
}

/**
 * A count map: each cell filled with its colour, its count written in it, and (optionally)
 * the pixel's name in its corner; the selected cell gets a thick double outline that shows
 * on any colour.
 * @param {object} map
 * @param {ArrayLike<number>} map.values row-major @param {number} map.height @param {number} map.width
 * @param {Uint8Array} map.rgba a colour per cell
 * @param {((index: number) => string)|null} map.label a cell's name, or null for none
 * @param {[number, number]|null} map.selected
 * @returns {string} SVG markup
 */
export function countGridSvg({ values, height, width, rgba, label, selected }) {
  const w = MARGIN + width * CELL;
  const h = MARGIN + height * CELL;
  const cells = [];
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const i = row * width + column;
      const [r, g, b] = rgba.subarray(4 * i, 4 * i + 3);
      const x = MARGIN + column * CELL;
      const y = MARGIN + row * CELL;
      const name = label ? label(i) : '';
      cells.push(
        `<g class="cell ink-${inkFor(r, g, b)}" data-row="${row}" data-column="${column}">` +
          `<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="rgb(${r},${g},${b})"/>` +
          (name ? `<text class="name" x="${x + 7}" y="${y + 6}" dominant-baseline="hanging">${escapeXml(name)}</text>` : '') +
          cellNumber(countText(values[i]), x + CELL / 2, y + CELL / 2 + (name ? 4 : 0), 'count') +
          `</g>`,
      );
    }
  }
  let mark = '';
  if (selected) {
    const x = MARGIN + selected[1] * CELL;
    const y = MARGIN + selected[0] * CELL;
    // Centred on the cell's edge, so the ring covers as little of its text as it can.
    mark = `<rect class="select-outer" x="${x}" y="${y}" width="${CELL}" height="${CELL}"/><rect class="select-inner" x="${x + 3.5}" y="${y + 3.5}" width="${CELL - 7}" height="${CELL - 7}"/>`;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="grid-svg count-svg" viewBox="0 0 ${w} ${h}" data-width="${w}" data-height="${h}">`,
    axisLabels(height, width, 0, 0),
    `<g class="cells">${cells.join('')}</g>`,
    mark,
    '</svg>',
  ].join('');
}

/**
 * The kernel's cells with how much each adds to the pixel's count over all windows; the
 * cells the current window reads it with get a thick outline and a corner notch.
 * @param {number} kernel @param {ArrayLike<number>} tapCounts row-major k × k
 * @param {[number, number][]} current the current window's hit taps
 * @returns {string} SVG markup
 */
export function kernelGridSvg(kernel, tapCounts, current) {
  const size = MARGIN + kernel * CELL;
  const hit = new Set(current.map(([r, c]) => r * kernel + c));
  const cells = [];
  for (let i = 0; i < kernel * kernel; i++) {
    const x = MARGIN + (i % kernel) * CELL;
    const y = MARGIN + Math.floor(i / kernel) * CELL;
    const classes = ['kcell', tapCounts[i] === 0 ? 'empty' : 'used', hit.has(i) ? 'current' : ''].join(' ').trim();
    cells.push(
      `<g class="${classes}" data-tap="${Math.floor(i / kernel)},${i % kernel}">` +
        `<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}"/>` +
        cellNumber(countText(tapCounts[i]), x + CELL / 2, y + CELL / 2, 'number') +
        `</g>`,
    );
  }
  const rings = [...hit].map((i) => {
    const x = MARGIN + (i % kernel) * CELL;
    const y = MARGIN + Math.floor(i / kernel) * CELL;
    return `<rect class="kcell-ring" x="${x + 2.5}" y="${y + 2.5}" width="${CELL - 5}" height="${CELL - 5}"/><path class="kcell-notch" d="M${x + 2.5} ${y + 14}V${y + 2.5}H${x + 14}Z"/>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="grid-svg kernel-svg" viewBox="0 0 ${size} ${size}" data-width="${size}" data-height="${size}">`,
    axisLabels(kernel, kernel, 0, 0),
    cells.join(''),
    rings.join(''),
    '</svg>',
  ].join('');
}

/**
 * A horizontal colour bar from the lowest count (left) to the highest (right), labelled in
 * counts; a uniform map gets one swatch of its colour and says so.
 * @param {Uint8Array} colorbar RGBA, high first (the engine's `colorbar`)
 * @param {number} min @param {number} max counts at the ends
 * @param {object} options
 * @param {number} options.width in CSS pixels (the labels are spaced for it)
 * @param {string} options.id a prefix for the SVG ids, unique in the document
 * @param {ArrayLike<number>} options.uniform the map's colour (RGB), shown when min = max
 * @param {boolean} options.integers label only whole counts (every count is whole)
 * @returns {string} SVG markup
 */
export function colorbarSvg(colorbar, min, max, { width, id, uniform, integers }) {
  const barHeight = 14;
  const height = barHeight + 22;
  const n = colorbar.length / 4;
  const colour = (k) => `rgb(${colorbar[4 * k]},${colorbar[4 * k + 1]},${colorbar[4 * k + 2]})`;
  if (isUniformRange(min, max)) {
    return `<svg xmlns="http://www.w3.org/2000/svg" class="colorbar-svg" width="${width}" height="${height}" role="img" aria-label="colour scale: every pixel ${escapeXml(countText(max))}">` +
      `<rect class="bar" x="0.5" y="0.5" width="${barHeight * 2}" height="${barHeight}" fill="rgb(${uniform[0]},${uniform[1]},${uniform[2]})"/>` +
      `<text x="${barHeight * 2 + 8}" y="${barHeight / 2 + 1}" dominant-baseline="central">every pixel: ${escapeXml(countText(max))} (uniform)</text></svg>`;
  }
  // The bar is high-first; the gradient runs low (left) to high (right).
  const stops = [];
  const count = Math.min(n, 32);
  for (let s = 0; s < count; s++) {
    const k = Math.round((1 - s / (count - 1)) * (n - 1));
    stops.push(`<stop offset="${f(s / (count - 1))}" stop-color="${colour(k)}"/>`);
  }
  const usable = width - 1;
  const ticks = colorbarLabels(min, max, 'linear', usable, 36)
    .filter((t) => t.end || !integers || Number.isInteger(t.value))
    .map((t) => {
      const x = f(0.5 + (1 - t.offset) * usable);
      const anchor = t.offset === 1 ? 'start' : t.offset === 0 ? 'end' : 'middle';
      return `<line x1="${x}" x2="${x}" y1="${barHeight}" y2="${barHeight + 4}"/><text class="${t.end ? 'end' : ''}" x="${x}" y="${barHeight + 16}" text-anchor="${anchor}">${escapeXml(t.text)}</text>`;
    });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="colorbar-svg" width="${width}" height="${height}" role="img" aria-label="colour scale: counts from ${escapeXml(countText(min))} to ${escapeXml(countText(max))}">` +
    `<defs><linearGradient id="${id}-gradient">${stops.join('')}</linearGradient></defs>` +
    `<rect class="bar" x="0.5" y="0.5" width="${usable}" height="${barHeight}" fill="url(#${id}-gradient)"/>` +
    `<g class="ticks">${ticks.join('')}</g></svg>`;
}
