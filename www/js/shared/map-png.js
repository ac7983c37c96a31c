// A map or grid as a PNG file: a title line, the map at a whole number of pixels per value
// (so no value is resampled: each is a k × k block of the core's colour), and the colour bar
// with its labels — the page's counterpart of `padlens utilization --format png`. Runs in a
// worker or a page (OffscreenCanvas).

import { colorbarLabels } from './draw.js';

/** Margin around everything, in pixels. */
export const MARGIN = 12;
/** The title line's height: the map starts this far below the margin. */
export const TITLE_HEIGHT = 26;
const BAR_GAP = 16;
const BAR_WIDTH = 16;
const FONT = '13px sans-serif';
const TITLE_FONT = 'bold 14px sans-serif';

/**
 * The whole number of pixels per value of a map in a download: small maps and grids (a 7×7
 * detectability grid) enlarged to about 512 pixels, at most 32×; a map of 512 or more values
 * across at 1 pixel per value.
 * @param {number} height @param {number} width @returns {number} ≥ 1
 */
export function pngScale(height, width) {
  return Math.min(32, Math.max(1, Math.floor(512 / Math.max(height, width))));
}

/**
 * Where the map's top-left corner lies in the PNG.
 * @returns {[number, number]} [y, x]
 */
export function mapOrigin() {
  return [MARGIN + TITLE_HEIGHT, MARGIN];
}

/**
 * @typedef {object} MapFigure
 * @property {Uint8Array|Uint8ClampedArray} rgba the map at one pixel per value (the core's colours)
 * @property {number} height @property {number} width the map's size in values
 * @property {Uint8Array} colorbar RGBA, one pixel per row, high values first (the core's)
 * @property {number} low @property {number} high what the bar's ends stand for
 * @property {'linear'|'log'} scale how colours are spread between low and high
 * @property {string} barTitle e.g. "÷ max"
 * @property {string} title the line above, e.g. "resnet50 · 224×224 · zeros"
 */

/**
 * Draws the figure and encodes it as PNG.
 * @param {MapFigure} figure @returns {Promise<Blob>}
 */
export async function mapPng({ rgba, height, width, colorbar, low, high, scale, barTitle, title }) {
  const k = pngScale(height, width);
  const [mapH, mapW] = [height * k, width * k];
  const barH = Math.max(mapH, 160);
  const labels = colorbarLabels(low, high, scale, barH, 20);
  const measure = new OffscreenCanvas(1, 1).getContext('2d');
  measure.font = FONT;
  const labelW = Math.max(...labels.map((l) => measure.measureText(l.text).width), measure.measureText(barTitle).width - BAR_WIDTH);
  measure.font = TITLE_FONT;
  const titleW = measure.measureText(title).width;
  const [top, left] = mapOrigin();
  const barX = left + mapW + BAR_GAP;
  const width_ = Math.ceil(Math.max(barX + BAR_WIDTH + 6 + labelW + MARGIN, left + titleW + MARGIN));
  const height_ = top + barH + 22 + MARGIN;
  const canvas = new OffscreenCanvas(width_, height_);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width_, height_);
  ctx.fillStyle = '#1a1d21';
  ctx.textBaseline = 'alphabetic';
  ctx.font = TITLE_FONT;
  ctx.fillText(title, left, MARGIN + 14);

  // The map: one pixel per value, then enlarged k× with no smoothing (each value a k × k block).
  const one = new OffscreenCanvas(width, height);
  one.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(one, left, top, mapW, mapH);

  // The bar: one row per colour, stretched to the bar's height (a uniform map is one colour).
  const rows = colorbar.length / 4;
  const bar = new OffscreenCanvas(1, rows);
  bar.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(colorbar), 1, rows), 0, 0);
  ctx.drawImage(bar, barX, top, BAR_WIDTH, barH);
  ctx.strokeStyle = '#b9c0c9';
  ctx.strokeRect(barX - 0.5, top - 0.5, BAR_WIDTH + 1, barH + 1);

  ctx.font = FONT;
  ctx.fillStyle = '#1a1d21';
  ctx.textBaseline = 'middle';
  for (const label of labels) {
    const y = Math.min(top + barH - 6, Math.max(top + 6, top + label.offset * barH));
    ctx.fillRect(barX + BAR_WIDTH, Math.round(y), 4, 1);
    ctx.fillText(label.text, barX + BAR_WIDTH + 6, y);
  }
  ctx.textBaseline = 'top';
  ctx.fillText(barTitle, barX, top + barH + 6);
  return canvas.convertToBlob({ type: 'image/png' });
}

/**
 * A worker's reply to a download of a map it holds (a WASM MapView: nothing is recomputed):
 * 'npy' and 'csv' are the core's encoders (the CLI's bytes), 'png' the map in its colours
 * with the colour bar. The explorer's, the Model page's and the paper's workers answer with it.
 * @param {any} engine engine.js's API @param {any} map a MapView
 * @param {'npy'|'csv'|'png'} format
 * @param {{low: number, high: number, scale: string, colormap: string, barTitle: string, title: string}} [png]
 *   png only: what the page shows around the map
 * @returns {Promise<{result: {bytes: ArrayBuffer}, transfer: ArrayBuffer[]}>}
 */
export async function exportMapView(engine, map, format, png) {
  let bytes;
  if (format === 'npy') bytes = map.npy();
  else if (format === 'csv') bytes = new TextEncoder().encode(map.csv());
  else if (format === 'png') {
    const blob = await mapPng({ rgba: map.rgba(), height: map.height, width: map.width, colorbar: engine.colorbar(png.colormap, 256), ...png });
    bytes = new Uint8Array(await blob.arrayBuffer());
  } else throw new Error(`unknown export format ${format}`);
  return { result: { bytes: bytes.buffer }, transfer: [bytes.buffer] };
}
