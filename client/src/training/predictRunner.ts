/**
 * "CNN: Predict image…" without the vscode module: runs `cnn predict FILE --weights RUN_DIR --json
 * IMAGE...` (dist/cli.js, in a process of its own so the extension host never computes) and turns
 * its answer into quick pick rows.
 */
import { basename } from 'node:path';
import type { Prediction } from '../../../runner/src/predict';
import { runCliJson } from '../cliProcess';

export interface PredictAnswer {
  runDir: string;
  predictions: Prediction[];
}

export function runPredict(cliPath: string, file: string, runDir: string, images: string[], execPath = process.execPath): Promise<PredictAnswer> {
  return runCliJson<PredictAnswer>(cliPath, 'predict', [file, '--weights', runDir, ...images], execPath);
}

export interface PredictionRow {
  /** A row to pick (a class) or a separator naming the image. */
  kind: 'image' | 'class';
  label: string;
  description?: string;
}

/** A separator per image (when there are several) and its top classes, most likely first. */
export function predictionRows(predictions: Prediction[]): PredictionRow[] {
  const rows: PredictionRow[] = [];
  for (const p of predictions) {
    if (predictions.length > 1) rows.push({ kind: 'image', label: basename(p.file) });
    p.top.forEach((c, i) => rows.push({ kind: 'class', label: `${i === 0 ? '$(star-full) ' : ''}${c.name}`, description: `${(100 * c.probability).toFixed(2)} %${predictions.length > 1 ? '' : ` · ${basename(p.file)}`}` }));
  }
  return rows;
}
