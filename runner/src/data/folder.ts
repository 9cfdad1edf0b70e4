/**
 * The `folder(PATH)` dataset: one sub-folder per class (sorted by name) of PNG or JPEG files,
 * resized to the network's input and standardised per image. A fixed share of each class,
 * chosen by the seed, is held out for validation.
 */
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Rng, mixSeed } from '../rng';
import { checkImageSize, decodeImage, IMAGE_EXTENSIONS, ImageSizeError, imageSize, resizeInto } from './images';
import { standardise } from './standardise';
import type { Split } from './split';

/** One image in eight (at least one per class with two or more images) goes to validation. */
const VALIDATION_SHARE = 1 / 8;

export interface FolderData {
  classNames: string[];
  train: Split;
  val: Split;
}

export class DatasetError extends Error {}

function listDir(path: string): string[] {
  try {
    return readdirSync(path).sort();
  } catch (error) {
    throw new DatasetError(`cannot read the dataset folder ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** A folder dataset listed and its image headers checked, before anything is decoded. */
export interface FolderListing {
  root: string;
  input: [number, number, number];
  classNames: string[];
  trainFiles: [string, number][];
  valFiles: [string, number][];
  /**
   * Memory the loaded dataset takes: both splits as floats at the network's input size, plus the
   * largest image decoded at once (RGBA, 16 bits a channel at most as a PNG decoder holds it).
   */
  bytes: number;
}

function readHeader(file: string): { fileBytes: number; size: { width: number; height: number } } {
  let fd: number | undefined;
  try {
    // A FIFO or a device would block the open or never end: only regular files are images.
    if (!statSync(file).isFile()) throw new DatasetError(`${file} is not a regular file`);
    fd = openSync(file, 'r');
    const fileBytes = fstatSync(fd).size;
    const size = imageSize(file, (offset, length) => {
      const buffer = Buffer.alloc(length);
      return buffer.subarray(0, readSync(fd!, buffer, 0, length, offset));
    });
    return { fileBytes, size };
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function scanFolder(root: string, input: [number, number, number], networkClasses: number, seed: number): FolderListing {
  const [H, W, C] = input;
  if (C !== 1 && C !== 3) throw new DatasetError(`a folder of images can feed an input of 1 or 3 channels, not ${C}`);
  const classNames = listDir(root).filter((name) => statSync(join(root, name)).isDirectory());
  if (classNames.length < 2) throw new DatasetError(`the dataset folder ${root} needs at least two class sub-folders, found ${classNames.length}`);
  if (classNames.length > networkClasses) {
    throw new DatasetError(`the dataset folder ${root} has ${classNames.length} classes, more than the softmax layer's ${networkClasses}`);
  }
  const trainFiles: [string, number][] = [], valFiles: [string, number][] = [];
  let largest = 0;
  classNames.forEach((name, label) => {
    const files = listDir(join(root, name)).filter((f) => IMAGE_EXTENSIONS.includes(extname(f).toLowerCase())).map((f) => join(root, name, f));
    if (files.length === 0) throw new DatasetError(`class folder ${join(root, name)} has no PNG or JPEG files`);
    for (const file of files) {
      const { fileBytes, size } = readHeader(file);
      try {
        checkImageSize(file, fileBytes, size);
      } catch (error) {
        if (error instanceof ImageSizeError) throw new DatasetError(error.message);
        throw error;
      }
      largest = Math.max(largest, size.width * size.height);
    }
    const rng = new Rng(mixSeed(seed, 0xf0, label));
    for (let i = files.length - 1; i > 0; i--) { const j = rng.int(i + 1); [files[i], files[j]] = [files[j], files[i]]; }
    const held = files.length >= 2 ? Math.max(1, Math.round(files.length * VALIDATION_SHARE)) : 0;
    files.forEach((f, i) => (i < held ? valFiles : trainFiles).push([f, label]));
  });
  const bytes = (trainFiles.length + valFiles.length) * H * W * C * 4 + largest * 8;
  return { root, input, classNames, trainFiles, valFiles, bytes };
}

/** Decodes a listed folder; `onImage` is called after each image (the runner's watchdog hears it). */
export function loadListing(listing: FolderListing, onImage: () => void = () => {}): FolderData {
  const [H, W, C] = listing.input;
  const load = (list: [string, number][]): Split => {
    const size = H * W * C;
    const x = new Float32Array(list.length * size);
    const labels = new Int32Array(list.length);
    list.forEach(([file, label], i) => {
      let image;
      try {
        image = decodeImage(file, readFileSync(file));
      } catch (error) {
        throw new DatasetError(`cannot decode ${file}: ${(error as Error).message}`);
      }
      resizeInto(image, H, W, C, x, i * size);
      standardise(x, i * size, size);
      labels[i] = label;
      onImage();
    });
    return { x, labels, count: list.length };
  };
  return { classNames: listing.classNames, train: load(listing.trainFiles), val: load(listing.valFiles) };
}

export function loadFolder(root: string, input: [number, number, number], networkClasses: number, seed: number): FolderData {
  return loadListing(scanFolder(root, input, networkClasses, seed));
}
