// The Model page's worker: holds the ONNX model, parsed once into a WASM `Model`, and the
// objects planned from it (a forward pass per size and padding), so that no request parses
// the file again. Mean feature maps run sample by sample with progress; cancelling terminates
// this worker (bridge.js), so the page sends the model again afterwards.

import { loadEngine } from '../../engine/engine.js';
import { Lru } from '../../shared/lru.js';
import { nextTask, serve } from '../../shared/worker-protocol.js';

/** @type {any} the WASM Model, or null before one is opened */
let model = null;
const forwards = new Lru(4, (forward) => forward.free());

const runKey = (run) => JSON.stringify([run.height ?? null, run.width ?? null, run.mode ?? null]);

function current() {
  if (!model) throw new Error('no model is open');
  return model;
}

const handlers = {
  /** Parses an ONNX file and replaces the open model. payload: {bytes: ArrayBuffer} */
  open(engine, { bytes }) {
    const next = engine.model(new Uint8Array(bytes));
    model?.free();
    forwards.clear();
    model = next;
    return { result: { declared: model.declaredSize(), filters: model.meanFilters() } };
  },

  /** The summary at a size and padding. payload: {run: {height?, width?, mode?}} */
  summary(_engine, { run }) {
    return { result: current().summary(run) };
  },

  /**
   * A forward pass on an RGBA image. payload: {run, image: {data: ArrayBuffer, width,
   * height}, normalization: 'none'|'imagenet', top}
   */
  forward(_engine, { run, image, normalization, top }) {
    const forward = forwards.get(runKey(run), () => current().forward(run));
    return { result: forward.runImage(new Uint8Array(image.data), image.width, image.height, normalization, top) };
  },

  /**
   * Mean feature maps over `samples` random inputs from `seed`; progress after each sample
   * carries `done`, and the maps every `every` samples and at the end.
   * payload: {run, samples, seed, every}
   */
  async features(_engine, { run, samples, seed, every = 8 }, progress) {
    const maps = current().meanFeatureMaps(run, seed);
    try {
      for (let done = 1; done <= samples; done++) {
        maps.addSample();
        const partial = done % every === 0 && done < samples ? maps.maps() : undefined;
        progress({ done, total: samples, maps: partial });
        await nextTask();
      }
      return { result: { samples, maps: maps.maps() } };
    } finally {
      maps.free();
    }
  },
};

serve(loadEngine, handlers);
