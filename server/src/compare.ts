/**
 * `cnn compare FILE`: He et al. 2015's comparison on the user's own network. The same network,
 * data and seeds, trained with each initialisation (AlexNet's gaussian(0.01), Xavier, He) and each
 * activation (ReLU, PReLU), each combination once per seed (`--seeds N`, 3 by default); a table of
 * the final errors across seeds (mean, ± std, min–max), the mean error curve, and one sentence per
 * comparison saying whether the difference is resolved (compareStats.ts).
 * `cnn compare --variants A.cnn,B.cnn`: whole files (a plain network and its residual twin, He et
 * al. 2016) trained with the same data, seeds and settings, one row each.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { COMPARE_INITS, compareReport, compareReportPath, compareTable, compareValSamples, conclusions, networkClasses, variantsReport, type CompareRun, type ReportContext } from './compareReport';
import { compareCells, DEFAULT_SEEDS, seedList } from './compareStats';
import { analyzeText } from './language/analyze';
import { formatCheckLine } from './language/checkReport';
import { variantText } from './language/variants';
import type { Network } from './language/network';
import { train, isTrainingError } from '../../runner/src/train';
import { onInterrupt } from '../../runner/src/interrupt';
import { defaultTrainSamples, type BackendChoice, type JobSettings } from '../../runner/src/settings';
import { NUMBER_SETTINGS } from './language/trainSchema';

export { compareTable, sparkline, type CompareRun } from './compareReport';

export const COMPARE_USAGE = `usage: cnn compare FILE [--inits gaussian,xavier,he] [--acts relu,prelu] [--seeds N] [--epochs N] [--samples N]
                        [--val-samples N] [--batch N] [--lr X] [--seed N] [--backend auto|webgpu|cpu|reference] [--json]
       cnn compare --variants A.cnn,B.cnn[,...] [--seeds N] [--epochs N] [--samples N] [--val-samples N] [--batch N]
                        [--lr X] [--seed N] [--backend auto|webgpu|cpu|reference] [--json]
  --seeds N        train every cell N times (default ${DEFAULT_SEEDS}), with seeds --seed, --seed+1, ... (--seed
                   defaults to the file's train seed=)
  --val-samples N  validation images of the shapes data (default: at least 1,024)`;

const INITS = COMPARE_INITS;
const ACTS = ['relu', 'prelu', 'prelu-shared', 'leakyrelu', 'tanh', 'sigmoid'];

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  readFile(path: string): string;
}

export interface CompareOptions {
  inits: string[];
  acts: string[];
  /** `--variants`: the files to compare, in the order given; the grid of inits and acts is then unused. */
  variants?: string[];
  /** Runs per cell, each with its own seed. */
  seeds: number;
  json: boolean;
  job: JobSettings;
}

function list(value: string | undefined, allowed: string[], flag: string): string[] {
  const items = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.find((i) => !allowed.includes(i));
  if (!items.length || bad) throw new Error(`${flag} takes a comma-separated list of ${allowed.join(', ')}${bad ? `; '${bad}' is not one` : ''}`);
  return items;
}

function positive(value: string | undefined, flag: string, integer: boolean): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`${flag} needs ${integer ? 'a whole number' : 'a number'} greater than 0, got ${JSON.stringify(value ?? '')}`);
  }
  return n;
}

function seed(value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isSafeInteger(n) || n < 0) throw new Error(`--seed needs a whole number of at least 0, got ${JSON.stringify(value ?? '')}`);
  return n;
}

function files(value: string | undefined): string[] {
  const items = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length < 2) throw new Error(`--variants takes two or more .cnn files separated by commas, got ${JSON.stringify(value ?? '')}`);
  const twice = items.find((f, i) => items.findIndex((g) => resolve(g) === resolve(f)) !== i);
  if (twice) throw new Error(`--variants lists ${twice} twice`);
  return items;
}

