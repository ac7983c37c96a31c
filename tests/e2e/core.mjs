// The core's WASM module instantiated in node, for the tests of the page's pure modules: they
// take the core's catalogue (names, limits, defaults) as the page does, not a copy.
// Not a test file (the runner only picks up *.test.mjs).

import fs from 'node:fs';
import { catalog, initSync } from '../../www/pkg/padlens.js';

initSync({ module: fs.readFileSync(new URL('../../www/pkg/padlens_bg.wasm', import.meta.url)) });

/** The core's catalogue (src/catalog.rs). */
export const CATALOG = catalog();
