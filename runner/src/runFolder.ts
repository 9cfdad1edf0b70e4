/**
 * A run's folder, `.cnn-runs/<network>-<time>/`: network.json, settings.json, metrics.jsonl and
 * metrics.csv (rewritten after each epoch) and weights.safetensors. Every file is written to a
 * temporary name and renamed, so a reader never sees half a file, even if the run is killed.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Network } from '../../server/src/language/network';
import type { NamedTensor } from './init';
import { encodeSafetensors } from './safetensors';

export interface EpochMetrics {
  epoch: number;
  steps: number;
  trainLoss: number;
  valLoss: number;
  top1Error: number;
  top5Error: number;
  samplesPerSec: number;
  seconds: number;
}

const CSV_COLUMNS: (keyof EpochMetrics)[] = ['epoch', 'steps', 'trainLoss', 'valLoss', 'top1Error', 'top5Error', 'samplesPerSec', 'seconds'];

export function writeAtomically(path: string, data: string | Buffer): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80) || 'network';
}

export class RunFolder {
  readonly path: string;
  private readonly rows: EpochMetrics[] = [];

  constructor(baseDir: string, network: Network, settings: unknown, now = new Date()) {
    const stamp = now.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
    const root = join(baseDir, '.cnn-runs');
    let path = join(root, `${safeName(network.network ?? 'network')}-${stamp}`);
    // Two runs in the same second (tests, a quick restart) each get their own folder.
    for (let n = 2; ; n++) {
      try {
        mkdirSync(root, { recursive: true });
        mkdirSync(path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        path = join(root, `${safeName(network.network ?? 'network')}-${stamp}-${n}`);
      }
    }
    this.path = path;
    writeAtomically(join(path, 'network.json'), JSON.stringify(network, null, 2) + '\n');
    writeAtomically(join(path, 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
    this.writeMetrics();
  }

  addEpoch(row: EpochMetrics): void {
    this.rows.push(row);
    this.writeMetrics();
  }

  private writeMetrics(): void {
    writeAtomically(join(this.path, 'metrics.jsonl'), this.rows.map((r) => JSON.stringify(r) + '\n').join(''));
    const csv = [CSV_COLUMNS.join(','), ...this.rows.map((r) => CSV_COLUMNS.map((c) => r[c]).join(','))].join('\n') + '\n';
    writeAtomically(join(this.path, 'metrics.csv'), csv);
  }

  writeWeights(tensors: NamedTensor[], metadata: Record<string, string>): void {
    writeAtomically(join(this.path, 'weights.safetensors'), encodeSafetensors(tensors, metadata));
  }
}
