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

/** The largest image the folder dataset decodes: 50 megapixels (about 200 MB of RGBA), and 64 MiB of file. */
export const MAX_IMAGE_PIXELS = 50_000_000;
export const MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024;

export class ImageSizeError extends Error {}

/**
 * Width and height from the file's header, without decoding it: PNG's IHDR, or a JPEG's first
 * start-of-frame marker. `read(offset, length)` returns up to length bytes of the file from offset.
 */
export function imageSize(file: string, read: (offset: number, length: number) => Buffer): { width: number; height: number } {
  const ext = extname(file).toLowerCase();
  if (ext === '.png') {
    const head = read(0, 24);
    if (head.length < 24 || head.readUInt32BE(0) !== 0x89504e47 || head.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG file (no PNG signature and IHDR header)');
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  }
  if (ext === '.jpg' || ext === '.jpeg') {
    let at = 2;
    if (read(0, 2).readUInt16BE(0) !== 0xffd8) throw new Error('not a JPEG file (no start-of-image marker)');
    // Walk the marker segments (each FF xx then a 2-byte length) up to the first start-of-frame.
    for (let segments = 0; segments < 10_000; segments++) {
      const marker = read(at, 4);
      if (marker.length < 4 || marker[0] !== 0xff) throw new Error('not a JPEG file (no frame header before the data)');
      const type = marker[1];
      if (type === 0xff) { at += 1; continue; }
      const length = marker.readUInt16BE(2);
      // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
      if (type >= 0xc0 && type <= 0xcf && type !== 0xc4 && type !== 0xc8 && type !== 0xcc) {
        const frame = read(at + 4, 5);
        if (frame.length < 5) throw new Error('not a JPEG file (a truncated frame header)');
        return { height: frame.readUInt16BE(1), width: frame.readUInt16BE(3) };
      }
      if (length < 2) throw new Error('not a JPEG file (a segment shorter than its length field)');
      at += 2 + length;
    }
    throw new Error('not a JPEG file (no frame header in its first 10000 segments)');
  }
  throw new Error(`not a PNG or JPEG file name: ${file}`);
}

/** Refuses an image above the size limits before any of it is decoded. */
export function checkImageSize(file: string, fileBytes: number, size: { width: number; height: number }): void {
  if (fileBytes > MAX_IMAGE_FILE_BYTES) {
    throw new ImageSizeError(`${file} is ${(fileBytes / 1048576).toFixed(1)} MiB, more than the ${MAX_IMAGE_FILE_BYTES / 1048576} MiB an image of the folder dataset may be`);
  }
  if (size.width === 0 || size.height === 0) throw new ImageSizeError(`${file} is ${size.width}x${size.height} pixels: an empty image`);
  if (size.width * size.height > MAX_IMAGE_PIXELS) {
    throw new ImageSizeError(`${file} is ${size.width}x${size.height} pixels (${((size.width * size.height) / 1e6).toFixed(1)} megapixels), more than the ${MAX_IMAGE_PIXELS / 1e6} megapixels an image of the folder dataset may have`);
  }
}

export function decodeImage(file: string, bytes: Buffer): RgbaImage {
  const ext = extname(file).toLowerCase();
  // The header is checked again here: the file may have changed since the folder was listed.
  checkImageSize(file, bytes.length, imageSize(file, (offset, length) => bytes.subarray(offset, offset + length)));
  if (ext === '.png') {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
  }
  if (ext === '.jpg' || ext === '.jpeg') {
    // jpeg-js refuses images needing more than this (a guard against decompression bombs).
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6 });
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
