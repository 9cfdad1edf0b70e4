/**
 * The table and Markdown report of a comparison, shared by `cnn compare` and the extension's "CNN:
 * Compare initialisations and activations": one file trained with each init and activation, or
 * (`cnn compare --variants`) whole files trained alike. Free of the runner and of VS Code, so the
 * extension host bundles it without the training code.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Network } from './language/network';
import { compareCells, RESOLVED_RULE, resolutionText, verdicts, type CompareCell, type SeedRun, type Spread } from './compareStats';

export { DEFAULT_SEEDS, seedList, type SeedRun } from './compareStats';

/** The inits He et al. 2015 compare, by short name, as written in a `defaults init=` value. */
export const COMPARE_INITS: Record<string, string> = { gaussian: 'gaussian(0.01)', xavier: 'xavier', he: 'he' };

export type CompareRun = SeedRun;

const percent = (v: number | undefined) => (v === undefined ? '—' : `${(100 * v).toFixed(1)}%`);
const BARS = '▁▂▃▄▅▆▇█';

/** An error curve in one line: 100% error is the tallest bar. */
export function sparkline(values: number[]): string {
  return values.map((v) => BARS[Math.max(0, Math.min(BARS.length - 1, Math.round(v * (BARS.length - 1))))]).join('');
}

/** What a table needs besides the runs. */
export interface TableOptions {
  /** The network's classes: top-5 columns only where there are more than 5 (with 5 or fewer, top-5 error is always 0). */
  classes?: number;
  /** Seeds planned per cell: the seeds column says "2 of 3" while some are missing. */
  seeds?: number;
}

const withTop5 = (o: TableOptions) => (o.classes ?? 0) > 5;

function resultHeader(o: TableOptions): string[] {
  return ['seeds', 'top-1 error', '± std', 'min–max', 'best top-1', 'val loss', 'train loss', ...(withTop5(o) ? ['top-5 error', 'top-5 ± std'] : []), 'time/run', 'top-1 error by epoch'];
}

/** The header of a grid comparison: init and activation, then the results across seeds. */
export function compareHeaderFor(o: TableOptions = {}): string[] {
  return ['init', 'activation', ...resultHeader(o)];
}
export const COMPARE_HEADER = compareHeaderFor();
/** The header of a `--variants` comparison: the file's name where the grid has init and activation. */
export const VARIANTS_HEADER = ['network', ...resultHeader({})];

const isVariants = (runs: CompareRun[]) => runs.length > 0 && runs.every((r) => r.variant !== undefined);

/** The grid's header, or the variants' when every run is a variant. */
export function compareHeader(runs: CompareRun[], o: TableOptions = {}): string[] {
  return isVariants(runs) ? ['network', ...resultHeader(o)] : compareHeaderFor(o);
}

const mean = (s: Spread | undefined, f: (v: number) => string) => (s ? f(s.mean) : '—');
const std = (s: Spread | undefined) => (s && s.n > 1 ? `± ${(100 * s.std).toFixed(1)}` : '—');
const minMax = (s: Spread | undefined) => (s ? `${(100 * s.min).toFixed(1)}–${(100 * s.max).toFixed(1)}%` : '—');
const loss = (v: number) => v.toFixed(4);

/** The last column: the mean top-1 curve, and which runs stopped early and why. */
function curveCell(cell: CompareCell): string {
  const line = sparkline(cell.curve.map((p) => p.mean));
  const stopped = cell.runs.filter((r) => r.failure !== undefined);
  if (!stopped.length) return line;
  const reasons = [...new Set(stopped.map((r) => r.failure))].join('; ');
  const what = stopped.length === cell.runs.length ? `stopped: ${reasons}` : `${stopped.length} of ${cell.runs.length} stopped: ${reasons}`;
  return line ? `${line} (${what})` : what;
}

/** One row of cells per combination (or file), in compareHeader's order: what the table prints and the view shows. */
export function compareRows(runs: CompareRun[], o: TableOptions = {}): string[][] {
  const variants = isVariants(runs);
  return compareCells(runs).map((c) => {
    const planned = Math.max(o.seeds ?? 0, c.runs.length);
    return [
      ...(variants ? [c.variant!] : [c.init ?? '—', c.act ?? '—']),
      c.counted.length === planned ? String(planned) : `${c.counted.length} of ${planned}`,
      mean(c.top1, percent), std(c.top1), minMax(c.top1), mean(c.best, percent),
      mean(c.valLoss, loss), mean(c.trainLoss, loss),
      ...(withTop5(o) ? [mean(c.top5, percent), std(c.top5)] : []),
      c.seconds ? `${c.seconds.mean.toFixed(0)} s` : '—',
      curveCell(c),
    ];
  });
}

export function compareTable(runs: CompareRun[], o: TableOptions = {}): string {
  const header = compareHeader(runs, o);
  const lines = [header, header.map(() => '---'), ...compareRows(runs, o)].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n') + '\n';
}

