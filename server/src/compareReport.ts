/**
 * The table and Markdown report of a comparison, shared by `cnn compare` and the extension's "CNN:
 * Compare initialisations and activations": one file trained with each init and activation, or
 * (`cnn compare --variants`) whole files trained alike. Free of the runner and of VS Code, so the
 * extension host bundles it without the training code.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { EpochMetrics } from '../../runner/src/runFolder';

/** The inits He et al. 2015 compare, by short name, as written in a `defaults init=` value. */
export const COMPARE_INITS: Record<string, string> = { gaussian: 'gaussian(0.01)', xavier: 'xavier', he: 'he' };

export interface CompareRun {
  /** The grid's combination (`cnn compare FILE`); absent for a variant. */
  init?: string;
  act?: string;
  /** `cnn compare --variants`: the file the run trained, by name (without `.cnn`). */
  variant?: string;
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

const RESULT_HEADER = ['train loss', 'val loss', 'top-1 error', 'top-5 error', 'best top-1', 'time', 'top-1 error by epoch'];
export const COMPARE_HEADER = ['init', 'activation', ...RESULT_HEADER];
/** The header of a `--variants` comparison: the file's name where the grid has init and activation. */
export const VARIANTS_HEADER = ['network', ...RESULT_HEADER];

const isVariants = (runs: CompareRun[]) => runs.length > 0 && runs.every((r) => r.variant !== undefined);

/** COMPARE_HEADER, or VARIANTS_HEADER when every run is a variant. */
export function compareHeader(runs: CompareRun[]): string[] {
  return isVariants(runs) ? VARIANTS_HEADER : COMPARE_HEADER;
}

/** One row of cells per run, in compareHeader's order: what the table prints and the view shows. */
export function compareRows(runs: CompareRun[]): string[][] {
  const variants = isVariants(runs);
  return runs.map((r) => {
    const last = r.epochs[r.epochs.length - 1];
    const best = r.epochs.length ? r.epochs.reduce((m, e) => Math.min(m, e.top1Error), Infinity) : undefined;
    return [
      ...(variants ? [r.variant!] : [r.init ?? '—', r.act ?? '—']), last ? last.trainLoss.toFixed(4) : '—', last ? last.valLoss.toFixed(4) : '—',
      percent(last?.top1Error), percent(last?.top5Error), percent(best), `${r.seconds.toFixed(0)} s`,
      r.failure ? `stopped: ${r.failure}` : sparkline(r.epochs.map((e) => e.top1Error)),
    ];
  });
}

export function compareTable(runs: CompareRun[]): string {
  const header = compareHeader(runs);
  const lines = [header, header.map(() => '---'), ...compareRows(runs)].map((cells) => `| ${cells.join(' | ')} |`);
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
  const label = (r: CompareRun) => (r.variant !== undefined ? r.variant : `init=${r.init} act=${r.act}`);
  return `# ${basename(file)}: initialisations and activations compared\n\n${compareTable(runs)}\nRun folders:\n${runs.map((r) => `- ${label(r)}: ${r.runDir ?? 'none'}`).join('\n')}\n`;
}

/** The report of a `--variants` comparison: the files, the table, the run folders. */
export function variantsReport(files: string[], runs: CompareRun[]): string {
  return `# ${files.map((f) => basename(f)).join(', ')}: networks compared\n\nEach trained with the same seed and settings.\n\n${compareTable(runs)}\nRun folders:\n${runs.map((r) => `- ${r.variant}: ${r.runDir ?? 'none'}`).join('\n')}\n`;
}
