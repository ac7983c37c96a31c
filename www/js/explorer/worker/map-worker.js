// The map worker: computes the explorer's maps, keeps them in WASM memory, and draws them
// straight into the page's canvases (OffscreenCanvas, transferred once), so a change reaches
// the screen without the main thread copying or painting a pixel. The page gets back only
// what it shows as text: summaries, profiles, colour-bar ranges; hover asks for one pixel.
// One worker serves every figure of a page (the explorer is one; each embedded <padlens-map>
// is another), so a blog post with five figures instantiates the engine once: each request
// names its `figure`, whose panels (a, b, ratio) are its own.
// Protocol (see ../../shared/bridge.js):
//   in:  {id, type, payload}
//   out: {id, progress} zero or more times, then {id, result} or {id, error: {name, message}}

import { loadEngine, problemOf } from '../../engine/engine.js';
import { Lru } from '../../shared/lru.js';
import { exportMapView } from '../../shared/map-png.js';
import { serve } from '../../shared/worker-protocol.js';
import { viewportOf } from '../shared/viewport.js';

// Parsed networks, keyed by their source; a spec being typed makes a new one per keystroke.
const networks = new Lru(8, (network) => network.free());
// Maps by network and query: changing the colours, or one side of a comparison, must not
// recompute the maps that did not change. A 1024² map is 8 MB of values; keep a few.
const maps = new Lru(6, (map) => release(map));
const sizeLimits = new Lru(16);

/**
 * @typedef {{context: OffscreenCanvasRenderingContext2D, map: any, viewport: object|null}} Panel
 * @type {Map<string, Partial<Record<'a'|'b'|'ratio', Panel>>>} figure → its panels
 */
const figures = new Map();

function panelsOf(figure) {
  const panels = figures.get(figure);
  if (!panels) throw new Error(`no figure "${figure}": its canvases were never handed over`);
  return panels;
}

/** Frees a map once neither the cache nor a panel holds it. */
function release(map) {
  const held = maps.holds(map) || [...figures.values()].some((panels) => Object.values(panels).some((p) => p.map === map));
  if (map && !held) map.free();
}

/** Puts a map on a panel, releasing the one it replaces. */
function setPanelMap(panels, key, map) {
  const old = panels[key].map;
  panels[key].map = map;
  if (old !== map) release(old);
}

const sourceKey = (source) => (source.spec !== undefined ? `spec:${source.spec}` : `arch:${source.arch}`);
const networkOf = (engine, source) => networks.get(sourceKey(source), () => engine.network(source));

let catalog = null;

/**
 * The network and map of one configuration. On a panel with nothing on screen yet, a
 * configuration that cannot be drawn is replaced by the nearest one that can (a link with a
 * bad network, size, padding or depth), and `fallback` says what was drawn instead and why.
 */
function computeMap(engine, config, allowFallback) {
  let source = config.spec !== undefined ? { spec: config.spec } : { arch: config.arch };
  let query = { height: config.height, width: config.width, mode: config.mode, depth: config.depth };
  let problem = null;
  let network;
  try {
    network = networkOf(engine, source);
    if (allowFallback) {
      const nearest = network.nearestValid(query);
      if (nearest) ({ query, problem } = nearest);
    }
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) throw error; // a panic: let the bridge respawn us
    if (!allowFallback || network) return { ok: false, problem: problemOf(error), layerNames: network?.layerNames() ?? null };
    // Nothing on screen yet and no network: the default one, with the reason beside the
    // network control.
    problem = problemOf(error);
    source = { arch: catalog.defaults.network };
    network = networkOf(engine, source);
    query = network.nearestValid(query)?.query ?? query;
  }
  const fallback = problem && { source, query, problem };
  const key = `${sourceKey(source)}|${query.height}x${query.width}|${query.mode}|${query.depth}`;
  try {
    return {
      ok: true,
      map: maps.get(key, () => network.utilization(query)),
      fallback,
      network: network.name,
      layerNames: network.layerNames(),
      // The smallest size is a scan of plans: once per network, padding and depth.
      limits: sizeLimits.get(`${sourceKey(source)}|${query.mode}|${query.depth}`, () =>
        network.sizeLimits(query.mode ?? undefined, query.depth ?? undefined)),
    };
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) throw error;
    return { ok: false, problem: problemOf(error), layerNames: network.layerNames(), fallback };
  }
}

/** Draws a panel's map into its canvas for its view; returns the viewport used. */
function drawPanel(panels, key, view) {
  const panel = panels[key];
  if (!panel?.map || !view) return null;
  const size = [panel.map.height, panel.map.width];
  panel.viewport = viewportOf(size, view.box, view);
  panel.map.draw(panel.context, panel.viewport);
  return panel.viewport;
}

/** What the page shows of a count map beside the canvas. */
function describeMap(map, colours) {
  return {
    height: map.height,
    width: map.width,
    log2Scale: map.log2Scale,
    summary: map.summary(),
    profiles: map.profiles(),
    ...colours,
  };
}