/** Every run on its own row: the per-seed numbers behind the table, and where each run's folder is. */
export function runsTable(runs: CompareRun[], o: TableOptions = {}): string {
  const variants = isVariants(runs);
  const header = [...(variants ? ['network'] : ['init', 'activation']), 'seed', 'top-1 error', 'best top-1', 'val loss', 'train loss', ...(withTop5(o) ? ['top-5 error'] : []), 'time', 'top-1 error by epoch', 'run folder'];
  const rows = runs.map((r) => {
    const end = r.epochs[r.epochs.length - 1];
    const best = r.epochs.length ? Math.min(...r.epochs.map((e) => e.top1Error)) : undefined;
    return [
      ...(variants ? [r.variant!] : [r.init ?? '—', r.act ?? '—']), r.seed === undefined ? '—' : String(r.seed),
      percent(end?.top1Error), percent(best), end ? loss(end.valLoss) : '—', end ? loss(end.trainLoss) : '—',
      ...(withTop5(o) ? [percent(end?.top5Error)] : []), `${r.seconds.toFixed(0)} s`,
      [r.epochs.map((e) => (100 * e.top1Error).toFixed(1)).join(', '), r.failure ? `stopped: ${r.failure}` : ''].filter(Boolean).join('; ') || '—',
      r.runDir ?? 'none',
    ];
  });
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n') + '\n';
}

/** The sentences of what holds, one per comparison, from the runs alone. */
export function conclusions(runs: CompareRun[], valSamples: number | undefined): string[] {
  return verdicts(compareCells(runs), valSamples ? 1 / valSamples : 0).map((v) => v.sentence);
}

/** How many classes the network's output has (its last layer's units or channels). */
export function networkClasses(network: Network): number | undefined {
  const last = network.layers[network.layers.length - 1] as { count?: number; output?: number[] } | undefined;
  if (!last) return undefined;
  if (typeof last.count === 'number') return last.count;
  const out = last.output;
  return out ? (out.length === 3 ? out[2] : out[0]) : undefined;
}

/**
 * The validation images a comparison evaluates on: for the synthetic `shapes` data at least 1,024
 * (the runner's own default is trainSamples/8, steps of 0.78% at 1,024 training images, too coarse
 * for the differences a comparison claims), unless that many images of this input would take more
 * than 256 MB; undefined for a folder dataset, whose validation images are the folder's.
 */
export function compareValSamples(network: Network, trainSamples: number): number | undefined {
  if ((network.train?.dataset?.kind ?? 'shapes') !== 'shapes') return undefined;
  const inputSize = (network.input ?? [1]).reduce((a, b) => a * b, 1);
  const wanted = Math.max(MIN_COMPARE_VAL_SAMPLES, Math.round(trainSamples / 8));
  const fits = Math.floor((256 * 2 ** 20) / (4 * inputSize));
  return Math.max(64, Math.min(wanted, fits));
}
export const MIN_COMPARE_VAL_SAMPLES = 1024;

/** What a report says about how the runs were made. */
export interface ReportContext extends TableOptions {
  /** The seeds every cell trained with. */
  seedList?: number[];
  valSamples?: number;
  trainSamples?: number;
  epochs?: number;
}

function reportBody(runs: CompareRun[], c: ReportContext): string {
  const seeds = c.seedList ?? [...new Set(runs.map((r) => r.seed).filter((s): s is number => s !== undefined))];
  const how = [
    seeds.length ? `${seeds.length} seed${seeds.length === 1 ? '' : 's'} per ${isVariants(runs) ? 'network' : 'combination'} (${seeds.join(', ')})` : undefined,
    c.epochs ? `${c.epochs} epoch${c.epochs === 1 ? '' : 's'}` : undefined,
    c.trainSamples ? `${c.trainSamples.toLocaleString('en-US')} training images per epoch` : undefined,
    c.valSamples ? `${c.valSamples.toLocaleString('en-US')} validation images` : undefined,
  ].filter(Boolean).join(', ');
  const cells = compareCells(runs);
  return [
    `${how ? `${how[0].toUpperCase()}${how.slice(1)}. ` : ''}The table gives each cell's final top-1 error as the mean across seeds, the sample standard deviation and the range (min–max); the curve is the mean per epoch.\n`,
    compareTable(runs, { ...c, seeds: c.seeds ?? seeds.length }),
    `Resolution: ${resolutionText(cells, c.valSamples)}\n`,
    '## What holds\n',
    `${RESOLVED_RULE}\n`,
    conclusions(runs, c.valSamples).map((s) => `- ${s}`).join('\n') + '\n',
    '## Every run\n',
    runsTable(runs, c),
  ].join('\n');
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

/** The report's Markdown: the table across seeds, the resolution, what holds, and every run with its folder. */
export function compareReport(file: string, runs: CompareRun[], c: ReportContext = {}): string {
  return `# ${basename(file)}: initialisations and activations compared\n\n${reportBody(runs, c)}`;
}

/** The report of a `--variants` comparison: the files, then as compareReport. */
export function variantsReport(files: string[], runs: CompareRun[], c: ReportContext = {}): string {
  return `# ${files.map((f) => basename(f)).join(', ')}: networks compared\n\nEach trained with the same seeds and settings.\n\n${reportBody(runs, c)}`;
}
