/**
 * A run folder's evaluation/ (written by runner/src/evaluation.ts after each epoch) read back for
 * the training view: the confusion matrix and per-class error, the gallery of mistakes and the
 * filter picture, whose files the page loads through `toUri`. Free of the vscode module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfusionFile, MistakeFile } from '../../../runner/src/evaluation';
import { EVALUATION_DIR } from '../../../runner/src/runFolder';
import type { EvaluationView } from '../../../media/src/trainProtocol';

const isCount = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The evaluation of `runDir`, or undefined when it has none (yet) or its files are not what the
 * runner writes. `toUri(path, version)` turns a picture's path into what the page may load;
 * `version` (the epoch) makes a new epoch's picture a new address.
 */
export function readEvaluation(runDir: string, toUri: (path: string, version: string) => string): EvaluationView | undefined {
  const dir = join(runDir, EVALUATION_DIR);
  const confusion = readJson(join(dir, 'confusion.json')) as ConfusionFile | undefined;
  const gallery = readJson(join(dir, 'misclassified.json')) as MistakeFile | undefined;
  if (!confusion || !gallery || !isCount(confusion.epoch) || !Array.isArray(confusion.classes) || !Array.isArray(confusion.matrix) || !Array.isArray(confusion.perClass)) return undefined;
  const n = confusion.classes.length;
  const square = confusion.matrix.length === n && confusion.matrix.every((row) => Array.isArray(row) && row.length === n && row.every(isCount));
  if (!square || !confusion.classes.every((c) => typeof c === 'string') || confusion.perClass.length !== n) return undefined;
  if (!Array.isArray(gallery.images) || !isCount(gallery.wrong)) return undefined;
  const version = String(confusion.epoch);
  const mistakes = gallery.images
    // Only the runner's own names inside evaluation/misclassified/: the JSON is a file on disk, not trusted to point elsewhere.
    .filter((m) => typeof m.file === 'string' && /^misclassified\/\d+\.png$/.test(m.file) && typeof m.confidence === 'number')
    .map((m) => ({ src: toUri(join(dir, m.file), version), trueClass: String(m.trueClass), predictedClass: String(m.predictedClass), confidence: m.confidence }));
  const filters = join(dir, 'filters.png');
  return {
    epoch: confusion.epoch,
    classes: confusion.classes,
    matrix: confusion.matrix,
    perClass: confusion.perClass.map((c) => ({ name: String(c.name), images: Number(c.images), wrong: Number(c.wrong), error: typeof c.error === 'number' ? c.error : null })),
    wrong: gallery.wrong,
    mistakes,
    ...(existsSync(filters) ? { filters: toUri(filters, version) } : {}),
  };
}
