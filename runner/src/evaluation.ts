/**
 * What a run's validation says beyond two error rates, written to `evaluation/` in the run folder
 * after each epoch (the latest epoch's, replacing the previous): the confusion matrix
 * (confusion.json with the per-class error, confusion.csv), the most confident mistakes
 * (misclassified.json and one PNG each, capped at MAX_MISTAKES), and the first conv layer's filters as
 * one image (filters.png, one tile per filter normalised on its own, as Krizhevsky et al. 2012 show
 * AlexNet's in their Figure 3).
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { NamedTensor } from './init';
import type { Plan } from './plan';
import { EVALUATION_DIR, makeDirectories, writeAtomically } from './runFolder';
import type { Split } from './data/split';

export const MAX_MISTAKES = 32;

/** A validation image the network got wrong: its index in the split, true and predicted class, and the predicted class's probability. */
export interface Mistake {
  index: number;
  label: number;
  predicted: number;
  confidence: number;
}

/** Counts by true class (rows) and predicted class (columns), and the most confident mistakes. */
export class ConfusionTally {
  readonly matrix: number[][];
  private mistakes: Mistake[] = [];

  constructor(readonly classes: number) {
    this.matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  }

  add(index: number, label: number, probs: Float32Array, offset: number): void {
    let predicted = 0;
    for (let k = 1; k < this.classes; k++) if (probs[offset + k] > probs[offset + predicted]) predicted = k;
    this.matrix[label][predicted]++;
    if (predicted !== label) {
      this.mistakes.push({ index, label, predicted, confidence: probs[offset + predicted] });
      // Keep the list short as it grows: sorting now and then is cheaper than keeping every mistake.
      if (this.mistakes.length > 4 * MAX_MISTAKES) this.mistakes = this.topMistakes();
    }
  }

  /** The most confident mistakes first (ties by index), at most MAX_MISTAKES. */
  topMistakes(): Mistake[] {
    return [...this.mistakes].sort((a, b) => b.confidence - a.confidence || a.index - b.index).slice(0, MAX_MISTAKES);
  }
}

export interface ClassError {
  name: string;
  images: number;
  wrong: number;
  /** wrong / images; null for a class with no validation image. */
  error: number | null;
}

export function perClassError(matrix: number[][], classNames: string[]): ClassError[] {
  return matrix.map((row, k) => {
    const images = row.reduce((a, b) => a + b, 0);
    const wrong = images - row[k];
    return { name: classNames[k], images, wrong, error: images ? wrong / images : null };
  });
}

/** CSV cells are quoted when they hold a comma, quote or line break. */
const csvCell = (text: string) => (/[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

export function confusionCsv(matrix: number[][], classNames: string[]): string {
  const header = ['true \\ predicted', ...classNames].map(csvCell).join(',');
  return [header, ...matrix.map((row, k) => [csvCell(classNames[k]), ...row].join(','))].join('\n') + '\n';
}

/**
 * An image of the network's input (H x W x C, standardised) for people: each image stretched to
 * 0..255 on its own range; one channel is grey, three are RGB, any other count shows the first.
 */
export function inputImage(x: Float32Array, offset: number, [h, w, c]: [number, number, number]): Buffer {
  const n = h * w * c;
  let lo = Infinity, hi = -Infinity;
  for (let i = offset; i < offset + n; i++) { lo = Math.min(lo, x[i]); hi = Math.max(hi, x[i]); }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const png = new PNG({ width: w, height: h });
  for (let p = 0; p < h * w; p++) {
    const at = offset + p * c;
    for (let ch = 0; ch < 3; ch++) png.data[4 * p + ch] = Math.round((x[at + (c === 3 ? ch : 0)] - lo) * scale);
    png.data[4 * p + 3] = 255;
  }
  return PNG.sync.write(png);
}

/**
 * The first conv layer's filters ([filters, kh, kw, cin] as the weights file has them) as one PNG:
 * a grid of tiles with a 1-pixel gap, each filter stretched to 0..255 on its own range and enlarged
 * so a tile is at least 24 pixels wide. Three input channels are RGB; other counts show the mean
 * over the channels in grey.
 */
export function filtersImage(weight: NamedTensor): Buffer {
  const [filters, kh, kw, cin] = weight.shape;
  const zoom = Math.max(1, Math.ceil(24 / Math.max(kh, kw)));
  const columns = Math.ceil(Math.sqrt(filters));
  const rows = Math.ceil(filters / columns);
  const tileW = kw * zoom, tileH = kh * zoom;
  const width = columns * (tileW + 1) + 1, height = rows * (tileH + 1) + 1;
  const png = new PNG({ width, height });
  png.data.fill(128);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  const size = kh * kw * cin;
  for (let f = 0; f < filters; f++) {
    const base = f * size;
    let lo = Infinity, hi = -Infinity;
    for (let i = base; i < base + size; i++) { lo = Math.min(lo, weight.data[i]); hi = Math.max(hi, weight.data[i]); }
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    const x0 = 1 + (f % columns) * (tileW + 1), y0 = 1 + Math.floor(f / columns) * (tileH + 1);
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        const at = base + (y * kw + x) * cin;
        let rgb: number[];
        if (cin === 3) rgb = [0, 1, 2].map((ch) => weight.data[at + ch]);
        else {
          let mean = 0;
          for (let ch = 0; ch < cin; ch++) mean += weight.data[at + ch];
          rgb = [mean / cin, mean / cin, mean / cin];
        }
        // The mean of a channel-less filter is outside [lo, hi] only by rounding; clamp for safety.
        const bytes = rgb.map((v) => Math.max(0, Math.min(255, Math.round((v - lo) * scale))));
        for (let dy = 0; dy < zoom; dy++) {
          for (let dx = 0; dx < zoom; dx++) {
            const p = 4 * ((y0 + y * zoom + dy) * width + x0 + x * zoom + dx);
            png.data[p] = bytes[0]; png.data[p + 1] = bytes[1]; png.data[p + 2] = bytes[2];
          }
        }
      }
    }
  }
  return PNG.sync.write(png);
}

