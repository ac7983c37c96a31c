// Zoom and pan of a map at integer scales only: each map pixel is k × k device pixels, or
// each device pixel the mean of an f × f block (`render::Viewport` in the core; zoom = k, or
// −f). At a non-integer scale equal map pixels get unequal widths on screen, and ResNet's
// stride grid turns into uneven stripes. Pure functions, shared by the page (hover, wheel,
// pinch, keys) and the worker that draws; node tests import them directly.

/**
 * @typedef {object} Viewport what a canvas shows, in device pixels (as the core's Viewport)
 * @property {number} width @property {number} height the canvas
 * @property {number} zoom k ≥ 1 magnifies k×; −f (f ≥ 2) shrinks f×
 * @property {[number, number]} offset where the scaled map's top-left corner is on the canvas
 */

/**
 * @typedef {object} View how the user looks at a map
 * @property {number|null} zoom null: the largest integer scale that fits (the default)
 * @property {[number, number]|null} centre the map point (y, x, in map pixels) at the
 *   canvas's centre; null: the map's centre
 */

/** The zoom steps of the wheel, the keys and pinch: each about 1.25–2× the last. */
const LEVELS = [-16, -12, -8, -6, -4, -3, -2, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64];
/** One map pixel at most this many device pixels wide: enough to read single pixels. */
export const MAX_ZOOM = 64;

/** @type {View} */
export const FIT = Object.freeze({ zoom: null, centre: null });

/**
 * The scaled map's size in device pixels.
 * @param {[number, number]} size map [height, width] @param {number} zoom
 * @returns {[number, number]}
 */
export function scaledSize([h, w], zoom) {
  return zoom >= 1 ? [h * zoom, w * zoom] : [Math.ceil(h / -zoom), Math.ceil(w / -zoom)];
}

/**
 * The largest integer scale at which the whole map fits the box: k ≥ 1, or −f for a map
 * larger than the box.
 * @param {[number, number]} size @param {[number, number]} box device pixels
 * @returns {number}
 */
export function fitZoom(size, box) {
  const k = Math.floor(Math.min(box[0] / size[0], box[1] / size[1]));
  if (k >= 1) return Math.min(k, MAX_ZOOM);
  const f = Math.max(2, Math.ceil(Math.max(size[0] / box[0], size[1] / box[1])));
  return -f;
}

/** The canvas a box holds: whole device pixels, at least one. */
const boxCanvas = (box) => [0, 1].map((a) => Math.max(1, Math.floor(box[a])));

/** Map coordinate → device coordinate along one axis, for a scale. */
const toDevice = (p, zoom) => (zoom >= 1 ? p * zoom : p / -zoom);

/**
 * The viewport of a view of a `size` map in a `box` (device pixels): the canvas is the box,
 * whatever the map's size and scale, so that a new size or zoom never resizes the canvas (a
 * resized canvas cost ResNet-50's draw 5 ms instead of 0.5, BENCHMARKS.md) nor moves the
 * page. A map larger than the canvas is panned so that the view's centre is in the middle,
 * never past its own edges; a smaller one is centred.
 * @param {[number, number]} size @param {[number, number]} box @param {View} view
 * @returns {Viewport}
 */
export function viewportOf(size, box, view) {
  const zoom = view.zoom ?? fitZoom(size, box);
  const scaled = scaledSize(size, zoom);
  const canvas = boxCanvas(box);
  const centre = view.centre ?? [size[0] / 2, size[1] / 2];
  const offset = [0, 1].map((a) => {
    if (scaled[a] <= canvas[a]) return Math.floor((canvas[a] - scaled[a]) / 2);
    const wanted = Math.round(canvas[a] / 2 - toDevice(centre[a], zoom));
    return Math.min(0, Math.max(canvas[a] - scaled[a], wanted));
  });
  return { height: canvas[0], width: canvas[1], zoom, offset };
}

