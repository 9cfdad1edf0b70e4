/**
 * The run folders the runner leaves beside a .cnn file (`.cnn-runs/<network>-<time>/`), read back
 * for "Show runs" and "Compare runs": each folder's metrics.jsonl, newest first. A folder with a
 * missing or damaged metrics file is listed with the reason rather than failing the list.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochMetrics } from '../../../runner/src/runFolder';
import { checkEpochMetrics } from './runnerMessages';

export const RUNS_FOLDER = '.cnn-runs';

export interface RunFolder {
  /** The folder's name, `<network>-<time>`. */
  name: string;
  path: string;
  modified: number;
  epochs: EpochMetrics[];
  /** Why epochs is empty or short, if it is because of the file. */
  problem?: string;
}

export function readMetrics(path: string): { epochs: EpochMetrics[]; problem?: string } {
  const file = join(path, 'metrics.jsonl');
  if (!existsSync(file)) return { epochs: [], problem: 'no metrics.jsonl' };
  const epochs: EpochMetrics[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      return { epochs, problem: `metrics.jsonl line ${i + 1} is not JSON` };
    }
    const problem = checkEpochMetrics(row);
    if (problem) return { epochs, problem: `metrics.jsonl line ${i + 1}: ${problem}` };
    epochs.push(row as EpochMetrics);
  }
  return { epochs };
}

/** The runs under `<dir>/.cnn-runs`, newest first; empty when there are none. */
export function listRunFolders(dir: string): RunFolder[] {
  const root = join(dir, RUNS_FOLDER);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const runs: RunFolder[] = [];
  for (const name of names) {
    const path = join(root, name);
    let modified: number;
    try {
      const stat = statSync(path);
      if (!stat.isDirectory()) continue;
      modified = stat.mtimeMs;
    } catch {
      continue;
    }
    runs.push({ name, path, modified, ...readMetrics(path) });
  }
  return runs.sort((a, b) => b.modified - a.modified || b.name.localeCompare(a.name));
}

/** The runner's folder-name rule (runner/src/runFolder.ts safeName): `<network>-<time>`. */
function runPrefix(networkName: string | undefined): string {
  return `${(networkName ?? 'network').replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80) || 'network'}-`;
}

/**
 * The runs of one network: several .cnn files in a folder share its `.cnn-runs/`. When none carries
 * the network's name (renamed since), all are offered rather than none.
 */
export function runsOfNetwork(runs: RunFolder[], networkName: string | undefined): RunFolder[] {
  const prefix = runPrefix(networkName);
  // The time stamp after the prefix keeps "lenet5" from claiming the runs of "lenet5-small".
  const own = runs.filter((r) => r.name.startsWith(prefix) && /^\d{4}-\d\d-\d\dT/.test(r.name.slice(prefix.length)));
  return own.length > 0 ? own : runs;
}

/** "3 epochs · top-1 12.5 % · top-5 0.0 %" for a quick pick's description. */
export function describeRun(run: RunFolder): string {
  const last = run.epochs.at(-1);
  if (!last) return run.problem ?? 'no finished epoch';
  const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
  return `${run.epochs.length} epoch${run.epochs.length === 1 ? '' : 's'} · top-1 error ${pct(last.top1Error)} · top-5 error ${pct(last.top5Error)}`;
}
