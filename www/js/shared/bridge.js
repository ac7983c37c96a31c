// Main-thread side of the worker protocol (after squoosh's worker-bridge): promise-based
// requests with progress callbacks and cancellation, plus a scheduler that coalesces requests
// so that only the newest one waits while another is being computed.

/**
 * A worker's script URL as `new Worker` accepts it. A page may load padlens from another
 * origin (a blog embedding figures from the site that hosts padlens-embed.js), but a worker's
 * script must be same-origin: there, a same-origin blob module that imports the real one
 * (which the host serves with CORS, as static hosts such as GitHub Pages do) stands in.
 * @param {URL|string} url @returns {URL|string}
 */
export function workerScript(url) {
  const target = new URL(url, location.href);
  if (target.origin === location.origin) return url;
  const source = `import ${JSON.stringify(target.href)};`;
  return URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
}

/**
 * Promise-based requests to a module worker. Cancelling terminates the worker (a WASM call
 * cannot be interrupted any other way) and starts a fresh one.
 */
export class WorkerBridge {
  #url;
  #worker = null;
  #nextId = 1;
  /** @type {Map<number, {resolve: Function, reject: Function, onProgress?: Function}>} */
  #pending = new Map();
  #fatal = null;

  #onRestart;

  /**
   * @param {URL|string} url a module worker speaking the protocol of worker-protocol.js
   * @param {{onRestart?: () => void}} [options] `onRestart` runs when a fresh worker has
   *   replaced a terminated one (after a cancel or a crash), before any request reaches it:
   *   the place to hand it again what the old one held (e.g. transferred canvases)
   */
  constructor(url, { onRestart } = {}) {
    this.#url = url;
    this.#onRestart = onRestart;
    this.#spawn();
  }

  #spawn() {
    this.#worker = new Worker(workerScript(this.#url), { type: 'module' });
    this.#worker.addEventListener('message', ({ data }) => this.#receive(data));
    // Only a worker that cannot start (or a broken message) gets here: request errors come
    // back as messages. Nothing more can succeed, so fail now rather than hang.
    const fail = (event) => {
      this.#fatal = new Error(`the compute worker failed: ${event.message || 'it could not be started'}`);
      this.#rejectAll(this.#fatal);
    };
    this.#worker.addEventListener('error', fail);
    this.#worker.addEventListener('messageerror', fail);
  }

  #receive({ id, progress, result, error }) {
    const entry = this.#pending.get(id);
    if (!entry) return; // the reply of a request that was cancelled
    if (progress) {
      entry.onProgress?.(progress);
      return;
    }
    this.#pending.delete(id);
    if (!error) {
      entry.resolve(result);
      return;
    }
    // The location fields (subject, field, …) come along, for problemOf (engine.js).
    entry.reject(Object.assign(new Error(error.message), error));
    // A Rust panic traps as a RuntimeError and may leave the WASM instance unusable.
    if (error.name === 'RuntimeError') this.#restart();
  }

  #rejectAll(error) {
    for (const entry of this.#pending.values()) entry.reject(error);
    this.#pending.clear();
  }

  #restart() {
    this.#worker.terminate();
    this.#rejectAll(new DOMException('the request was cancelled', 'AbortError'));
    this.#spawn();
    this.#onRestart?.();
  }

  /**
   * @param {string} type a handler of the worker
   * @param {unknown} payload structured-cloneable
   * @param {{onProgress?: (progress: object) => void, transfer?: Transferable[]}} [options]
   * @returns {Promise<any>} the result; rejects with the worker's error, or an AbortError
   *   when cancelled
   */
  request(type, payload, { onProgress, transfer = [] } = {}) {
    if (this.#fatal) return Promise.reject(this.#fatal);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      this.#worker.postMessage({ id, type, payload }, transfer);
    });
  }

  /** Abandons every pending request (they reject with an AbortError). */
  cancel() {
    if (this.#pending.size > 0) this.#restart();
  }
}

/**
 * Runs one job at a time and keeps at most one waiting: submitting while a job runs replaces
 * the waiting job, so dragging a slider computes the latest value next, never a queue of
 * stale ones. A job that runs longer than `cancelAfterMs` while a newer one waits is
 * cancelled (slow maps must not hold up the one the user now wants).
 */
export class LatestOnly {
  #run;
  #cancel;
  #cancelAfterMs;
  #running = false;
  #startedAt = 0;
  #waiting = null;
  #timer = 0;

  /**
   * @param {(payload: any) => Promise<any>} run starts a job
   * @param {{cancel?: () => void, cancelAfterMs?: number}} options `cancel` must make the
   *   running job's promise reject with an AbortError; without it a running job is never
   *   cancelled (jobs too short to be worth it)
   */
  constructor(run, { cancel, cancelAfterMs = 300 }) {
    this.#run = run;
    this.#cancel = cancel;
    this.#cancelAfterMs = cancelAfterMs;
  }

  /**
   * @param {any} payload
   * @returns {Promise<any|undefined>} the job's result, or undefined if a newer submission
   *   replaced it before it ran or cancelled it while it ran
   */
  submit(payload) {
    return new Promise((resolve, reject) => {
      this.#waiting?.resolve(undefined);
      this.#waiting = { payload, resolve, reject };
      if (!this.#running) this.#next();
      else this.#armCancel();
    });
  }

  #armCancel() {
    if (this.#timer || !this.#cancel) return;
    const left = this.#startedAt + this.#cancelAfterMs - performance.now();
    this.#timer = setTimeout(() => {
      this.#timer = 0;
      if (this.#running && this.#waiting) this.#cancel();
    }, Math.max(0, left));
  }

  #next() {
    clearTimeout(this.#timer);
    this.#timer = 0;
    const job = this.#waiting;
    this.#waiting = null;
    if (!job) return;
    this.#running = true;
    this.#startedAt = performance.now();
    this.#run(job.payload)
      .then(job.resolve, (error) => (error.name === 'AbortError' ? job.resolve(undefined) : job.reject(error)))
      .finally(() => {
        this.#running = false;
        this.#next();
      });
  }
}
