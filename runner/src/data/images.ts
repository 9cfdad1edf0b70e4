/**
 * Image decoding and resizing for the folder dataset. PNG through pngjs and JPEG through jpeg-js:
 * both pure JavaScript (they bundle into the runner, no native build), widely used and maintained.
 */
import { extname } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

export interface RgbaImage {
  width: number;
  height: number;
  /** 8-bit RGBA, row-major. */
  data: Uint8Array;
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

export function decodeImage(file: string, bytes: Buffer): RgbaImage {
  const ext = extname(file).toLowerCase();
  if (ext === '.png') {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
  }
  if (ext === '.jpg' || ext === '.jpeg') {
    // jpeg-js refuses images needing more than this (a guard against decompression bombs).
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    return { width: img.width, height: img.height, data: img.data };
  }
  throw new Error(`not a PNG or JPEG file name: ${file}`);
}

/**
 * Bilinear resize to H x W (sampling at pixel centres) into out[offset..] as H, W, C floats in
 * [0, 1]: C = 3 takes RGB, C = 1 the luminance (ITU-R BT.601 weights). Alpha is ignored.
 */
export function resizeInto(img: RgbaImage, H: number, W: number, C: number, out: Float32Array, offset: number): void {
  if (C !== 1 && C !== 3) throw new Error(`images can feed an input of 1 or 3 channels, not ${C}`);
  const sy = img.height / H, sx = img.width / W;
  const px = (x: number, y: number, ch: number) => img.data[(y * img.width + x) * 4 + ch];
  for (let y = 0; y < H; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, img.height - 1), wy = fy - y0;
    for (let x = 0; x < W; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, img.width - 1), wx = fx - x0;
      const sample = (ch: number) =>
        ((px(x0, y0, ch) * (1 - wx) + px(x1, y0, ch) * wx) * (1 - wy) + (px(x0, y1, ch) * (1 - wx) + px(x1, y1, ch) * wx) * wy) / 255;
      const o = offset + (y * W + x) * C;
      if (C === 3) {
        out[o] = sample(0); out[o + 1] = sample(1); out[o + 2] = sample(2);
      } else {
        out[o] = 0.299 * sample(0) + 0.587 * sample(1) + 0.114 * sample(2);
      }
    }
  }
}
