// Pure drawing helpers of a detectability grid over its background. A placement's cell is
// the stride-sized square centred on its stimulus (corner + s/2): cells tile the area the
// stimulus centres sweep, without overlap, however much the stimuli themselves overlap.

/**
 * @typedef {import('../client/detect-pool.js').Placements} Placements
 */

/**
 * The cell of placement (row, col) in image pixels.
 * @param {Placements} p @param {number} row @param {number} col
 * @returns {{x: number, y: number, w: number, h: number}}
 */
export function cellRect(p, row, col) {
  const offset = (p.size - p.stride) / 2;
  return { x: col * p.stride + offset, y: row * p.stride + offset, w: p.stride, h: p.stride };
}

/**
 * The placement whose cell holds image point (x, y), or null outside every cell.
 * @param {Placements} p @param {number} x @param {number} y
 * @returns {{row: number, col: number, index: number} | null}
 */
export function cellAt(p, x, y) {
  const offset = (p.size - p.stride) / 2;
  const col = Math.floor((x - offset) / p.stride);
  const row = Math.floor((y - offset) / p.stride);
  if (row < 0 || col < 0 || row >= p.rows || col >= p.cols) return null;
  return { row, col, index: row * p.cols + col };
}

/**
 * The outline between detected (score ≥ threshold) and missed cells, and around detected
 * cells on the grid's edge, as segments in cell units ([x0, y0, x1, y1], x across). Cells not
 * yet computed (NaN) border nothing.
 * @param {ArrayLike<number>} scores row-major @param {number} rows @param {number} cols
 * @param {number} threshold
 * @returns {number[][]}
 */
export function thresholdOutline(scores, rows, cols, threshold) {
  const state = (r, c) => {
    if (r < 0 || c < 0 || r >= rows || c >= cols) return 0;
    const v = scores[r * cols + c];
    if (!Number.isFinite(v)) return null;
    return v >= threshold ? 1 : 0;
  };
  const segments = [];
  for (let r = 0; r <= rows; r++) {
    for (let c = 0; c <= cols; c++) {
      const here = state(r, c);
      const up = state(r - 1, c);
      const left = state(r, c - 1);
      // The top edge of (r, c) and the left edge of (r, c), where the two sides differ.
      if (c < cols && here !== null && up !== null && here !== up) segments.push([c, r, c + 1, r]);
      if (r < rows && here !== null && left !== null && here !== left) segments.push([c, r, c, r + 1]);
    }
  }
  return segments;
}

/**
 * Draws the background, then each computed cell in its colour at `opacity`, then the
 * threshold outline, at `scale` canvas pixels per image pixel.
 * @param {CanvasRenderingContext2D} ctx
 * @param {object} view
 * @param {CanvasImageSource} view.background H×W
 * @param {Placements} view.placements
 * @param {ArrayLike<number>} view.scores row-major, NaN where not computed
 * @param {Uint8Array} view.colours RGBA per cell
 * @param {number} view.opacity 0…1
 * @param {number|null} view.threshold null: no outline
 * @param {number} view.scale
 */
export function drawGrid(ctx, { background, placements: p, scores, colours, opacity, threshold, scale }) {
  const [height, width] = p.image;
  ctx.save();
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, width * scale, height * scale);
  ctx.drawImage(background, 0, 0, width * scale, height * scale);
  ctx.globalAlpha = opacity;
  for (let row = 0; row < p.rows; row++) {
    for (let col = 0; col < p.cols; col++) {
      const i = row * p.cols + col;
      if (!Number.isFinite(scores[i])) continue;
      const { x, y, w, h } = cellRect(p, row, col);
      ctx.fillStyle = `rgb(${colours[4 * i]} ${colours[4 * i + 1]} ${colours[4 * i + 2]})`;
      ctx.fillRect(Math.round(x * scale), Math.round(y * scale), Math.round((x + w) * scale) - Math.round(x * scale), Math.round((y + h) * scale) - Math.round(y * scale));
    }
  }
  ctx.globalAlpha = 1;
  if (threshold !== null) {
    const segments = thresholdOutline(scores, p.rows, p.cols, threshold);
    const { x: x0, y: y0 } = cellRect(p, 0, 0);
    const path = new Path2D();
    for (const [a, b, c, d] of segments) {
      path.moveTo((x0 + a * p.stride) * scale, (y0 + b * p.stride) * scale);
      path.lineTo((x0 + c * p.stride) * scale, (y0 + d * p.stride) * scale);
    }
    // A white line on a dark halo reads on every colour of viridis and cividis.
    ctx.lineCap = 'square';
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.8)';
    ctx.lineWidth = Math.max(3, scale * 0.9);
    ctx.stroke(path);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = Math.max(1.5, scale * 0.4);
    ctx.stroke(path);
  }
  ctx.restore();
}

/**
 * Mean of each row and of each column over the computed cells (NaN where none is).
 * @param {ArrayLike<number>} scores @param {number} rows @param {number} cols
 * @returns {{rows: Float64Array, cols: Float64Array}}
 */
export function gridProfiles(scores, rows, cols) {
  const rowSum = new Float64Array(rows);
  const rowCount = new Float64Array(rows);
  const colSum = new Float64Array(cols);
  const colCount = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = scores[r * cols + c];
      if (!Number.isFinite(v)) continue;
      rowSum[r] += v;
      rowCount[r] += 1;
      colSum[c] += v;
      colCount[c] += 1;
    }
  }
  return {
    rows: rowSum.map((s, i) => (rowCount[i] ? s / rowCount[i] : NaN)),
    cols: colSum.map((s, i) => (colCount[i] ? s / colCount[i] : NaN)),
  };
}