/**
 * The map pixel under device point `point` of the canvas (for a shrunk view, the top-left
 * pixel of its block), or null off the map.
 * @param {Viewport} viewport @param {[number, number]} size @param {[number, number]} point
 * @returns {[number, number]|null}
 */
export function pixelAt(viewport, size, point) {
  const pixel = [0, 1].map((a) => {
    const scaled = Math.floor(point[a]) - viewport.offset[a];
    if (scaled < 0) return -1;
    return viewport.zoom >= 1 ? Math.floor(scaled / viewport.zoom) : scaled * -viewport.zoom;
  });
  return pixel.every((p, a) => p >= 0 && p < size[a]) ? pixel : null;
}

/**
 * Where map pixel `pixel` is drawn: its rectangle in device pixels.
 * @param {Viewport} viewport @param {[number, number]} pixel
 * @returns {{top: number, left: number, size: number}} size: its side (at least 1)
 */
export function pixelBox(viewport, pixel) {
  const [top, left] = [0, 1].map((a) => viewport.offset[a] + Math.floor(toDevice(pixel[a], viewport.zoom)));
  return { top, left, size: Math.max(1, viewport.zoom) };
}

/**
 * The next zoom level in or out from `zoom`, within [the fit scale (or 1:1 if smaller), MAX_ZOOM].
 * @param {number} zoom @param {1|-1} direction @param {number} fit
 * @returns {number}
 */
export function stepZoom(zoom, direction, fit) {
  const lowest = Math.min(fit, 1);
  const next = direction > 0 ? LEVELS.find((l) => l > zoom) : LEVELS.findLast((l) => l < zoom);
  return Math.min(MAX_ZOOM, Math.max(lowest, next ?? zoom));
}

/**
 * A view at `zoom` that keeps the map point under device point `point` where it is (as far
 * as the map's edges allow: a map smaller than the canvas is centred instead).
 * @param {Viewport} viewport the current one @param {[number, number]} size the map
 * @param {[number, number]} box device pixels the canvas may fill
 * @param {[number, number]} point on the canvas @param {number} zoom the new scale
 * @returns {View} zoom null again when it is back at the fit scale
 */
export function zoomAround(viewport, size, box, point, zoom) {
  const at = [0, 1].map((a) => {
    const device = point[a] - viewport.offset[a];
    return viewport.zoom >= 1 ? device / viewport.zoom : device * -viewport.zoom;
  });
  const canvas = boxCanvas(box);
  // The same map point under the same device point: solve for the new centre.
  const centre = [0, 1].map((a) => at[a] + (canvas[a] / 2 - point[a]) / (zoom >= 1 ? zoom : 1 / -zoom));
  return zoom === fitZoom(size, box) ? FIT : { zoom, centre };
}

/**
 * The view moved by `delta` device pixels (a drag: the map follows the pointer).
 * @param {Viewport} viewport @param {[number, number]} size @param {[number, number]} delta
 * @returns {View}
 */
export function panBy(viewport, size, delta) {
  const centre = [0, 1].map((a) => {
    const half = (a === 0 ? viewport.height : viewport.width) / 2;
    const device = half - viewport.offset[a] - delta[a];
    return viewport.zoom >= 1 ? device / viewport.zoom : device * -viewport.zoom;
  });
  return { zoom: viewport.zoom, centre: centre.map((c, a) => Math.min(size[a], Math.max(0, c))) };
}

/**
 * A view that shows map pixel `pixel`, moving as little as possible (the keyboard cursor
 * walking off the canvas).
 * @param {Viewport} viewport @param {[number, number]} size @param {[number, number]} pixel
 * @returns {View|null} null when it is already visible
 */
export function revealPixel(viewport, size, pixel) {
  const box = pixelBox(viewport, pixel);
  const delta = [
    [box.top, viewport.height],
    [box.left, viewport.width],
  ].map(([start, extent]) => (start < 0 ? -start : start + box.size > extent ? extent - (start + box.size) : 0));
  if (delta[0] === 0 && delta[1] === 0) return null;
  return panBy(viewport, size, delta);
}
