// padlens' embeddable figures, for any page, with one module script and no build step:
//   <script type="module" src="https://…/padlens/js/embed/padlens-embed.js"></script>
//   <padlens-map network="resnet50" size="224" padding="zeros"></padlens-map>
// Everything else (the WASM engine, its workers, the stylesheets) is found from this
// module's own URL, so the figures work from wherever the site is hosted. README.md,
// "Embedding", lists the elements and their attributes.

import './client/embed-explainer.js';
import './client/embed-grid.js';
import './client/embed-map.js';
