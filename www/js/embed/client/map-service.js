// The one map worker every embedded map on a page shares (the explorer's own, map-worker.js,
// which keeps each figure's panels apart): five figures in a post instantiate the engine
// once. A figure registers its canvases under its id; if the worker has to be replaced (a
// trap in the core), every registered figure hands over fresh canvases and draws again.

import { WorkerBridge } from '../../shared/bridge.js';

const MAP_WORKER = new URL('../../explorer/worker/map-worker.js', import.meta.url);

/**
 * @typedef {object} Figure what the service needs of a figure
 * @property {() => Record<string, OffscreenCanvas>} takeCanvases its canvases by panel key
 * @property {() => void} replaceCanvases fresh canvases, after a worker was replaced
 * @property {() => void} redraw compute and draw again
 */

/** @type {Map<string, Figure>} */
const figures = new Map();
let bridge = null;

function bridgeOf() {
  bridge ??= new WorkerBridge(MAP_WORKER, {
    async onRestart() {
      for (const [id, figure] of figures) {
        figure.replaceCanvases();
        await hand(id, figure);
        figure.redraw();
      }
    },
  });
  return bridge;
}

function hand(id, figure) {
  const canvases = figure.takeCanvases();
  return bridgeOf().request('init', { figure: id, canvases }, { transfer: Object.values(canvases) });
}

/**
 * Registers a figure: its canvases go to the worker, which draws into them from then on.
 * @param {string} id unique on the page @param {Figure} figure
 * @returns {Promise<object>} the core's catalogue (names, limits, defaults)
 */
export function attach(id, figure) {
  figures.set(id, figure);
  return hand(id, figure);
}

/** The core's catalogue (names, limits, defaults), before any figure is registered. */
export function catalog() {
  return bridgeOf().request('catalog', {});
}

/** A figure that left the page: the worker frees its maps. @param {string} id */
export function detach(id) {
  if (!figures.delete(id)) return;
  bridgeOf().request('release', { figure: id }).catch(() => {});
}

/**
 * A request to the map worker (see its handlers), for a registered figure.
 * @param {string} type @param {object} payload @param {object} [options]
 */
export function request(type, payload, options) {
  return bridgeOf().request(type, payload, options);
}