/** Drops a figure's panels, freeing the maps nothing else holds. */
function forget(figure) {
  const panels = figures.get(figure);
  if (!panels) return;
  figures.delete(figure);
  for (const panel of Object.values(panels)) release(panel.map);
}

const handlers = {
  /**
   * A figure's canvases, transferred once (again after a restart); the figure's panels are
   * those keys, e.g. only `a` for a single map. payload: {figure, canvases: {a, b?, ratio?}:
   * OffscreenCanvas}
   */
  init(engine, { figure, canvases }) {
    const panels = {};
    for (const [key, canvas] of Object.entries(canvases)) {
      panels[key] = { context: canvas.getContext('2d'), map: null, viewport: null };
    }
    forget(figure);
    figures.set(figure, panels);
    catalog ??= engine.catalog();
    return { result: catalog };
  },

  /** The core's catalogue, for a page that needs it before it has a figure to register. */
  catalog(engine) {
    catalog ??= engine.catalog();
    return { result: catalog };
  },

  /** A figure that left the page: its maps are freed unless the cache holds them. payload: {figure} */
  release(_engine, { figure }) {
    forget(figure);
    return { result: null };
  },

  /**
   * Computes, colours and draws the maps of one or two configurations, and their ratio.
   * payload: {figure, configs: ({key, arch?, spec?, height, width, mode, depth}|null)[],
   * display, shared: boolean, views: {a, b, ratio}: View & {box}}; a null config leaves its
   * panel as it is (its controls have an error the page found itself).
   */
  view(engine, { figure, configs, display, shared, views }, progress) {
    const panels = panelsOf(figure);
    const results = {};
    for (const [index, config] of configs.entries()) {
      if (!config) continue;
      progress({ stage: 'map', index, count: configs.length });
      results[config.key] = computeMap(engine, config, !panels[config.key].map);
    }
    // A panel shows its new map when there is one, else keeps its last good one.
    for (const [key, result] of Object.entries(results)) {
      if (result.ok) setPanelMap(panels, key, result.map);
    }
    const onScreen = ['a', 'b'].filter((key) => views[key] && panels[key]?.map);
    // One colour means one value in A and B: colour both over the union of their ranges.
    let range;
    if (shared && onScreen.length === 2) {
      const ranges = onScreen.map((key) => panels[key].map.relativeRange(display));
      range = [Math.min(ranges[0][0], ranges[1][0]), Math.max(ranges[0][1], ranges[1][1])];
    }
    const out = { maps: {}, ratio: null, colorbar: engine.colorbar(display.colormap, 256), ratioColorbar: null };
    for (const key of ['a', 'b']) {
      const { map: _, ...result } = results[key] ?? {};
      const shown = onScreen.includes(key) ? panels[key].map : null;
      out.maps[key] = {
        ...result,
        // What the canvas shows now: the new map, or the last good one.
        shown: shown && { ...describeMap(shown, shown.colour(display, range)), viewport: drawPanel(panels, key, views[key]) },
      };
    }
    if (views.ratio && onScreen.length === 2) {
      progress({ stage: 'ratio' });
      const ratio = engine.ratio(panels.a.map, panels.b.map);
      setPanelMap(panels, 'ratio', ratio);
      const colours = ratio.colour(display);
      out.ratio = { height: ratio.height, width: ratio.width, offsets: ratio.offsets(), viewport: drawPanel(panels, 'ratio', views.ratio), ...colours };
      out.ratioColorbar = engine.colorbar(catalog.ratio_colormap, 256);
    }
    const transfer = [out.colorbar.buffer, ...(out.ratioColorbar ? [out.ratioColorbar.buffer] : [])];
    return { result: out, transfer };
  },

  /** Redraws one panel for a new view (zoom, pan, resize): no computing, no colouring. payload: {figure, key, view} */
  viewport(_engine, { figure, key, view }) {
    return { result: { viewport: drawPanel(panelsOf(figure), key, view) } };
  },

  /** The value of one pixel of a panel's map: {value, log2Scale} or null off the map. payload: {figure, key, y, x} */
  pixel(_engine, { figure, key, y, x }) {
    const map = figures.get(figure)?.[key]?.map;
    const value = map?.value(y, x);
    return { result: value === undefined ? null : { value, log2Scale: map.log2Scale } };
  },
};

/**
 * A download of the map a panel shows, made from the values in WASM memory (nothing is
 * recomputed): 'npy' and 'csv' are the core's encoders (the CLI's bytes for the same map);
 * 'png' is the map in the colours on screen with its colour bar and a title.
 * payload: {key, format: 'npy'|'csv'|'png', png?: {low, high, scale, colormap, barTitle,
 * title}} (png only: what the page shows around the map). Returns {bytes: ArrayBuffer}.
 */
async function exportMap(engine, { figure, key, format, png }) {
  const map = panelsOf(figure)[key]?.map;
  if (!map) throw new Error('there is no map on screen to export yet');
  return exportMapView(engine, map, format, png);
}
handlers.exportMap = exportMap;

serve(loadEngine, handlers);
