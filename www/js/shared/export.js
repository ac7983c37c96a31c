// What the pages' downloads are made of, in one place: file names built from the state, CSV
// tables, standalone SVG charts. Maps and grids (the core's values) are encoded by the core
// itself (src/export.rs, through a worker); these helpers cover what the page already holds —
// chart series, reports, summaries.

/**
 * A download's file name from what it holds: the parts joined by `_`, each reduced to
 * letters, digits, `.`, `-` and `x` (a network spec's name or a model's file name can hold
 * anything), e.g. `fileName(['resnet50', '224x225', 'zeros'], 'npy')`.
 * @param {(string|number|null|undefined|false)[]} parts empty ones are left out
 * @param {string} extension without the dot
 * @returns {string}
 */
export function fileName(parts, extension) {
  const clean = parts
    .filter((part) => part !== null && part !== undefined && part !== false && part !== '')
    .map((part) =>
      String(part)
        .replace(/×/g, 'x')
        .replace(/÷/g, 'over')
        .replace(/[^A-Za-z0-9.\-]+/g, '-')
        .replace(/^-+|-+$/g, ''),
    )
    .filter(Boolean);
  return `${clean.join('_') || 'padlens'}.${extension}`;
}

/**
 * An input size as file names write it: `224` when square, else `HxW` (height first).
 * @param {number} height @param {number} width @returns {string}
 */
export function sizeName(height, width) {
  return height === width ? String(height) : `${height}x${width}`;
}

/**
 * A number as the core's CSVs write it (src/export.rs `csv_number`, Rust's `{:?}` of f64):
 * the shortest digits that read back to the same double, decimal from 1e-4 up to 1e16 with
 * at least one decimal (`2.0`), exponent notation outside (`1e-24`, `2.5e300`). JavaScript
 * finds the same shortest digits (Number::toString); only the layout is Rust's, so a chart's
 * CSV reads like the CLI's.
 * @param {number} value @returns {string}
 */
export function csvNumber(value) {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (Object.is(value, -0)) return '-0.0';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) return value.toExponential().replace('e+', 'e');
  // In this range String() never uses an exponent (JavaScript's starts below 1e-6 and at 1e21).
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** @param {string} text @returns {string} a CSV field (RFC 4180 quoting when needed) */
function csvText(text) {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A table as CSV, laid out as the core's `csv_table`: a header line, then one line per row;
 * numbers by `csvNumber`, text quoted when needed, null/undefined empty.
 * @param {string[]} header
 * @param {(number|string|boolean|null|undefined)[][]} rows each as long as the header
 * @returns {string}
 */
export function csvTable(header, rows) {
  const cell = (v) => {
    if (v === null || v === undefined) return '';
    if (typeof v === 'number') return csvNumber(v);
    return csvText(String(v));
  };
  const lines = [header.map(csvText).join(',')];
  for (const row of rows) {
    if (row.length !== header.length) throw new Error(`a CSV row has ${row.length} cells for ${header.length} columns`);
    lines.push(row.map(cell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Flattens an object to `{'a.b.0': value}`: keys sorted, arrays by index. */
function flatten(value, prefix = '', out = {}) {
  if (value !== null && typeof value === 'object') {
    const keys = Array.isArray(value) ? value.map((_, i) => String(i)) : Object.keys(value).sort();
    for (const key of keys) flatten(value[key], prefix ? `${prefix}.${key}` : key, out);
  } else {
    out[prefix] = value;
  }
  return out;
}

/**
 * Objects (the core's report layers, depth profile, summaries) as one CSV table, laid out as
 * the core's `objects_csv` (src/export.rs; `padlens uneven --format csv` writes the layers
 * so): a row per object, a column per flattened key (`axes.0.kernel`: the height axis's
 * kernel), keys sorted within each object, columns in first-seen order, a key an object lacks
 * an empty cell; booleans as true/false.
 * @param {object[]} objects @returns {string}
 */
export function objectsCsv(objects) {
  const rows = objects.map((o) => flatten(o));
  const header = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return csvTable(header, rows.map((r) => header.map((k) => r[k] ?? null)));
}

/** JSON text of `value`, indented, ending in a newline (as the CLI's `--format json`). */
export function jsonText(value) {
  return `${JSON.stringify(value, null, 2)}\n`;
}

// The presentation properties a chart takes from the page's CSS: written onto each element
// so that the file draws the same in a viewer that has no stylesheet.
const SVG_STYLE = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity', 'font-size', 'font-weight', 'text-anchor', 'dominant-baseline'];

/**
 * A chart on the page as a standalone SVG file: the live <svg>'s markup with the styles the
 * page's CSS gives each element written on it, the page's panel colour behind it, a <title>, and generic
 * font families (the page's own fonts are not in the file); XMLSerializer writes the xmlns.
 * @param {SVGSVGElement} svg a chart drawn on the page
 * @param {string} title what it shows (the file's <title>)
 * @returns {string}
 */
export function standaloneSvg(svg, title) {
  const copy = /** @type {SVGSVGElement} */ (svg.cloneNode(true));
  const live = [svg, ...svg.querySelectorAll('*')];
  const copies = [copy, ...copy.querySelectorAll('*')];
  live.forEach((element, i) => {
    const style = getComputedStyle(element);
    const target = copies[i];
    target.removeAttribute('class');
    for (const name of SVG_STYLE) {
      const value = style.getPropertyValue(name);
      if (value && value !== 'normal' && value !== 'auto') target.setAttribute(name, value);
    }
  });
  const box = svg.getBoundingClientRect();
  const width = svg.getAttribute('width') ?? String(Math.round(box.width));
  const height = svg.getAttribute('height') ?? String(Math.round(box.height));
  copy.setAttribute('width', width);
  copy.setAttribute('height', height);
  if (!copy.getAttribute('viewBox')) copy.setAttribute('viewBox', `0 0 ${width} ${height}`);
  copy.setAttribute('font-family', 'sans-serif');
  copy.removeAttribute('role');
  const ns = 'http://www.w3.org/2000/svg';
  const titleElement = document.createElementNS(ns, 'title');
  titleElement.textContent = title;
  const background = document.createElementNS(ns, 'rect');
  // The panel colour of the page's theme: in dark mode the chart's light lines and text
  // need the dark background they were styled for.
  const panel = getComputedStyle(document.documentElement).getPropertyValue('--panel').trim() || '#ffffff';
  for (const [k, v] of Object.entries({ width: '100%', height: '100%', fill: panel })) background.setAttribute(k, v);
  copy.prepend(titleElement, background);
  const markup = new XMLSerializer().serializeToString(copy);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${markup}\n`;
}

/**
 * Mean filters (the core's `meanFilters()`) as CSV, one row per weight: its layer, row and
 * column, and the filter's asymmetry; with `model`, each filter's model first.
 * @param {{layer: string, kernel: [number, number], values: ArrayLike<number>, left_right: number, top_bottom: number, model?: string}[]} filters
 * @param {{withModel?: boolean}} [options]
 * @returns {string}
 */
export function filtersCsv(filters, { withModel = false } = {}) {
  return csvTable(
    [...(withModel ? ['model'] : []), 'layer', 'row', 'column', 'value', 'left_right', 'top_bottom'],
    filters.flatMap((f) => Array.from(f.values, (v, i) => [...(withModel ? [f.model] : []), f.layer, String(Math.floor(i / f.kernel[1])), String(i % f.kernel[1]), v, f.left_right, f.top_bottom])),
  );
}
