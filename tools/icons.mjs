// The site's icon: the favicon (icons/icon.svg) and the installed app's PNG icons (192 and
// 512 pixels, the sizes browsers ask a web app manifest for), drawn from one description of
// the mark so that they cannot disagree. Written at build time (tools/precache.mjs); the
// files are not committed.
//
//   node tools/icons.mjs [dir]   (default www/icons)

import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pngjs from 'pngjs';

/**
 * The mark on a 16-unit square, back to front: a map (viridis' dark end) whose border rows are
 * lighter than its centre, as a utilization map looks.
 * @type {{x: number, y: number, size: number, radius: number, rgb: [number, number, number]}[]}
 */
const SHAPES = [
  { x: 0, y: 0, size: 16, radius: 3, rgb: [0x44, 0x01, 0x54] },
  { x: 3, y: 3, size: 10, radius: 1, rgb: [0x21, 0x91, 0x8c] },
  { x: 5.5, y: 5.5, size: 5, radius: 0, rgb: [0xfd, 0xe7, 0x25] },
];

const hex = (rgb) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;

/** The mark as SVG text. */
export function iconSvg() {
  const rects = SHAPES.map(
    (s) => `<rect x="${s.x}" y="${s.y}" width="${s.size}" height="${s.size}"${s.radius ? ` rx="${s.radius}"` : ''} fill="${hex(s.rgb)}"/>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">${rects.join('')}</svg>\n`;
}

/** Whether (x, y) lies inside a rounded square. */
function inside(s, x, y) {
  const cx = Math.min(Math.max(x, s.x + s.radius), s.x + s.size - s.radius);
  const cy = Math.min(Math.max(y, s.y + s.radius), s.y + s.size - s.radius);
  if (x < s.x || y < s.y || x > s.x + s.size || y > s.y + s.size) return false;
  return (x - cx) ** 2 + (y - cy) ** 2 <= s.radius ** 2 + 1e-9;
}

/**
 * The mark as a PNG of `side` pixels, antialiased with 4×4 samples per pixel.
 * @param {number} side @returns {Buffer}
 */
export function iconPng(side) {
  const png = new pngjs.PNG({ width: side, height: side });
  const N = 4;
  for (let py = 0; py < side; py++) {
    for (let px = 0; px < side; px++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < N; sy++) {
        for (let sx = 0; sx < N; sx++) {
          const x = ((px + (sx + 0.5) / N) / side) * 16;
          const y = ((py + (sy + 0.5) / N) / side) * 16;
          const top = SHAPES.findLast((s) => inside(s, x, y));
          if (!top) continue;
          for (let c = 0; c < 3; c++) sum[c] += top.rgb[c];
          sum[3] += 1;
        }
      }
      const i = (py * side + px) * 4;
      // Colours averaged over the covered samples (not premultiplied: PNG alpha is straight).
      for (let c = 0; c < 3; c++) png.data[i + c] = sum[3] ? Math.round(sum[c] / sum[3]) : 0;
      png.data[i + 3] = Math.round((sum[3] / (N * N)) * 255);
    }
  }
  return pngjs.PNG.sync.write(png);
}

/** Writes icon.svg, icon-192.png and icon-512.png into `dir`. */
export async function writeIcons(dir) {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'icon.svg'), iconSvg());
  for (const side of [192, 512]) await fs.writeFile(path.join(dir, `icon-${side}.png`), iconPng(side));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeIcons(process.argv[2] ?? fileURLToPath(new URL('../www/icons/', import.meta.url)));
}
