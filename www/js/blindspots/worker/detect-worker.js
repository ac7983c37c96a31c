// One worker of the Blind spots page's pool: holds the ONNX model, parsed once into a WASM
// `Model`, and the `Detector` of the current request (the model planned at its size and
// padding, with the background run once), and scores the placements the page hands it.
// Cancelling terminates the worker (bridge.js); the pool opens the model again afterwards.

import { loadEngine } from '../../engine/engine.js';
import { nextTask, serve } from '../../shared/worker-protocol.js';

/** @type {any} the WASM Model, or null before one is opened */
let model = null;
/** @type {{key: string, detector: any} | null} the Detector of the last prepared request */
let prepared = null;

function dropPrepared() {
  prepared?.detector.free();
  prepared = null;
}

const handlers = {
  /** Parses an ONNX file and replaces the open model. payload: {bytes: ArrayBuffer} */
  open(engine, { bytes }) {
    const next = engine.model(new Uint8Array(bytes));
    dropPrepared();
    model?.free();
    model = next;
    return { result: { declared: model.declaredSize() } };
  },

  /**
   * Plans the model for a detectability request (see wasm.rs `DetectRequestJs`), unless the
   * same request is already prepared. The result carries the placements and, when asked, the
   * background as RGBA (only one worker needs to send it). `key` names the request (the page
   * gives a new key whenever the request or one of its images changes). payload: {key,
   * request, background}
   */
  prepare(_engine, { key, request, background = false }) {
    if (!model) throw new Error('no model is open');
    if (prepared?.key !== key) {
      dropPrepared();
      prepared = { key, detector: model.detector(request) };
    }
    const placements = prepared.detector.placements();
    if (!background) return { result: { placements } };
    const rgba = prepared.detector.backgroundRgba();
    return { result: { placements, background: rgba.buffer }, transfer: [rgba.buffer] };
  },

  /**
   * Scores placements `start … end − 1` of the prepared request, reporting each batch of at
   * most `batch` as it finishes. payload: {start, end, batch}
   */
  async scores(_engine, { start, end, batch = 1 }, progress) {
    if (!prepared) throw new Error('no request is prepared');
    for (let from = start; from < end; from += batch) {
      const to = Math.min(end, from + batch);
      const scores = prepared.detector.scores(from, to);
      progress({ start: from, scores });
      // Lets a cancel (which terminates this worker) through between placements.
      await nextTask();
    }
    return { result: { start, end } };
  },

  /**
   * The shift experiment at one placement (ShiftCurve in src/detect/shift.rs), in one call.
   * payload: {request, corner: [y, x], maxShift}
   */
  shift(_engine, { request, corner, maxShift }) {
    if (!model) throw new Error('no model is open');
    return { result: model.shift(request, corner[0], corner[1], maxShift) };
  },
};

serve(loadEngine, handlers);
