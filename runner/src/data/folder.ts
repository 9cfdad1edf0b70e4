/**
 * The `folder(PATH)` dataset: one sub-folder per class (sorted by name) of PNG or JPEG files,
 * resized to the network's input and standardised per image. A fixed share of each class,
 * chosen by the seed, is held out for validation.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Rng, mixSeed } from '../rng';
import { decodeImage, IMAGE_EXTENSIONS, resizeInto } from './images';
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

export function loadFolder(root: string, input: [number, number, number], networkClasses: number, seed: number): FolderData {
  const [H, W, C] = input;
  const classNames = listDir(root).filter((name) => statSync(join(root, name)).isDirectory());
  if (classNames.length < 2) throw new DatasetError(`the dataset folder ${root} needs at least two class sub-folders, found ${classNames.length}`);
  if (classNames.length > networkClasses) {
    throw new DatasetError(`the dataset folder ${root} has ${classNames.length} classes, more than the softmax layer's ${networkClasses}`);
  }
  const trainFiles: [string, number][] = [], valFiles: [string, number][] = [];
  classNames.forEach((name, label) => {
    const files = listDir(join(root, name)).filter((f) => IMAGE_EXTENSIONS.includes(extname(f).toLowerCase())).map((f) => join(root, name, f));
    if (files.length === 0) throw new DatasetError(`class folder ${join(root, name)} has no PNG or JPEG files`);
    const rng = new Rng(mixSeed(seed, 0xf0, label));
    for (let i = files.length - 1; i > 0; i--) { const j = rng.int(i + 1); [files[i], files[j]] = [files[j], files[i]]; }
    const held = files.length >= 2 ? Math.max(1, Math.round(files.length * VALIDATION_SHARE)) : 0;
    files.forEach((f, i) => (i < held ? valFiles : trainFiles).push([f, label]));
  });
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
    });
    return { x, labels, count: list.length };
  };
  if (C !== 1 && C !== 3) throw new DatasetError(`a folder of images can feed an input of 1 or 3 channels, not ${C}`);
  return { classNames, train: load(trainFiles), val: load(valFiles) };
}
