// The static build: `./build.sh dist` (after building www/pkg) runs this to write dist/, a copy
// of the site ready for any static host, under any sub-path.
//
//   node tools/dist.mjs [out]          (default dist/; PADLENS_SITE_URL, see below)
//
// - Cache-busting names: every module, worker, stylesheet, the WASM and the demo models move
//   into one folder named by a hash of their contents, assets-<hash>/, keeping their layout,
//   so that the relative imports between modules (and `new URL(…, import.meta.url)`) still
//   hold. Only the pages' src/href attributes are rewritten, plus the one line of
//   js/shared/site-root.js that says where the pages are. A host may cache assets-<hash>/
//   forever; the pages, sw.js, precache.js and the embed entry point keep their names.
// - js/embed/padlens-embed.js stays where it is in www/, as a stable entry point that
//   re-exports the hashed module: other people's pages link it (the Embed snippets name that
//   address), so it must survive every build.
// - The service worker and its precache list, for dist's own names.
// - Social preview tags in every page (title, description, og:*, twitter:card) and the image
//   they name, social-preview.png (1200×630), drawn from two utilization maps the core
//   computes here in Node from www/pkg. Crawlers want absolute addresses: set
//   PADLENS_SITE_URL to the site's public address (e.g. https://example.org/padlens/) to get
//   og:url and an absolute og:image; without it og:image stays relative and og:url is left out.
// - Precompressed copies: .gz and .br beside every text file and the WASM (Node's zlib, at
//   the strongest settings: the build runs once, the downloads many times), for hosts that
//   serve them (README.md, "Publishing").
// The benchmark page (bench.html) goes too: the explorer links it, and it needs only the
// engine (the model benchmark's builds in benches/ are not part of the site).

import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pngjs from 'pngjs';
import { writeIcons } from './icons.mjs';
import { isPrecached, listFiles, writePrecache } from './precache.mjs';

const WWW = fileURLToPath(new URL('../www/', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));

/** The top-level folders that move into assets-<hash>/. */
const MOVED = ['css', 'js', 'pkg', 'models'];
const EMBED_MODULE = 'js/embed/padlens-embed.js';
const SITE_ROOT_MODULE = 'js/shared/site-root.js';
const SITE_ROOT_LINE = "export const SITE_ROOT = new URL('../../', import.meta.url);";
const PREVIEW = 'social-preview.png';
/**
 * Compressed when smaller: text, and the WASM (gzip makes it 2.4 times smaller). Not the ONNX
 * models: their float weights shrink by only about 10% (gzip -9: 319 KB to 289 KB for
 * resnet18-narrow), and brotli's strongest setting on 1.9 MB of them would double the build.
 */
const COMPRESSED = /\.(html|js|mjs|css|json|wasm|svg|webmanifest|txt)$/;

/** What of www/ goes into dist/: the site, not the service worker's generated list. */
const shipped = (file) => !file.split('/').some((p) => p.startsWith('.')) && file !== 'precache.js' && !/\.(gz|br)$/.test(file);

/** Escapes text for an HTML attribute value. */
const attr = (text) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Reads an attribute-value entity back (the few that titles and descriptions use). */
const unattr = (text) => text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/**
 * Where a relative reference of `page` points in dist/, rewritten relative to the page:
 * into assets-<hash>/ when it resolves into a moved folder, except the embed module, whose
 * stable entry point keeps its address; anything else unchanged (other pages, icons,
 * absolute URLs, fragments).
 * @param {string} page the page's path in the site, e.g. 'examples/index.html'
 * @param {string} ref an attribute's value @param {string} assets e.g. 'assets-0123abcd'
 * @param {boolean} hasEmbed whether the stable embed entry point is written
 */
