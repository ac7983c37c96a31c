// Where the site's pages (index.html, sw.js, manifest.webmanifest) are, for modules that link
// or register something there: found from this module's own URL, so that it holds under any
// sub-path and on other people's pages that embed a figure.
//
// The static build (tools/dist.mjs) moves the modules one folder deeper (into a
// content-hashed assets-<hash>/ folder) and rewrites this line to match; keep it exactly so.
export const SITE_ROOT = new URL('../../', import.meta.url);
