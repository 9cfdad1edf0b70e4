/**
 * `cnn compare FILE`: He et al. 2015's comparison on the user's own network. The same network,
 * data and seed, trained with each initialisation (AlexNet's gaussian(0.01), Xavier, He) and each
 * activation (ReLU, PReLU); a table of final errors and each run's error curve side by side.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { COMPARE_INITS, compareReport, compareReportPath, compareTable, type CompareRun } from './compareReport';
import { analyzeText } from './language/analyze';
import { formatCheckLine } from './language/checkReport';
import { variantText } from './language/variants';
import type { Network } from './language/network';
import { train, isTrainingError } from '../../runner/src/train';
import type { BackendChoice, JobSettings } from '../../runner/src/settings';

export { compareTable, sparkline, type CompareRun } from './compareReport';

export const COMPARE_USAGE = `usage: cnn compare FILE [--inits gaussian,xavier,he] [--acts relu,prelu] [--epochs N] [--samples N]
                        [--batch N] [--lr X] [--seed N] [--backend auto|webgpu|reference] [--json]`;

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

export function parseCompareArgs(args: string[]): CompareOptions {
  const options: CompareOptions = { inits: ['gaussian', 'xavier', 'he'], acts: ['relu', 'prelu'], json: false, job: {} };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = () => args[++i];
    switch (flag) {
      case '--inits': options.inits = list(value(), Object.keys(INITS), flag); break;
      case '--acts': options.acts = list(value(), ACTS, flag); break;
      case '--epochs': options.job.epochs = positive(value(), flag, true); break;
      case '--samples': options.job.trainSamples = positive(value(), flag, true); break;
      case '--batch': options.job.batch = positive(value(), flag, true); break;
      case '--lr': options.job.lr = positive(value(), flag, false); break;
      case '--seed': options.job.seed = seed(value()); break;
      case '--backend': {
        const backend = value();
        if (!['auto', 'webgpu', 'reference'].includes(backend)) throw new Error(`--backend must be auto, webgpu or reference, got ${JSON.stringify(backend ?? '')}`);
        options.job.backend = backend as BackendChoice;
        break;
      }
      case '--json': options.json = true; break;
      default: throw new Error(`unknown option ${JSON.stringify(flag)}`);
    }
  }
  return options;
}

const percent = (v: number | undefined) => (v === undefined ? '—' : `${(100 * v).toFixed(1)}%`);

export async function compareCommand(file: string, args: string[], io: Io): Promise<number> {
  let options: CompareOptions;
  try {
    options = parseCompareArgs(args);
  } catch (error) {
    io.stderr.write(`cnn compare: ${(error as Error).message}\n${COMPARE_USAGE}\n`);
    return 2;
  }
  const text = io.readFile(file);
  const runDir = dirname(resolve(file));
  const runs: CompareRun[] = [];
  const line = (o: object) => io.stdout.write(JSON.stringify(o) + '\n');
  for (const act of options.acts) {
    for (const init of options.inits) {
      const analysis = analyzeText(variantText(text, { init: INITS[init], act }));
      const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) {
        for (const d of errors) io.stderr.write(formatCheckLine(file, d) + '\n');
        io.stderr.write(`cnn compare: not training ${file}: fix the errors above first\n`);
        return 1;
      }
      const run: CompareRun = { init, act, epochs: [], seconds: 0 };
      runs.push(run);
      const started = performance.now();
      if (!options.json) io.stdout.write(`init=${init} act=${act}: `);
      try {
        const result = await train(analysis.network as Network, { ...options.job, runDir, dataDir: runDir }, {
          onEpoch: (e) => {
            run.epochs.push(e);
            if (options.json) line({ type: 'epoch', init, act, ...e });
            else io.stdout.write(`${e.epoch}:${percent(e.top1Error)} `);
          },
        });
        run.runDir = result.runDir;
      } catch (error) {
        if (!isTrainingError(error)) throw error;
        run.failure = error.message;
      }
      run.seconds = (performance.now() - started) / 1000;
      if (options.json) line({ type: 'run', init, act, runDir: run.runDir, failure: run.failure, seconds: run.seconds });
      else io.stdout.write(run.failure ? `stopped: ${run.failure}\n` : `(${run.seconds.toFixed(0)} s)\n`);
    }
  }
  const table = compareTable(runs);
  const report = compareReportPath(runDir, file);
  mkdirSync(dirname(report), { recursive: true });
  writeFileSync(report, compareReport(file, runs));
  if (options.json) line({ type: 'summary', report, runs: runs.map(({ epochs, ...r }) => ({ ...r, final: epochs[epochs.length - 1] })) });
  else io.stdout.write(`\n${table}\nreport: ${report}\n`);
  return runs.every((r) => r.failure === undefined) ? 0 : 1;
}
