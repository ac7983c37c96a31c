// The worker side of the protocol that bridge.js speaks from the page (after squoosh's
// worker-bridge): each message names a handler; a handler may report progress and returns
// its result, with the buffers to transfer rather than copy.
//   in:  {id, type, payload}
//   out: {id, progress} zero or more times, then {id, result} or {id, error: {name, message,
//        subject?, layer?, position?, field?, axis?}} (a core error's location, engine.js `Problem`)

/**
 * @typedef {(engine: any, payload: any, progress: (p: object) => void) =>
 *   {result: any, transfer?: Transferable[]} | Promise<{result: any, transfer?: Transferable[]}>} Handler
 */

/**
 * Answers the page's requests in this worker with `handlers`, once the engine is loaded.
 * @param {() => Promise<any>} loadEngine
 * @param {Record<string, Handler>} handlers
 */
export function serve(loadEngine, handlers) {
  self.addEventListener('message', async ({ data: { id, type, payload } }) => {
    try {
      const engine = await loadEngine();
      const handler = handlers[type];
      if (!handler) throw new Error(`unknown request type ${type}`);
      const { result, transfer = [] } = await handler(engine, payload, (progress) => self.postMessage({ id, progress }));
      self.postMessage({ id, result }, transfer);
    } catch (error) {
      // A core error carries where it is (engine.js `Problem`): the page places its message.
      const { subject, layer, position, field, axis } = error ?? {};
      self.postMessage({ id, error: { name: error.name ?? 'Error', message: error.message ?? String(error), subject, layer, position, field, axis } });
    }
  });
}

/**
 * Resolves in a new task, so that whatever the browser has queued for this worker runs
 * first — notably its termination, which Chromium otherwise holds back until the running
 * task ends (or for 2 s). A MessageChannel rather than setTimeout: nested timers are clamped
 * to 4 ms, which a loop of a thousand steps would feel.
 */
export function nextTask() {
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
