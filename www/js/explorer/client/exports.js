// The explorer's downloads: a <padlens-share> toolbar on each map (A, B, A ÷ B), the centre
// profiles, the summary, the uneven-padding report, its depth chart and the sweep. A map's
// values stay in the map worker; it encodes them with the core (the CLI's bytes) and sends
// the file back. Everything else is what the page already shows.

import { analysisData } from '../../analysis/client/analysis.js';
import { csvTable, fileName, jsonText, objectsCsv, sizeName, standaloneSvg } from '../../shared/export.js';
import '../../shared/share-menu.js';
import { embedOf } from '../../embed/shared/snippets.js';
import { networkName } from '../shared/state.js';

const $ = (selector) => document.querySelector(selector);

/**
 * The parts of a file name that say which map a configuration gives, e.g.
 * `['resnet50', '224x225', 'zeros']` (padding `own` when the network's own; a depth
 * limit as `first3layers`).
 * @param {import('./config-panel.js').Config} config @returns {string[]}
 */
export function configParts(config) {
  return [
    networkName(config),
    sizeName(config.height, config.width),
    config.mode ?? 'own',
    config.depth === null || config.depth === undefined ? null : `first${config.depth}layers`,
  ].filter(Boolean);
}

/** A's parts, then those of B that differ (all of B's when none do): `resnet50_224_zeros_vs_symmetric`. */
function comparisonParts(a, b) {
  const pa = configParts(a);
  const pb = configParts(b);
  const differ = pb.filter((part, i) => part !== pa[i]);
  return [...pa, 'vs', ...(differ.length ? differ : pb)];
}

const svgOf = (selector) => {
  const svg = $(selector)?.querySelector('svg[role=img]');
  if (!svg) throw new Error('the chart is not drawn yet');
  return svg;
};

/** A toolbar placed at `where` (an element it is appended to, or put after). */
function toolbar(label, place) {
  const share = document.createElement('padlens-share');
  share.setAttribute('label', label);
  place(share);
  return share;
}

/**
 * @param {object} page what app.js knows
 * @param {import('../../shared/bridge.js').WorkerBridge} page.bridge the map worker
 * @param {() => string} page.link the URL of the view on screen
 * @param {() => import('../shared/state.js').State} page.state
 * @param {(key: 'a'|'b') => any} page.shown what map A or B shows: {config, caption, summary, profiles, low, high, referenceValue, height, width}
 * @param {() => any} page.ratio what A ÷ B shows: {height, width, low, high} or null
 * @param {Record<'a'|'b'|'ratio', HTMLElement>} page.maps the map elements
 * @param {{ratio_colormap: string}} page.catalog
 */