export function parseCompareArgs(args: string[]): CompareOptions {
  const options: CompareOptions = { inits: ['gaussian', 'xavier', 'he'], acts: ['relu', 'prelu'], seeds: DEFAULT_SEEDS, json: false, job: {} };
  const grid: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = () => args[++i];
    switch (flag) {
      case '--inits': options.inits = list(value(), Object.keys(INITS), flag); grid.push(flag); break;
      case '--acts': options.acts = list(value(), ACTS, flag); grid.push(flag); break;
      case '--variants': options.variants = files(value()); break;
      case '--epochs': options.job.epochs = positive(value(), flag, true); break;
      case '--samples': options.job.trainSamples = positive(value(), flag, true); break;
      case '--val-samples': options.job.valSamples = positive(value(), flag, true); break;
      case '--seeds': options.seeds = positive(value(), flag, true); break;
      case '--batch': options.job.batch = positive(value(), flag, true); break;
      case '--lr': options.job.lr = positive(value(), flag, false); break;
      case '--seed': options.job.seed = seed(value()); break;
      case '--backend': {
        const backend = value();
        // pytorch trains through train.py (cnn train), not this process's training loop.
        if (!['auto', 'webgpu', 'cpu', 'reference'].includes(backend)) throw new Error(`--backend must be auto, webgpu, cpu or reference, got ${JSON.stringify(backend ?? '')}`);
        options.job.backend = backend as BackendChoice;
        break;
      }
      case '--json': options.json = true; break;
      default: throw new Error(`unknown option ${JSON.stringify(flag)}`);
    }
  }
  if (options.variants && grid.length) {
    throw new Error(`--variants compares whole files as they are written; ${grid.join(' and ')} belong to \`cnn compare FILE\`, which varies one file`);
  }
  return options;
}

const percent = (v: number | undefined) => (v === undefined ? '—' : `${(100 * v).toFixed(1)}%`);

/** One run to train: what the JSON lines and the progress line call it, and the analysed network. */
interface Planned {
  run: CompareRun;
  /** The run's own fields in every JSON line: `{ init, act, seed }`, or `{ variant, seed }`. */
  label: Record<string, string | number>;
  network: Network;
}

/** One cell of the comparison before it is planned per seed. */
interface Cell {
  run: Omit<CompareRun, 'epochs' | 'seconds' | 'seed'>;
  label: Record<string, string>;
  network: Network;
}

/**
 * The seeds (from --seed, else the first network's train seed=) and the validation images (from
 * --val-samples, else at least 1,024 of the shapes data), then every cell once per seed: all cells
 * with the first seed, then all with the second, so an interrupted comparison has whole rounds.
 */
function plan(cells: Cell[], options: CompareOptions): { planned: Planned[]; seeds: number[]; job: JobSettings } {
  const network = cells[0].network;
  const inputSize = (network.input ?? [1]).reduce((a, b) => a * b, 1);
  const trainSamples = options.job.trainSamples ?? defaultTrainSamples(inputSize);
  const job: JobSettings = { ...options.job, valSamples: options.job.valSamples ?? compareValSamples(network, trainSamples) };
  const seeds = seedList(options.job.seed ?? network.train?.seed ?? NUMBER_SETTINGS.seed.default, options.seeds);
  const planned = seeds.flatMap((seed) => cells.map((c) => ({ run: { ...c.run, seed, epochs: [], seconds: 0 }, label: { ...c.label, seed }, network: c.network })));
  return { planned, seeds, job };
}

/** Trains each planned run in turn with the same job settings and its own seed, writes the report, prints the table. */
async function trainAll(cells: Cell[], options: CompareOptions, dir: string, report: { name: string; markdown: (runs: CompareRun[], context: ReportContext) => string }, io: Io): Promise<number> {
  const line = (o: object) => io.stdout.write(JSON.stringify(o) + '\n');
  const { planned, seeds, job } = plan(cells, options);
  const runs = planned.map((p) => p.run);
  const context: ReportContext = { seedList: seeds, seeds: seeds.length, classes: networkClasses(cells[0].network), valSamples: job.valSamples };
  // Ctrl+C stops the run in progress at its next step (its weights saved, its folder marked
  // interrupted), skips the rest, and still writes the report of what was trained.
  const interrupt = onInterrupt(io.stderr, 'cnn compare');
  for (const { run, label, network } of planned) {
    if (interrupt.requested()) {
      run.failure = 'not trained: interrupted (Ctrl+C)';
      if (options.json) line({ type: 'run', ...label, runDir: run.runDir, failure: run.failure, seconds: run.seconds });
      continue;
    }
    const started = performance.now();
    if (!options.json) io.stdout.write(`${Object.entries(label).map(([k, v]) => (k === 'variant' ? v : `${k}=${v}`)).join(' ')}: `);
    try {
      const result = await train(network, { ...job, seed: run.seed, runDir: dir, dataDir: dir }, {
        onStarted: (s) => {
          context.epochs ??= s.settings.epochs;
          context.trainSamples ??= s.settings.trainSamples;
          if (s.settings.dataset.kind !== 'shapes') context.valSamples = undefined;
        },
        shouldStop: interrupt.shouldStop,
        onEpoch: (e) => {
          run.epochs.push(e);
          if (options.json) line({ type: 'epoch', ...label, ...e });
          else io.stdout.write(`${e.epoch}:${percent(e.top1Error)} `);
        },
      });
      run.runDir = result.runDir;
      if (result.cancelled) run.failure = `interrupted (Ctrl+C) after ${result.epochs.length} epoch(s); the weights so far are in the run folder`;
    } catch (error) {
      if (!isTrainingError(error)) throw error;
      run.failure = error.message;
    }
    run.seconds = (performance.now() - started) / 1000;
    if (options.json) line({ type: 'run', ...label, runDir: run.runDir, failure: run.failure, seconds: run.seconds });
    else io.stdout.write(run.failure ? `stopped: ${run.failure}\n` : `(${run.seconds.toFixed(0)} s)\n`);
  }
  interrupt.dispose();
  const table = compareTable(runs, context);
  const said = conclusions(runs, context.valSamples);
  const path = compareReportPath(dir, report.name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, report.markdown(runs, context));
  if (options.json) {
    line({
      type: 'summary', report: path, seeds, valSamples: context.valSamples,
      runs: runs.map(({ epochs, ...r }) => ({ ...r, final: epochs[epochs.length - 1] })),
      cells: compareCells(runs).map(({ runs: _runs, counted, curve, ...c }) => ({ ...c, seeds: counted.map((r) => r.seed), curve })),
      conclusions: said,
    });
  } else io.stdout.write(`\n${table}\n${said.join('\n')}\n\nreport: ${path}\n`);
  return runs.every((r) => r.failure === undefined) ? 0 : 1;
}