/** The first conv step's weight, if the network starts with one (after no other step with weights). */
export function firstConvWeight(plan: Plan, tensors: NamedTensor[]): NamedTensor | undefined {
  const step = plan.steps.find((s) => s.kind === 'conv');
  const name = step?.params[0]?.name;
  return name === undefined ? undefined : tensors.find((t) => t.name === name && t.shape.length === 4);
}

/** What evaluation/confusion.json holds. */
export interface ConfusionFile {
  epoch: number;
  classes: string[];
  /** matrix[true][predicted]: validation images. */
  matrix: number[][];
  perClass: ClassError[];
}

export interface MistakeFile {
  epoch: number;
  /** How many validation images were wrong in all; `images` lists at most MAX_MISTAKES, most confident first. */
  wrong: number;
  images: (Mistake & { file: string; trueClass: string; predictedClass: string })[];
}

/** Writes evaluation/ for this epoch; every file atomically, so a reader never sees half of one. */
export function writeEvaluation(
  runDir: string, epoch: number, classNames: string[], plan: Plan, val: Split, tally: ConfusionTally, tensors: NamedTensor[],
): void {
  const dir = join(runDir, EVALUATION_DIR);
  makeDirectories(join(dir, 'misclassified'));
  const confusion: ConfusionFile = { epoch, classes: classNames, matrix: tally.matrix, perClass: perClassError(tally.matrix, classNames) };
  writeAtomically(join(dir, 'confusion.json'), JSON.stringify(confusion, null, 1) + '\n');
  writeAtomically(join(dir, 'confusion.csv'), confusionCsv(tally.matrix, classNames));
  const mistakes = tally.topMistakes();
  const images = mistakes.map((m, rank) => {
    const file = `misclassified/${String(rank + 1).padStart(2, '0')}.png`;
    writeAtomically(join(dir, file), inputImage(val.x, m.index * plan.inputSize, plan.input));
    return { ...m, file, trueClass: classNames[m.label], predictedClass: classNames[m.predicted] };
  });
  // An earlier epoch's extra pictures would be listed nowhere: remove them.
  const listed = new Set(images.map((i) => i.file.slice('misclassified/'.length)));
  for (const name of readdirSync(join(dir, 'misclassified'))) if (!listed.has(name)) rmSync(join(dir, 'misclassified', name), { force: true });
  const wrong = tally.matrix.reduce((sum, row, k) => sum + row.reduce((a, b) => a + b, 0) - row[k], 0);
  const gallery: MistakeFile = { epoch, wrong, images };
  writeAtomically(join(dir, 'misclassified.json'), JSON.stringify(gallery, null, 1) + '\n');
  const weight = firstConvWeight(plan, tensors);
  if (weight) writeAtomically(join(dir, 'filters.png'), filtersImage(weight));
}
