// The paper page's downloads: the <padlens-share> toolbar under each figure. A utilization
// map as the core encodes it (NPY, CSV: the bytes of `padlens utilization` for the same
// network, size and padding) and as a picture with its colour bar; the mean feature maps and
// detectability grids, whose values the page holds, through the same core encoders; the shift
// chart as CSV, JSON and SVG. Each links to the figure's view on the page that explores it.

import { csvTable, fileName, filtersCsv, jsonText, sizeName, standaloneSvg } from '../../shared/export.js';
import { mapPng } from '../../shared/map-png.js';
import '../../shared/share-menu.js';
import { embedOf } from '../../embed/shared/snippets.js';

/**
 * Sets up the toolbar under a utilization-map figure (`#share-<figure id>`) for the map it shows.
 * @param {HTMLElement} element the figure (its id names the map in the worker)
 * @param {object} options
 * @param {import('../../shared/bridge.js').WorkerBridge} options.worker the paper worker
 * @param {{arch: string, height: number, width: number, mode?: string, colormap: string}} options.config
 * @param {{size: [number, number], colours: {low: number, high: number}}} options.map what the worker drew
 * @param {string} options.title the figure's caption
 * @param {string} options.link the figure's view in the explorer (relative to this page)
 * @param {object} options.catalog the core's catalogue, for the embed snippets
 */
export function shareMapFigure(element, { worker, config, map, title, link, catalog }) {
  // Beside the figure in the page (paper.html), reconfigured for each new map.
  const share = document.getElementById(`share-${element.id}`);
  const stem = [config.arch, sizeName(config.height, config.width), config.mode || 'own'];
  const ask = async (format, figure) => new Uint8Array((await worker.request('exportMap', { figure: element.id, format, png: figure })).bytes);
  const png = { low: map.colours.low, high: map.colours.high, scale: 'linear', colormap: config.colormap, barTitle: '÷ max', title };
  const address = () => new URL(link, location.href).href;
  share.configure({
    link: address,
    downloads: () => [
      { label: 'PNG — the map with its colour bar', filename: fileName(stem, 'png'), mime: 'image/png', make: () => ask('png', png) },
      { label: `NPY — raw counts, ${map.size[0]}×${map.size[1]} f64`, filename: fileName(stem, 'npy'), mime: 'application/octet-stream', make: () => ask('npy') },
      { label: 'CSV — raw counts, one line per row', filename: fileName(stem, 'csv'), mime: 'text/csv', make: () => ask('csv') },
    ],
    embed: embedOf(address, catalog),
  });
}

/**
 * Sets up the toolbar `#share-<id>` for a figure of values the page holds (a mean feature
 * map, a detectability grid): NPY and CSV by the core's encoders, PNG in the figure's colours.
 * @param {string} id the figure's id
 * @param {object} options
 * @param {any} options.engine
 * @param {(string|number)[]} options.stem the file name's parts
 * @param {ArrayLike<number>} options.values row-major @param {[number, number]} options.size
 * @param {[number, number]} options.range the colour bar's low and high @param {string} options.colormap
 * @param {string} options.barTitle @param {string} options.title
 * @param {() => string} options.link the URL of the page that explores it
 * @param {(() => string)|null} [options.embedLink] the site view this figure embeds as (a
 *   detectability grid's; the Model page's feature maps have no element), or null
 */
export function shareValues(id, { engine, stem, values, size, range, colormap, barTitle, title, link, embedLink = null }) {
  const [height, width] = size;
  document.getElementById(`share-${id}`).configure({
    link,
    downloads: () => [
      {
        label: 'PNG — the figure with its colour bar',
        filename: fileName(stem, 'png'),
        mime: 'image/png',
        make: () => mapPng({ rgba: engine.colourInRange(values, range[0], range[1], colormap), height, width, colorbar: engine.colorbar(colormap, 256), low: range[0], high: range[1], scale: 'linear', barTitle, title }),
      },
      { label: `NPY — the values, ${height}×${width} f64`, filename: fileName(stem, 'npy'), mime: 'application/octet-stream', make: async () => engine.npy(values, [height, width]) },
      { label: 'CSV — the values, one line per row', filename: fileName(stem, 'csv'), mime: 'text/csv', make: async () => engine.csvGrid(values, height, width) },
    ],
    embed: embedLink ? embedOf(embedLink, engine.catalog()) : null,
  });
}

/**
 * Sets up the shift chart's toolbar: `padlens shift`'s CSV columns, the curve as JSON, the chart as SVG.
 * @param {object} curve the core's shift curve @param {(string|number)[]} stem
 * @param {() => string} link
 */
export function shareShift(curve, stem, link) {
  document.getElementById('share-shift-chart').configure({
    link,
    downloads: () => [
      { label: 'CSV — score per direction and shift', filename: fileName(stem, 'csv'), mime: 'text/csv', make: async () => csvTable(['direction', 'shift', 'score'], curve.directions.flatMap((s) => s.scores.map((score, d) => [s.direction, String(d), score]))) },
      { label: 'JSON — the curve', filename: fileName(stem, 'json'), mime: 'application/json', make: async () => jsonText(curve) },
      {
        label: 'SVG — the chart',
        filename: fileName(stem, 'svg'),
        mime: 'image/svg+xml',
        make: async () => standaloneSvg(document.querySelector('#shift-chart svg[role=img]'), `Shift experiment at y ${curve.corner[0]}, x ${curve.corner[1]}`),
      },
    ],
    embed: null,
  });
}

/**
 * The toolbar under the detectors' mean filters: every filter shown, by model, as JSON and
 * one CSV row per weight.
 * @param {{model: string, layer: string, kernel: [number, number], values: number[], left_right: number, top_bottom: number}[]} filters
 * @param {() => string} link
 */
export function shareFilters(filters, link) {
  const stem = ['detectors', 'mean-filters'];
  document.getElementById('share-filters').configure({
    link,
    downloads: () => [
      { label: 'JSON — the filters, by model', filename: fileName(stem, 'json'), mime: 'application/json', make: async () => jsonText(filters) },
      { label: 'CSV — one row per weight (model, layer, row, column)', filename: fileName(stem, 'csv'), mime: 'text/csv', make: async () => filtersCsv(filters, { withModel: true }) },
    ],
    embed: null,
  });
}

/**
 * The toolbar under the average-precision table: the model cards' figures (the shipped run,
 * and the range over the repeats) and the paper's quoted ones, as JSON and CSV.
 * @param {{detector: string, source: string, metrics: Record<string, {shipped: number, low: number, high: number, runs: number}|null>}[]} rows
 * @param {() => string} link
 */
export function shareAp(rows, link) {
  const fields = ['ap20', 'ap50', 'ap75', 'detection_rate'];
  const stem = ['detectors', 'average-precision'];
  document.getElementById('share-ap').configure({
    link,
    downloads: () => [
      { label: 'JSON — every row, with the runs', filename: fileName(stem, 'json'), mime: 'application/json', make: async () => jsonText(rows) },
      {
        label: 'CSV — one row per detector (shipped run; low and high over the runs)',
        filename: fileName(stem, 'csv'),
        mime: 'text/csv',
        make: async () =>
          csvTable(
            ['detector', 'source', ...fields.flatMap((f) => [f, `${f}_low`, `${f}_high`, `${f}_runs`])],
            rows.map((row) => [row.detector, row.source, ...fields.flatMap((f) => {
              const m = row.metrics[f];
              return m ? [m.shipped, m.low, m.high, String(m.runs)] : [null, null, null, null];
            })]),
          ),
      },
    ],
    embed: null,
  });
}