function refuseErrors(file: string, analysis: ReturnType<typeof analyzeText>, io: Io): boolean {
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (!errors.length) return false;
  for (const d of errors) io.stderr.write(formatCheckLine(file, d) + '\n');
  io.stderr.write(`cnn compare: not training ${file}: fix the errors above first\n`);
  return true;
}

export async function compareCommand(file: string, args: string[], io: Io): Promise<number> {
  let options: CompareOptions;
  try {
    options = parseCompareArgs(args);
    if (options.variants) throw new Error('--variants names the files to compare: cnn compare --variants A.cnn,B.cnn, without a FILE before it');
  } catch (error) {
    io.stderr.write(`cnn compare: ${(error as Error).message}\n${COMPARE_USAGE}\n`);
    return 2;
  }
  const text = io.readFile(file);
  const cells: Cell[] = [];
  for (const act of options.acts) {
    for (const init of options.inits) {
      const analysis = analyzeText(variantText(text, { init: INITS[init], act }));
      if (refuseErrors(file, analysis, io)) return 1;
      cells.push({ run: { init, act }, label: { init, act }, network: analysis.network as Network });
    }
  }
  return trainAll(cells, options, dirname(resolve(file)), { name: file, markdown: (runs, context) => compareReport(file, runs, context) }, io);
}

/**
 * The name of each file in the table: its name without `.cnn`, or the path as given where two
 * files in different folders share a name.
 */
export function variantNames(files: string[]): string[] {
  const names = files.map((f) => basename(f, '.cnn'));
  return names.map((n, i) => (names.indexOf(n) === names.lastIndexOf(n) ? n : files[i]));
}

/**
 * `cnn compare --variants A.cnn,B.cnn[,...]`: each file trained with the same seeds and settings:
 * the first file's `train` statement, overridden by the flags, for every file (a note on stderr
 * names any file whose own `train` statement differs). Every file is checked before any training.
 * Run folders and the report go beside the first file; a `folder(PATH)` dataset is relative to it.
 */
export async function compareVariantsCommand(args: string[], io: Io): Promise<number> {
  let options: CompareOptions;
  try {
    options = parseCompareArgs(args);
    if (!options.variants) throw new Error('--variants A.cnn,B.cnn is missing');
  } catch (error) {
    io.stderr.write(`cnn compare: ${(error as Error).message}\n${COMPARE_USAGE}\n`);
    return 2;
  }
  const files = options.variants;
  const names = variantNames(files);
  const analyses = files.map((f) => analyzeText(io.readFile(f)));
  let refused = false;
  analyses.forEach((a, i) => (refused = refuseErrors(files[i], a, io) || refused));
  if (refused) return 1;
  const settings = analyses[0].network.train;
  analyses.forEach((a, i) => {
    if (i > 0 && JSON.stringify(a.network.train ?? {}) !== JSON.stringify(settings ?? {})) {
      io.stderr.write(`cnn compare: ${files[i]}'s train statement differs from ${files[0]}'s; every variant trains with ${files[0]}'s settings and the flags\n`);
    }
  });
  const cells: Cell[] = analyses.map((a, i) => {
    const network = { ...(a.network as Network), train: settings };
    return { run: { variant: names[i] }, label: { variant: names[i] }, network };
  });
  const reportName = `${names.map((n) => basename(n, '.cnn')).join('-vs-')}.cnn`;
  return trainAll(cells, options, dirname(resolve(files[0])), { name: reportName, markdown: (runs, context) => variantsReport(files, runs, context) }, io);
}
