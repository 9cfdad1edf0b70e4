/**
 * The table and Markdown report of an init/activation comparison, shared by `cnn compare` and the
 * extension's "CNN: Compare initialisations and activations". Free of the runner and of VS Code, so
 * the extension host bundles it without the training code.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { EpochMetrics } from '../../runner/src/runFolder';

/** The inits He et al. 2015 compare, by short name, as written in a `defaults init=` value. */
export const COMPARE_INITS: Record<string, string> = { gaussian: 'gaussian(0.01)', xavier: 'xavier', he: 'he' };

export interface CompareRun {
  init: string;
  act: string;
  epochs: EpochMetrics[];
  runDir?: string;
  /** Why the run stopped early, e.g. a loss that became NaN. */
  failure?: string;
  seconds: number;
}

const percent = (v: number | undefined) => (v === undefined ? '—' : `${(100 * v).toFixed(1)}%`);
const BARS = '▁▂▃▄▅▆▇█';

/** An error curve in one line: 100% error is the tallest bar. */
export function sparkline(values: number[]): string {
  return values.map((v) => BARS[Math.max(0, Math.min(BARS.length - 1, Math.round(v * (BARS.length - 1))))]).join('');
}

export const COMPARE_HEADER = ['init', 'activation', 'train loss', 'val loss', 'top-1 error', 'top-5 error', 'best top-1', 'time', 'top-1 error by epoch'];

/** One row of cells per run, in COMPARE_HEADER's order: what the table prints and the view shows. */
export function compareRows(runs: CompareRun[]): string[][] {
  return runs.map((r) => {
    const last = r.epochs[r.epochs.length - 1];
    const best = r.epochs.length ? Math.min(...r.epochs.map((e) => e.top1Error)) : undefined;
    return [
      r.init, r.act, last ? last.trainLoss.toFixed(4) : '—', last ? last.valLoss.toFixed(4) : '—',
      percent(last?.top1Error), percent(last?.top5Error), percent(best), `${r.seconds.toFixed(0)} s`,
      r.failure ? `stopped: ${r.failure}` : sparkline(r.epochs.map((e) => e.top1Error)),
    ];
  });
}

export function compareTable(runs: CompareRun[]): string {
  const lines = [COMPARE_HEADER, COMPARE_HEADER.map(() => '---'), ...compareRows(runs)].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n') + '\n';
}

/**
 * `<dir>/.cnn-runs/compare-<file name without .cnn>-<time>.md`, beside the run folders; `-2`, `-3`…
 * when two comparisons of a small network end within the same second, as run folders do.
 */
export function compareReportPath(dir: string, file: string, when = new Date(), exists: (path: string) => boolean = existsSync): string {
  const stamp = when.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const base = join(dir, '.cnn-runs', `compare-${basename(file, '.cnn')}-${stamp}`);
  let path = `${base}.md`;
  for (let n = 2; exists(path); n++) path = `${base}-${n}.md`;
  return path;
}

/** The report's Markdown: the table and where each run's folder is. */
export function compareReport(file: string, runs: CompareRun[]): string {
  return `# ${basename(file)}: initialisations and activations compared\n\n${compareTable(runs)}\nRun folders:\n${runs.map((r) => `- init=${r.init} act=${r.act}: ${r.runDir ?? 'none'}`).join('\n')}\n`;
}