export function initExports({ bridge, figure, link, state, shown, ratio, maps, catalog }) {
  const ask = async (key, format, png) => {
    const { bytes } = await bridge.request('exportMap', { figure, key, format, png });
    return new Uint8Array(bytes);
  };

  for (const key of ['a', 'b', 'ratio']) {
    const label = { a: 'map A', b: 'map B', ratio: 'ratio A ÷ B' }[key];
    const share = toolbar(label, (el) => (maps[key].querySelector('.map-tools') ?? maps[key]).append(el));
    share.configure({
      link,
      downloads: () => {
        const s = state();
        const one = key === 'ratio' ? ratio() : shown(key);
        if (!one || (key !== 'a' && !s.compare)) return [];
        const config = key === 'ratio' ? null : one.config;
        const stem = key === 'ratio' ? [...comparisonParts(shown('a').config, shown('b').config), 'ratio'] : configParts(config);
        const what = key === 'ratio' ? 'A ÷ B of raw counts' : 'raw counts';
        const figure = key === 'ratio'
          ? { low: one.low, high: one.high, scale: 'log', colormap: catalog.ratio_colormap, barTitle: 'A ÷ B (log)', title: `A ÷ B: ${shown('a').caption} ÷ ${shown('b').caption}` }
          : { low: one.low, high: one.high, scale: s.display.scale, colormap: s.display.colormap, barTitle: s.display.reference === 'max' ? '÷ max' : '÷ centre', title: `${s.compare ? `${key.toUpperCase()}: ` : ''}${one.caption} — utilization` };
        return [
          { label: 'PNG — the map with its colour bar', filename: fileName(stem, 'png'), mime: 'image/png', make: () => ask(key, 'png', figure) },
          { label: `NPY — ${what}, ${one.height}×${one.width} f64`, filename: fileName(stem, 'npy'), mime: 'application/octet-stream', make: () => ask(key, 'npy') },
          { label: `CSV — ${what}, one line per row`, filename: fileName(stem, 'csv'), mime: 'text/csv', make: () => ask(key, 'csv') },
        ];
      },
      // The whole view (A, B and their ratio, in compare mode): one element draws it.
      embed: embedOf(link, catalog),
    });
  }

  // The centre profiles: the stored values (raw counts) and, as plotted, over the reference.
  const profileCsv = (axis) => {
    const s = state();
    const keys = (s.compare ? ['a', 'b'] : ['a']).filter((k) => shown(k));
    const series = keys.map((k) => ({ name: s.compare ? k.toUpperCase() : 'count', values: shown(k).profiles[axis], reference: shown(k).referenceValue }));
    const length = Math.max(...series.map((x) => x.values.length));
    const header = [axis === 'row' ? 'column' : 'row', ...series.flatMap((x) => [x.name, `${x.name} ÷ ${s.display.reference}`])];
    const rows = Array.from({ length }, (_, i) => [i, ...series.flatMap((x) => (i < x.values.length ? [x.values[i], x.values[i] / x.reference] : [null, null]))]);
    return csvTable(header, rows);
  };
  const profileStem = () => {
    const s = state();
    return s.compare ? comparisonParts(shown('a').config, shown('b').config) : configParts(shown('a').config);
  };
  toolbar('centre profiles', (el) => $('#profiles-title').after(el)).configure({
    link,
    downloads: () => {
      if (!shown('a')) return [];
      const stem = profileStem();
      return [
        { label: 'CSV — centre row', filename: fileName([...stem, 'centre-row'], 'csv'), mime: 'text/csv', make: async () => profileCsv('row') },
        { label: 'SVG — centre row', filename: fileName([...stem, 'centre-row'], 'svg'), mime: 'image/svg+xml', make: async () => standaloneSvg(svgOf('#profile-row'), `Centre row: ${stem.join(' ')}`) },
        { label: 'CSV — centre column', filename: fileName([...stem, 'centre-column'], 'csv'), mime: 'text/csv', make: async () => profileCsv('column') },
        { label: 'SVG — centre column', filename: fileName([...stem, 'centre-column'], 'svg'), mime: 'image/svg+xml', make: async () => standaloneSvg(svgOf('#profile-column'), `Centre column: ${stem.join(' ')}`) },
      ];
    },
    embed: null,
  });

  // The summary: the core's figures of each map, as JSON (with the configuration) and CSV.
  const summaries = () => {
    const s = state();
    return (s.compare ? ['a', 'b'] : ['a']).filter((k) => shown(k)).map((k) => ({ map: k.toUpperCase(), network: networkName(shown(k).config), mode: shown(k).config.mode ?? null, depth: shown(k).config.depth ?? null, ...shown(k).summary }));
  };
  toolbar('summary', (el) => $('#summary-title').after(el)).configure({
    link,
    downloads: () => {
      if (!shown('a')) return [];
      const stem = [...profileStem(), 'summary'];
      return [
        { label: 'JSON — the summary figures', filename: fileName(stem, 'json'), mime: 'application/json', make: async () => jsonText(summaries()) },
        { label: 'CSV — one row per map', filename: fileName(stem, 'csv'), mime: 'text/csv', make: async () => objectsCsv(summaries()) },
      ];
    },
    embed: null,
  });

  // The uneven-padding report (the core's diagnosis, as `padlens uneven --format json`) and
  // its layer table; the depth chart.
  const reportStem = () => [...configParts(state().a), state().doctor.framework];
  toolbar('uneven-padding report', (el) => $('#doctor .panel-head').after(el)).configure({
    link,
    downloads: () => {
      const { diagnosis } = analysisData();
      if (!diagnosis) return [];
      const stem = [...reportStem(), 'uneven'];
      return [
        { label: 'JSON — the whole report', filename: fileName(stem, 'json'), mime: 'application/json', make: async () => jsonText(diagnosis) },
        { label: 'CSV — one row per layer', filename: fileName([...stem, 'layers'], 'csv'), mime: 'text/csv', make: async () => objectsCsv(diagnosis.report.layers) },
      ];
    },
    embed: null,
  });
  toolbar('depth chart', (el) => $('#depth-title').after(el)).configure({
    link,
    downloads: () => {
      const { diagnosis } = analysisData();
      if (!diagnosis?.depth_profile?.length) return [];
      const stem = [...configParts(state().a), 'depth'];
      return [
        { label: 'CSV — the ratios after each layer', filename: fileName(stem, 'csv'), mime: 'text/csv', make: async () => objectsCsv(diagnosis.depth_profile) },
        { label: 'SVG — the chart', filename: fileName(stem, 'svg'), mime: 'image/svg+xml', make: async () => standaloneSvg(svgOf('#depth-chart [data-role=plot]'), `Where the asymmetry enters: ${stem.join(' ')}`) },
      ];
    },
    embed: null,
  });

  // Boundary marginalization of A's map: the core's figures (with the size and τ they are
  // for) and the band diagram drawn to scale.
  toolbar('boundary marginalization', (el) => $('#marginalization .panel-head').after(el)).configure({
    link,
    downloads: () => {
      const { marginalization: m } = analysisData();
      if (!m) return [];
      const stem = [...configParts(state().a), 'marginalization', `tau${m.threshold}`];
      const row = { share: m.share, band_top: m.band[0], band_bottom: m.band[1], band_left: m.band[2], band_right: m.band[3], band_max: m.band_max, band_relative: m.band_relative, height: m.height, width: m.width, threshold: m.threshold };
      return [
        { label: 'JSON — the figures', filename: fileName(stem, 'json'), mime: 'application/json', make: async () => jsonText(m) },
        { label: 'CSV — the figures, one row', filename: fileName(stem, 'csv'), mime: 'text/csv', make: async () => objectsCsv([row]) },
        { label: 'SVG — the band, to scale', filename: fileName([...stem, 'band'], 'svg'), mime: 'image/svg+xml', make: async () => standaloneSvg(svgOf('#band-diagram'), `Marginalized band: ${stem.join(' ')}`) },
      ];
    },
    embed: null,
  });

  // The sweep: one row per series and size, with the CLI's `sweep` columns.
  const sweepCsv = (sweep) => {
    const two = sweep.series.length > 1;
    const header = [...(two ? ['series'] : []), 'size', 'share', 'band_top', 'band_bottom', 'band_left', 'band_right', 'band_max', 'band_relative', 'period_height', 'period_width', 'interior_log2', 'error'];
    const rows = sweep.series.flatMap((series) =>
      series.points.map((p) => [
        ...(two ? [series.label] : []),
        // Sizes and pixel counts as whole numbers, as the CLI writes them.
        String(p.size),
        ...(p.error ? Array(10).fill(null) : [p.share, ...p.band.map(String), String(p.band_max), p.band_relative, ...p.period.map(String), p.interior_log2]),
        p.error ?? null,
      ]),
    );
    return csvTable(header, rows);
  };
  toolbar('sweep', (el) => $('#sweep-title').after(el)).configure({
    link,
    downloads: () => {
      const { sweep } = analysisData();
      if (!sweep) return [];
      const stem = [...configParts(state().a).filter((_, i) => i !== 1), 'sweep', `${sweep.sizes[0]}-${sweep.sizes.at(-1)}`, `tau${sweep.threshold}`];
      return [
        { label: 'CSV — one row per size', filename: fileName(stem, 'csv'), mime: 'text/csv', make: async () => sweepCsv(sweep) },
        { label: 'JSON — the points', filename: fileName(stem, 'json'), mime: 'application/json', make: async () => jsonText(sweep.series.map((s) => ({ series: s.label, points: s.points }))) },
        { label: 'SVG — the chart', filename: fileName(stem, 'svg'), mime: 'image/svg+xml', make: async () => standaloneSvg(svgOf('#sweep-chart'), `Sweep: ${stem.join(' ')}`) },
      ];
    },
    embed: null,
  });
}
