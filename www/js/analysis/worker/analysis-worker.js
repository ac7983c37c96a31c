// The analysis worker: the uneven-padding report and the map's marginalization, or a sweep
// of marginalization over input sizes. The page runs two of these — one for the report, one
// for sweeps — besides the map worker, so that no kind of work waits for another and
// cancelling a sweep (which terminates its worker) leaves the rest alone.

import { attempt, loadEngine } from '../../engine/engine.js';
import { Lru } from '../../shared/lru.js';
import { nextTask, serve } from '../../shared/worker-protocol.js';

const networks = new Lru(8, (network) => network.free());
// Changing τ must not re-run the report, nor changing the framework the marginalization.
const diagnoses = new Lru(8);
const margins = new Lru(8);

const sourceKey = (source) => (source.spec !== undefined ? `spec:${source.spec}` : `arch:${source.arch}`);
const networkOf = (engine, source) => networks.get(sourceKey(source), () => engine.network(source));

const handlers = {
  /**
   * The uneven-padding report and the map's marginalization for one configuration; either
   * may be skipped (null). payload: {source, query, diagnose: {framework, search}|null,
   * threshold: number|null}
   */
  analysis(engine, { source, query, diagnose, threshold }) {
    const network = attempt(() => networkOf(engine, source));
    if (!network.ok) return { result: { doctor: diagnose && network, marginalization: threshold && network } };
    const key = `${sourceKey(source)}|${JSON.stringify(query)}`;
    const doctor = diagnose && attempt(() => diagnoses.get(`${key}|${JSON.stringify(diagnose)}`, () => network.value.diagnose(query, diagnose)));
    const marginalization = threshold && attempt(() => margins.get(`${key}|${threshold}`, () => network.value.marginalization(query, threshold)));
    return { result: { doctor, marginalization } };
  },

  /**
   * Marginalization at each square size, for one or two series; each size's points go out
   * as progress as soon as they are known. Runs to the end unless the page cancels, which
   * terminates this worker (bridge.js); yielding between sizes lets the termination through
   * at the next size instead of after the browser's grace period.
   * payload: {series: {source, mode}[], sizes: number[], threshold: number}
   */
  async sweep(engine, { series, sizes, threshold }, progress) {
    const loaded = series.map(({ source }) => attempt(() => networkOf(engine, source)));
    for (const [i, size] of sizes.entries()) {
      const points = series.map(({ mode }, s) =>
        loaded[s].ok ? loaded[s].value.sweepPoint(size, mode ?? undefined, threshold) : { size, error: loaded[s].problem.message },
      );
      progress({ done: i + 1, total: sizes.length, size, points });
      await nextTask();
    }
    return { result: { done: sizes.length } };
  },
};

serve(loadEngine, handlers);