export function rewriteRef(page, ref, assets, hasEmbed) {
  if (/^([a-z][a-z0-9+.-]*:|\/|#|$)/i.test(ref)) return ref;
  const cut = ref.search(/[?#]/);
  const [target, suffix] = cut < 0 ? [ref, ''] : [ref.slice(0, cut), ref.slice(cut)];
  const dir = path.posix.dirname(page);
  const resolved = path.posix.normalize(path.posix.join(dir, target));
  if (resolved.startsWith('..')) return ref;
  if ((hasEmbed && resolved === EMBED_MODULE) || !MOVED.includes(resolved.split('/')[0])) return ref;
  return path.posix.relative(dir, `${assets}/${resolved}`) + suffix;
}

/**
 * A page for dist/: references rewritten, and social preview tags after its description.
 * @param {string} page @param {string} html
 * @param {{assets: string, hasEmbed: boolean, siteUrl: string}} options
 */
export function rewritePage(page, html, { assets, hasEmbed, siteUrl }) {
  let out = html.replace(/(\s(?:src|href)=")([^"]*)"/g, (_, head, ref) => `${head}${rewriteRef(page, ref, assets, hasEmbed)}"`);
  const title = out.match(/<title>([^<]*)<\/title>/)?.[1];
  if (title === undefined) return out;
  const description = out.match(/<meta name="description" content="([^"]*)">/)?.[1] ?? '';
  const pageUrl = siteUrl && new URL(page === 'index.html' ? '' : page, siteUrl).href;
  const image = siteUrl ? new URL(PREVIEW, siteUrl).href : path.posix.relative(path.posix.dirname(page), PREVIEW);
  const tags = [
    ['property', 'og:type', 'website'],
    ['property', 'og:site_name', 'padlens'],
    ['property', 'og:title', unattr(title)],
    ['property', 'og:description', unattr(description)],
    ...(pageUrl ? [['property', 'og:url', pageUrl]] : []),
    ['property', 'og:image', image],
    ['property', 'og:image:width', '1200'],
    ['property', 'og:image:height', '630'],
    ['property', 'og:image:alt', 'Two utilization maps of ResNet-50: how often each input pixel is read, at 224×224 and at 225×225 pixels.'],
    ['name', 'twitter:card', 'summary_large_image'],
  ].map(([kind, key, value]) => `\n  <meta ${kind}="${key}" content="${attr(value)}">`);
  const anchor = out.match(/<meta name="description"[^>]*>/) ?? out.match(/<title>[^<]*<\/title>/);
  const at = anchor.index + anchor[0].length;
  return out.slice(0, at) + '\n  <!-- Social preview (tools/dist.mjs). -->' + tags.join('') + out.slice(at);
}

/**
 * The social preview image: ResNet-50's utilization maps at 224 (left) and 225 pixels
 * (right), coloured by the core (viridis, relative to each map's maximum), on the site's dark
 * background, 1200×630 (the size Open Graph and Twitter cards show without cropping).
 * @param {string} pkg the folder of the WASM glue (www/pkg)
 * @returns {Promise<Buffer>}
 */
export async function previewImage(pkg) {
  const glue = await import(pathToFileURL(path.join(pkg, 'padlens.js')).href);
  await glue.default({ module_or_path: await fs.readFile(path.join(pkg, 'padlens_bg.wasm')) });
  const network = glue.Network.fromZoo('resnet50');
  const png = new pngjs.PNG({ width: 1200, height: 630 });
  const background = [0x14, 0x17, 0x1b];
  for (let i = 0; i < png.data.length; i += 4) png.data.set([...background, 255], i);
  // Two image pixels per map pixel: a whole number keeps the maps' fine grid free of moiré.
  for (const [size, left] of [[224, 112], [225, 640]]) {
    const side = 2 * size;
    const top = Math.floor((630 - side) / 2);
    const map = network.utilization({ height: size, width: size });
    const values = new Float64Array(size * size);
    for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) values[r * size + c] = map.value(r, c);
    map.free();
    const rgba = glue.colourValues(values, { colormap: 'viridis', reference: 'max', scale: 'linear' });
    for (let y = 0; y < side; y++) {
      const r = Math.floor((y * size) / side);
      for (let x = 0; x < side; x++) {
        const c = Math.floor((x * size) / side);
        const from = (r * size + c) * 4;
        png.data.set(rgba.subarray(from, from + 4), ((top + y) * 1200 + left + x) * 4);
      }
    }
  }
  network.free();
  return pngjs.PNG.sync.write(png);
}

/** Writes `file.gz` and `file.br` beside `file` when they are smaller. @returns {Promise<number>} copies written */
async function precompress(file) {
  const body = await fs.readFile(file);
  const copies = [
    ['.gz', zlib.gzipSync(body, { level: 9 })],
    [
      '.br',
      zlib.brotliCompressSync(body, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length },
      }),
    ],
  ].filter(([, packed]) => packed.length < body.length);
  for (const [ext, packed] of copies) await fs.writeFile(file + ext, packed);
  return copies.length;
}

/**
 * Writes the static site.
 * @param {{src?: string, out?: string, siteUrl?: string, preview?: boolean}} [options] `src`
 *   the built site (www/, with pkg/), `out` the folder to (re)write, `siteUrl` the public
 *   address for absolute og:url/og:image, `preview` false to skip the preview image (for
 *   sites without the WASM, in tests)
 * @returns {Promise<{assets: string, version: string, files: number, compressed: number}>}
 */
export async function buildDist({ src = WWW, out = DIST, siteUrl = process.env.PADLENS_SITE_URL ?? '', preview = true } = {}) {
  if (siteUrl && !/^https?:\/\//.test(siteUrl)) throw new Error(`PADLENS_SITE_URL must be an http(s) address, got '${siteUrl}'`);
  if (siteUrl && !siteUrl.endsWith('/')) siteUrl += '/';
  const files = (await listFiles(src)).filter(shipped);
  if (preview && !files.includes('pkg/padlens_bg.wasm')) {
    throw new Error(`${path.join(src, 'pkg')} holds no WASM build: run ./build.sh build (or ./build.sh dist) first`);
  }
  const hasEmbed = files.includes(EMBED_MODULE);

  // The assets' folder is named by their contents: any change of any of them renames it.
  const hash = crypto.createHash('sha256');
  const moved = files.filter((f) => MOVED.includes(f.split('/')[0]));
  for (const file of moved) {
    hash.update(`${file}\0`);
    hash.update(await fs.readFile(path.join(src, file)));
  }
  const assets = `assets-${hash.digest('hex').slice(0, 12)}`;

  await fs.rm(out, { recursive: true, force: true });
  for (const file of files) {
    const isMoved = MOVED.includes(file.split('/')[0]);
    const dest = path.join(out, isMoved ? `${assets}/${file}` : file);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    if (file.endsWith('.html')) {
      const html = await fs.readFile(path.join(src, file), 'utf8');
      await fs.writeFile(dest, rewritePage(file, html, { assets, hasEmbed, siteUrl }));
    } else if (file === SITE_ROOT_MODULE) {
      const text = await fs.readFile(path.join(src, file), 'utf8');
      if (text.split(SITE_ROOT_LINE).length !== 2) throw new Error(`${file} no longer holds the line tools/dist.mjs rewrites: ${SITE_ROOT_LINE}`);
      await fs.writeFile(dest, text.replace(SITE_ROOT_LINE, SITE_ROOT_LINE.replace("'../../'", "'../../../'")));
    } else {
      await fs.copyFile(path.join(src, file), dest);
    }
  }
  if (!files.includes('icons/icon.svg')) await writeIcons(path.join(out, 'icons'));

  if (hasEmbed) {
    const module = await fs.readFile(path.join(src, EMBED_MODULE), 'utf8');
    const target = path.posix.relative(path.posix.dirname(EMBED_MODULE), `${assets}/${EMBED_MODULE}`);
    const lines = [
      '// The embeddable figures (tools/dist.mjs): a stable address for pages that link padlens,',
      `// re-exporting this build's module, whose address changes with every build.`,
      `export * from '${target}';`,
      ...(/^export default /m.test(module) ? [`export { default } from '${target}';`] : []),
    ];
    await fs.mkdir(path.join(out, path.dirname(EMBED_MODULE)), { recursive: true });
    await fs.writeFile(path.join(out, EMBED_MODULE), lines.join('\n') + '\n');
  }
  if (preview) await fs.writeFile(path.join(out, PREVIEW), await previewImage(path.join(src, 'pkg')));

  // The preview image is for crawlers, not for offline use.
  const { version } = await writePrecache(out, (file) => isPrecached(file) && file !== PREVIEW);
  let compressed = 0;
  const all = await listFiles(out);
  for (const file of all.filter((f) => COMPRESSED.test(f))) compressed += await precompress(path.join(out, file));
  return { assets, version, files: all.length, compressed };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? path.resolve(process.argv[2]) : DIST;
  const started = Date.now();
  const { assets, version, files, compressed } = await buildDist({ out });
  console.error(
    `${path.relative(process.cwd(), out) || '.'}/: ${files} files (assets in ${assets}/, precache version ${version}), ` +
      `${compressed} precompressed copies, in ${((Date.now() - started) / 1000).toFixed(1)} s` +
      (process.env.PADLENS_SITE_URL ? '' : '\n  (PADLENS_SITE_URL unset: og:image is relative and og:url is left out; set it to the public address for social previews)'),
  );
}
