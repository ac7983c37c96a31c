// What the service worker (www/sw.js) precaches, listed from the files on disk at build time:
// writes www/icons/ (tools/icons.mjs) and then www/precache.js,
//   self.PRECACHE = {version, files, hashes}
// with every file of the site relative to www/, a hash of each file's contents (so that a
// new version copies the files it shares with the old one from the old cache instead of
// downloading them again), and as version a hash of all names and contents (any change of any
// file makes a new version; an unchanged site keeps its cache). build.sh's build_wasm runs
// it; tools/dist.mjs lists dist/ the same way.
//
//   node tools/precache.mjs

import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeIcons } from './icons.mjs';

/**
 * Left out: the service worker's own scripts (the browser keeps those itself). Paths are
 * relative to the site's root, with '/' separators.
 * @param {string} file
 */
export function isPrecached(file) {
  if (file === 'sw.js' || file === 'precache.js') return false;
  // Dot files (an editor's or wasm-bindgen's .gitignore) and precompressed copies are not
  // the site's files.
  if (file.split('/').some((part) => part.startsWith('.'))) return false;
  return !/\.(gz|br)$/.test(file);
}

/** Every file under `root`, relative, with '/' separators, sorted. */
export async function listFiles(root) {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/**
 * The precache list of the site in `root`.
 * @param {string} root @param {(file: string) => boolean} [keep] which files to list
 * @returns {Promise<{version: string, files: string[], hashes: Record<string, string>}>}
 */
export async function precacheList(root, keep = isPrecached) {
  const files = (await listFiles(root)).filter(keep);
  const hashes = {};
  const version = crypto.createHash('sha256');
  for (const file of files) {
    const body = await fs.readFile(path.join(root, file));
    hashes[file] = crypto.createHash('sha256').update(body).digest('hex').slice(0, 16);
    version.update(`${file}\0${hashes[file]}\0`);
  }
  return { version: version.digest('hex').slice(0, 16), files, hashes };
}

/**
 * Writes `root`/precache.js.
 * @param {string} root @param {(file: string) => boolean} [keep] which files to list
 * @returns {Promise<{version: string, files: string[], hashes: Record<string, string>}>}
 */
export async function writePrecache(root, keep = isPrecached) {
  const list = await precacheList(root, keep);
  const text = `// Written by tools/precache.mjs: what sw.js precaches. Do not edit.\nself.PRECACHE = ${JSON.stringify(list, null, 1)};\n`;
  await fs.writeFile(path.join(root, 'precache.js'), text);
  return list;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const www = fileURLToPath(new URL('../www/', import.meta.url));
  await writeIcons(path.join(www, 'icons'));
  const { version, files } = await writePrecache(www);
  console.error(`www/precache.js: ${files.length} files, version ${version}`);
}
