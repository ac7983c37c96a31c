// The paper page's downloads: the <padlens-share> toolbar under each utilization-map figure,
// with the map as the core encodes it (NPY, CSV: the bytes of `padlens utilization` for the
// same network, size and padding) and as a picture with its colour bar, and a link to the
// figure's view in the explorer.

import { fileName, sizeName } from '../../shared/export.js';
import '../../shared/share-menu.js';

/**
 * Sets up the toolbar under a utilization-map figure (`#share-<figure id>`) for the map it shows.
 * @param {HTMLElement} element the figure (its id names the map in the worker)
 * @param {object} options
 * @param {import('../../shared/bridge.js').WorkerBridge} options.worker the paper worker
 * @param {{arch: string, height: number, width: number, mode?: string, colormap: string}} options.config
 * @param {{size: [number, number], colours: {low: number, high: number}}} options.map what the worker drew
 * @param {string} options.title the figure's caption
 * @param {string} options.link the figure's view in the explorer (relative to this page)
 */
export function shareMapFigure(element, { worker, config, map, title, link }) {
  // Beside the figure in the page (paper.html), reconfigured for each new map.
  const share = document.getElementById(`share-${element.id}`);
  const stem = [config.arch, sizeName(config.height, config.width), config.mode || 'own'];
  const ask = async (format, figure) => new Uint8Array((await worker.request('exportMap', { figure: element.id, format, png: figure })).bytes);
  const png = { low: map.colours.low, high: map.colours.high, scale: 'linear', colormap: config.colormap, barTitle: '÷ max', title };
  share.configure({
    link: () => new URL(link, location.href).href,
    downloads: () => [
      { label: 'PNG — the map with its colour bar', filename: fileName(stem, 'png'), mime: 'image/png', make: () => ask('png', png) },
      { label: `NPY — raw counts, ${map.size[0]}×${map.size[1]} f64`, filename: fileName(stem, 'npy'), mime: 'application/octet-stream', make: () => ask('npy') },
      { label: 'CSV — raw counts, one line per row', filename: fileName(stem, 'csv'), mime: 'text/csv', make: () => ask('csv') },
    ],
    embed: null,
  });
}
