// Pure helpers of the paper page: the numbers it computes from what the core returns (maps,
// grids, model cards). No DOM access, so node can test them directly.

/**
 * The lowest and highest finite value over several arrays.
 * @param {...ArrayLike<number>} arrays
 * @returns {[number, number]} [0, 1] when there is no finite value
 */
export function valueRange(...arrays) {
  let low = Infinity;
  let high = -Infinity;
  for (const values of arrays) {
    for (const v of values) {
      if (!Number.isFinite(v)) continue;
      if (v < low) low = v;
      if (v > high) high = v;
    }
  }
  return low <= high ? [low, high] : [0, 1];
}

/**
 * How far a map's outermost ring of pixels departs from the pixels inside it: the ring's mean
 * minus the interior's mean, over the map's range (max − min). 0 when the border behaves like
 * the interior; the lines zero padding draws along the borders move it away from 0 (signed:
 * a ring brighter than the interior is positive). Unlike a ratio it holds for signed maps
 * whose interior mean is near 0.
 * @param {ArrayLike<number>} values row-major @param {[number, number]} size [height, width]
 * @returns {number} NaN for a map without an interior (a side under 3) or a flat one
 */
export function borderContrast(values, [height, width]) {
  if (height < 3 || width < 3) return NaN;
  let border = 0;
  let inner = 0;
  let low = Infinity;
  let high = -Infinity;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x];
      low = Math.min(low, v);
      high = Math.max(high, v);
      if (y === 0 || x === 0 || y === height - 1 || x === width - 1) border += v;
      else inner += v;
    }
  }
  if (!(high > low)) return NaN;
  const ring = 2 * (height + width) - 4;
  return (border / ring - inner / ((height - 2) * (width - 2))) / (high - low);
}

/**
 * How many pixels in from the start of a profile before a value first reaches `fraction` of
 * `reference` (the width of the band a map under-uses, along one border).
 * @param {ArrayLike<number>} profile @param {number} reference @param {number} [fraction=0.5]
 * @returns {number} the profile's length when no value reaches it
 */
export function bandWidth(profile, reference, fraction = 0.5) {
  for (let i = 0; i < profile.length; i++) if (profile[i] >= fraction * reference) return i;
  return profile.length;
}

/**
 * The index of the lowest finite score (the first one on a tie), or -1 when none is.
 * @param {ArrayLike<number>} scores @returns {number}
 */
export function lowestIndex(scores) {
  let best = -1;
  for (let i = 0; i < scores.length; i++) {
    if (Number.isFinite(scores[i]) && (best < 0 || scores[i] < scores[best])) best = i;
  }
  return best;
}

/**
 * How many computed scores reach the threshold (definitions.md §5's detection rate).
 * @param {ArrayLike<number>} scores NaN where not computed @param {number} threshold
 * @returns {{detected: number, computed: number}}
 */
export function detectionCount(scores, threshold) {
  let detected = 0;
  let computed = 0;
  for (const v of scores) {
    if (!Number.isFinite(v)) continue;
    computed++;
    if (v >= threshold) detected++;
  }
  return { detected, computed };
}

/**
 * Which conv layers down-sample: those whose feature map is smaller than the one before it
 * (the input's, for the first), in the order the core lists them.
 * @param {{layer: string, size: [number, number]}[]} layers
 * @param {[number, number]} input [height, width]
 * @returns {Set<string>} their names
 */
export function downsamplingLayers(layers, input) {
  const names = new Set();
  let previous = input;
  for (const { layer, size } of layers) {
    if (size[0] < previous[0] || size[1] < previous[1]) names.add(layer);
    previous = size;
  }
  return names;
}

/**
 * A model card's metric for the shipped model and, when the card lists its training runs
 * (`repeats`), the range over them.
 * @param {{metrics: Record<string, number>, repeats?: Record<string, number>[]}} card
 * @param {string} field e.g. 'ap50'
 * @returns {{shipped: number, runs: number, low: number, high: number} | null} null when the
 *   card lacks the metric; runs is 1 and low = high = shipped without repeats
 */
export function cardMetric(card, field) {
  const shipped = card?.metrics?.[field];
  if (!Number.isFinite(shipped)) return null;
  const values = (card.repeats ?? []).map((run) => run[field]).filter(Number.isFinite);
  if (values.length === 0) return { shipped, runs: 1, low: shipped, high: shipped };
  return { shipped, runs: values.length, low: Math.min(...values), high: Math.max(...values) };
}
