// The core's WASM module instantiated in node, for the tests of the page's pure modules: they
// take the core's catalogue (names, limits, defaults) and verdicts as the page does, not a
// copy. Not a test file (the runner only picks up *.test.mjs).

import fs from 'node:fs';
import * as wasm from '../../www/pkg/padlens.js';

wasm.initSync({ module: fs.readFileSync(new URL('../../www/pkg/padlens_bg.wasm', import.meta.url)) });

export { wasm };

/** The core's catalogue (src/catalog.rs). */
export const CATALOG = wasm.catalog();
