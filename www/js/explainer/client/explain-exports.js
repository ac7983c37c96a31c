// The explainer's downloads (the <padlens-share> toolbar under the figures): each count map
// as the core encodes it (NPY, CSV: the bytes `padlens` writes for the same values) and as a
// picture with its colour bar, and the core's whole explanation (layout, counts, the selected
// pixel's windows) as JSON.

import { fileName, jsonText, sizeName } from '../../shared/export.js';
import { mapPng } from '../../shared/map-png.js';
import '../../shared/share-menu.js';
import { embedOf } from '../../embed/shared/snippets.js';

/** A layer in file-name form, e.g. `k3s1d1p1-zeros`. */
const layerName = (l) => `k${l.kernel}s${l.stride}d${l.dilation}p${l.padding}-${l.mode}`;
/** A layer in words for a picture's title, e.g. `3×3, stride 2, pad 1, zeros`. */
const layerText = (l) => [`${l.kernel}×${l.kernel}`, l.stride > 1 && `stride ${l.stride}`, l.dilation > 1 && `dilation ${l.dilation}`, `pad ${l.padding}`, l.mode].filter(Boolean).join(', ');

/**
 * @param {object} page
 * @param {() => any} page.engine the loaded engine
 * @param {() => ({state: import('../shared/model.js').State, explanation: any, pixel: any}|null)} page.view what is on screen
 * @param {() => string} page.link the URL of the view on screen
 */
export function initExplainExports({ engine, view, link }) {
  document.querySelector('#share-explain').configure({
    link,
    downloads: () => {
      const shown = view();
      if (!shown) return [];
      const { state, explanation, pixel } = shown;
      const { height, width, layers } = state;
      const stem = ['explain', sizeName(height, width), ...layers.map(layerName)];
      const maps = [['counts', explanation.counts, layers.length > 1 ? 'both layers' : 'the layer']];
      if (layers.length > 1) maps.push(['layer1-counts', explanation.first_layer_counts, 'layer 1 alone']);
      const out = [];
      for (const [name, values, what] of maps) {
        const max = Math.max(...values);
        out.push(
          {
            label: `PNG — count map of ${what}`,
            filename: fileName([...stem, name], 'png'),
            mime: 'image/png',
            make: () =>
              mapPng({
                rgba: engine().colourValues(values, { colormap: state.colormap, reference: 'max', scale: 'linear' }),
                height,
                width,
                colorbar: engine().colorbar(state.colormap, 256),
                low: Math.min(...values) / max,
                high: 1,
                scale: 'linear',
                barTitle: '÷ max',
                title: `Count map of ${what}: ${height}×${width}, ${layers.map(layerText).join(', then ')}`,
              }),
          },
          { label: `NPY — counts of ${what}, ${height}×${width} f64`, filename: fileName([...stem, name], 'npy'), mime: 'application/octet-stream', make: async () => engine().npy(values, [height, width]) },
          { label: `CSV — counts of ${what}, one line per row`, filename: fileName([...stem, name], 'csv'), mime: 'text/csv', make: async () => engine().csvGrid(values, height, width) },
        );
      }
      out.push({
        label: 'JSON — the explanation and the selected pixel’s steps',
        filename: fileName([...stem, `pixel${state.pixel[0]}-${state.pixel[1]}`], 'json'),
        mime: 'application/json',
        make: async () => jsonText({ state, explanation, pixel }),
      });
      return out;
    },
    embed: () => embedOf(link, engine().catalog())(),
  });
}
