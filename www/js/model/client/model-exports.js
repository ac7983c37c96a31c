// The Model page's downloads: a <padlens-share> toolbar on the summary, the utilization map
// and its uneven report, the mean feature maps and the mean filters. The utilization map's
// values stay in the model worker, which encodes them with the core (the CLI's bytes for
// `padlens utilization --model …`); the feature maps and filters are values the page holds.

import { csvTable, fileName, filtersCsv, jsonText, objectsCsv, sizeName } from '../../shared/export.js';
import '../../shared/share-menu.js';
import { embedOf } from '../../embed/shared/snippets.js';

const $ = (selector) => document.querySelector(selector);

/**
 * @param {object} page
 * @param {import('../../shared/bridge.js').WorkerBridge} page.bridge the model worker
 * @param {() => string} page.link the URL of the view on screen
 * @param {() => string|null} page.embedLink the explorer's view of the model's projection
 *   (a network spec), which is what an embedded figure can draw of it; null without one
 * @param {() => object} page.catalog the core's catalogue
 * @param {() => {model: string, run: {height: number, width: number, mode?: string}, summary: object|null,
 *   padding: {report: object|null, map: {size: [number, number], colours: {low: number, high: number}, summary: object}|null}|null,
 *   featureSets: {mode: string, maps: {layer: string, size: [number, number], values: number[]}[]}[],
 *   filters: object[]|null, forward: {image: string, normalization: string, output: string, shape: number[],
 *   top: {index: number, probability: number, logit: number}[]}|null, colormap: string}} page.data what the page shows
 */
export function initModelExports({ bridge, link, embedLink, catalog, data }) {
  const stem = (...more) => {
    const { model, run } = data();
    return [model.replace(/\.onnx$/i, ''), sizeName(run.height, run.width), run.mode ?? 'own', ...more];
  };
  // What a reader's model gives a page elsewhere: its projection's utilization map, as the
  // explorer draws it from the spec (the ONNX file itself stays on the reader's computer).
  const embed = () => {
    const address = embedLink();
    return address ? embedOf(() => address, catalog())() : { ok: false, reason: 'This model has no utilization map to embed: padlens could not project it into a network spec.' };
  };
  const share = (id, label, downloads, { embeddable = false } = {}) => {
    const element = document.createElement('padlens-share');
    element.id = id;
    element.setAttribute('label', label);
    $(`#${id.replace('share-', '')}-title`).after(element);
    element.configure({ link, downloads, embed: embeddable ? embed : null });
  };

  share('share-summary', 'summary', () => {
    const { summary } = data();
    if (!summary) return [];
    return [{ label: 'JSON — the summary', filename: fileName(stem('summary'), 'json'), mime: 'application/json', make: async () => jsonText(summary) }];
  });

  const ask = async (format, png) => new Uint8Array((await bridge.request('exportMap', { format, png })).bytes);
  share('share-padding', 'utilization map and uneven report', () => {
    const { padding, colormap, model, run } = data();
    const out = [];
    const map = padding?.map;
    if (map) {
      const name = stem('utilization');
      const figure = { low: map.colours.low, high: map.colours.high, scale: 'linear', colormap, barTitle: '÷ max', title: `${model} at ${run.height}×${run.width}, ${run.mode ?? "the model's own"} padding — utilization` };
      out.push(
        { label: 'PNG — the map with its colour bar', filename: fileName(name, 'png'), mime: 'image/png', make: () => ask('png', figure) },
        { label: `NPY — raw counts, ${map.size[0]}×${map.size[1]} f64`, filename: fileName(name, 'npy'), mime: 'application/octet-stream', make: () => ask('npy') },
        { label: 'CSV — raw counts, one line per row', filename: fileName(name, 'csv'), mime: 'text/csv', make: () => ask('csv') },
      );
    }
    if (padding?.report) {
      out.push(
        { label: 'JSON — the uneven-padding report', filename: fileName(stem('uneven'), 'json'), mime: 'application/json', make: async () => jsonText(padding.report) },
        { label: 'CSV — the report, one row per layer', filename: fileName(stem('uneven', 'layers'), 'csv'), mime: 'text/csv', make: async () => objectsCsv(padding.report.report.layers) },
      );
    }
    return out;
  }, { embeddable: true });

  share('share-forward', 'forward pass', () => {
    const { forward } = data();
    if (!forward) return [];
    const name = stem('forward', forward.image);
    return [
      { label: 'JSON — the output and its largest values', filename: fileName(name, 'json'), mime: 'application/json', make: async () => jsonText(forward) },
      { label: 'CSV — the largest values', filename: fileName(name, 'csv'), mime: 'text/csv', make: async () => csvTable(['index', 'probability', 'value'], forward.top.map((p) => [String(p.index), p.probability, p.logit])) },
    ];
  });

  share('share-features', 'mean feature maps', () => {
    const { featureSets } = data();
    if (!featureSets.length) return [];
    const seed = $('#seed').value;
    const samples = $('#samples').value;
    const name = [...stem('features').filter((_, i) => i !== 2), `${samples}samples`, `seed${seed}`];
    return [
      { label: 'JSON — every layer, each padding', filename: fileName(name, 'json'), mime: 'application/json', make: async () => jsonText(featureSets.map((set) => ({ padding: set.mode || 'own', maps: set.maps }))) },
      {
        label: 'CSV — one row per value (padding, layer, row, column)',
        filename: fileName(name, 'csv'),
        mime: 'text/csv',
        make: async () =>
          csvTable(
            ['padding', 'layer', 'row', 'column', 'value'],
            featureSets.flatMap((set) => set.maps.flatMap((m) => Array.from(m.values, (v, i) => [set.mode || 'own', m.layer, String(Math.floor(i / m.size[1])), String(i % m.size[1]), v]))),
          ),
      },
    ];
  });

  share('share-filters', 'mean filters', () => {
    const { filters, model } = data();
    if (!filters?.length) return [];
    const name = [model.replace(/\.onnx$/i, ''), 'filters'];
    return [
      { label: 'JSON — every mean filter', filename: fileName(name, 'json'), mime: 'application/json', make: async () => jsonText(filters) },
      {
        label: 'CSV — one row per weight (layer, row, column)',
        filename: fileName(name, 'csv'),
        mime: 'text/csv',
        make: async () => filtersCsv(filters),
      },
    ];
  });
}
