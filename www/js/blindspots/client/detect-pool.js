// A pool of module workers (detect-worker.js), one per core, each holding the model: a grid's
// placements are handed out in chunks as workers come free, so the grid fills in row-major
// order however unevenly the placements cost, and the page's thread only draws.

import { WorkerBridge } from '../../shared/bridge.js';

const WORKER_URL = new URL('../worker/detect-worker.js', import.meta.url);

/**
 * @typedef {object} Placements the grid's shape (src/detect/mod.rs `Placements`)
 * @property {number} size the stimulus's side @property {number} stride
 * @property {number} rows @property {number} cols @property {[number, number]} image [H, W]
 */

/**
 * @typedef {object} GridRun what to compute
 * @property {{key: string, bytes: ArrayBuffer}} model the ONNX file, named by `key`
 * @property {string} key names the request (a new one whenever it or an image changes)
 * @property {object} request a detectability request (wasm.rs `DetectRequestJs`)
 */

export class DetectPool {
  /** @type {{bridge: WorkerBridge, opened: string|null}[]} */
  #workers;
  /** The running grid's token: a cancelled run hands out no more chunks. */
  #current = { cancelled: false };
  /** Grids running (a cancelled one counts until its promise settles). */
  #running = 0;
  /** Settles when the last grid started has (fulfilled either way). */
  #settled = Promise.resolve();

  /** @param {number} size how many workers */
  constructor(size) {
    this.#workers = Array.from({ length: size }, () => {
      const worker = { bridge: null, opened: null };
      // A restarted worker (after a cancel) holds nothing: open the model again when next used.
      worker.bridge = new WorkerBridge(WORKER_URL, { onRestart: () => (worker.opened = null) });
      return worker;
    });
  }

  get size() {
    return this.#workers.length;
  }

  async #open(worker, model) {
    if (worker.opened === model.key) return;
    await worker.bridge.request('open', { bytes: model.bytes.slice(0) }, { transfer: [] });
    worker.opened = model.key;
  }

  /**
   * Opens `model` in one worker and returns what it declares (`[height, width]`, null where
   * dynamic); throws the core's error for a file it cannot read.
   * @param {{key: string, bytes: ArrayBuffer}} model
   */
  async check(model) {
    // The worker is about to hold another model: a grid still running on the old one stops
    // (it is obsolete, and its worker would lose the plan under it).
    if (this.#running > 0) this.cancel();
    const worker = this.#workers[0];
    const { declared } = await worker.bridge.request('open', { bytes: model.bytes.slice(0) });
    worker.opened = model.key;
    return declared;
  }

  /**
   * Computes a grid. `onStart` gets the placements and the background (RGBA bytes) before
   * any score; `onScores(start, scores)` gets each batch as it finishes, in any order.
   * Rejects with the core's error, or with an AbortError when cancelled.
   * @param {GridRun} run
   * @param {{onStart: (placements: Placements, background: Uint8Array) => void,
   *   onScores: (start: number, scores: Float64Array) => void}} callbacks
   */
  async run(grid, callbacks) {
    this.#running++;
    const running = this.#runGrid(grid, callbacks);
    this.#settled = running.then(
      () => {},
      () => {},
    );
    try {
      await running;
    } finally {
      this.#running--;
    }
  }

  async #runGrid({ model, key, request }, { onStart, onScores }) {
    const token = { cancelled: false };
    this.#current = token;
    const [first, ...rest] = this.#workers;
    await this.#open(first, model);
    // One worker plans and runs the background first: a bad request fails once, with one
    // message, before the others start planning too.
    const { placements, background } = await first.bridge.request('prepare', { key, request, background: true });
    onStart(placements, new Uint8Array(background));
    const total = placements.rows * placements.cols;
    // Chunks of half a row or less, and at least four per worker: small enough that the grid
    // fills visibly row by row and the workers finish together, large enough that messages
    // cost nothing next to a placement (a few ms each at least).
    const chunk = Math.max(1, Math.min(Math.ceil(placements.cols / 2), Math.ceil(total / (4 * this.#workers.length))));
    let next = 0;
    const work = async (worker, ready) => {
      await ready;
      while (next < total) {
        // A worker between two chunks has nothing pending for cancel() to abort.
        if (token.cancelled) throw new DOMException('the grid was cancelled', 'AbortError');
        const start = next;
        const end = Math.min(total, start + chunk);
        next = end;
        await worker.bridge.request('scores', { start, end, batch: 1 }, {
          onProgress: (progress) => onScores(progress.start, progress.scores),
        });
      }
    };
    const prepare = async (worker) => {
      await this.#open(worker, model);
      await worker.bridge.request('prepare', { key, request });
    };
    await Promise.all([work(first, null), ...rest.map((worker) => work(worker, prepare(worker)))]);
  }

  /**
   * The shift experiment at one placement, in the last worker (the one a grid's first rows
   * leave soonest). Rejects with the core's error, or an AbortError when cancelled.
   * @param {{key: string, bytes: ArrayBuffer}} model
   * @param {object} request @param {[number, number]} corner @param {number} maxShift
   */
  async shift(model, request, corner, maxShift) {
    const worker = this.#workers[this.#workers.length - 1];
    // A grid of another model (B's) may be running on this worker: the shift waits for it
    // rather than take the worker's model from under it.
    if (worker.opened !== model.key) await this.#settled;
    await this.#open(worker, model);
    return worker.bridge.request('shift', { request, corner, maxShift });
  }

  /** Stops every worker's work (each restarts empty); a running `run` rejects with an AbortError. */
  cancel() {
    this.#current.cancelled = true;
    for (const worker of this.#workers) worker.bridge.cancel();
  }
}
