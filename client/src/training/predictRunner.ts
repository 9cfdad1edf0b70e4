/**
 * "CNN: Predict image…" without the vscode module: runs `cnn predict FILE --weights RUN_DIR --json
 * IMAGE...` (dist/cli.js, in a process of its own so the extension host never computes) and turns
 * its answer into quick pick rows.
 */
import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import type { Prediction } from '../../../runner/src/predict';

export interface PredictAnswer {
  runDir: string;
  predictions: Prediction[];
}

export function runPredict(cliPath: string, file: string, runDir: string, images: string[], execPath = process.execPath): Promise<PredictAnswer> {
  return new Promise((resolve, reject) => {
    execFile(execPath, [cliPath, 'predict', file, '--weights', runDir, '--json', ...images], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, maxBuffer: 16 << 20, timeout: 300_000, windowsHide: true,
    }, (error, stdout, stderr) => {
      if (error) {
        const said = stderr.trim().split('\n').filter(Boolean).map((l) => l.replace(/^cnn( predict)?: /, '')).join('; ');
        reject(new Error(said || error.message));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as PredictAnswer);
      } catch {
        reject(new Error(`cnn predict gave no answer: ${stdout.slice(0, 200)}`));
      }
    });
  });
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
