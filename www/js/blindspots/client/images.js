// Images for detectability requests, shared by the Blind spots page and the paper page: a
// file decoded into the RGBA the core takes, and a background's RGBA as a canvas to draw under
// a grid.

/**
 * Decodes an image file as stored (no alpha premultiplication, no colour conversion); rejects
 * when the browser cannot decode it.
 * @param {Blob} file
 * @returns {Promise<{width: number, height: number, data: Uint8Array}>} RGBA, row-major
 */
export async function decodeImage(file) {
  const bitmap = await createImageBitmap(file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(bitmap, 0, 0);
  const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  return { width: bitmap.width, height: bitmap.height, data: new Uint8Array(data.buffer) };
}

/**
 * A canvas holding a background's RGBA pixels, for drawing under a grid.
 * @param {Uint8Array} rgba @param {[number, number]} size [height, width]
 * @returns {HTMLCanvasElement}
 */
export function backgroundCanvas(rgba, [height, width]) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height), 0, 0);
  return canvas;
}
