/**
 * The `cnn` command line: the editor's numbers outside the editor. A thin layer over the
 * language library; exit codes: 0 no error, 1 an error in a file, 2 usage or I/O.
 */
import { readFileSync } from 'node:fs';
import { analyzeText, type Analysis } from './language/analyze';
import type { Network } from './language/network';
import { renderTable, TABLE_FORMATS, type TableFormat } from './language/table';
import { formatCheckLine } from './language/checkReport';
import { resumeCommand, TRAIN_HELP, trainCommand } from '../../runner/src/trainCommand';
import { PREDICT_HELP, predictCommand } from '../../runner/src/predictCommand';
import { EXPORT_HELP, exportCommand } from '../../runner/src/export/exportCommand';
import { COMPARE_USAGE, compareCommand, compareVariantsCommand } from './compare';
import { batchOption, DIFF_HELP, diffCommand } from './diffCommand';
import { hostMemoryLimit } from '../../runner/src/memory';
import { IMPORT_HELP, importCommand } from './importCommand';

const USAGE = `Usage:
  cnn table FILE [--format text|markdown|csv|json] [--depth N] [--batch N]
                                                   the layer table (the seed's spreadsheet) with totals;
                                                   --depth N shows block instances nested deeper than N
                                                   as one row each (json is always the whole Network);
                                                   --batch N adds each layer's training memory at batch N
  cnn diff A.cnn B.cnn [--format text|markdown|json] [--batch N]
                                                   the layers added, removed and changed, with their deltas
  cnn check FILE... [--warnings-as-errors]          diagnostics as FILE:LINE:COL: SEVERITY: MESSAGE [CODE]
  cnn train FILE [--epochs N --batch N --lr X --backend auto|webgpu|cpu|reference|pytorch --json ...]
                                                   train the network on the file's dataset (see cnn train --help)
  cnn train --resume RUN_DIR [--epochs N]          continue a stopped run exactly from its checkpoint
  cnn predict FILE [--weights RUN_DIR] IMAGE...     the top-5 classes of PNG or JPEG images, with a run's weights
  cnn export FILE --to onnx|pytorch [--weights RUN_DIR] [-o OUT]
                                                   the network with a run's (or fresh) weights as an ONNX model, or as
                                                   PyTorch's model.py and train.py (one process or torchrun)
  cnn compare FILE [--inits gaussian,xavier,he --acts relu,prelu --seeds N --epochs N --samples N ...]
                                                   train it with each init and activation, as He et al. 2015 compare them,
                                                   each N times (3 by default) with its own seed: mean, spread, what holds
  cnn compare --variants A.cnn,B.cnn[,...] [--seeds N --epochs N --samples N ...]
                                                   train each file with the same seeds and settings (plain20 against resnet20)
  cnn import MODEL.onnx|deploy.prototxt [-o NET.cnn]
                                                   write an ONNX model or a Caffe network as a .cnn file
  cnn COMMAND --help | cnn --help | --version

Exit codes: 0 no error, 1 a file has an error, 2 usage or I/O error.`;

/** Each command's `--help`. */
const HELP: Record<string, string> = {
  table: `usage: cnn table FILE [--format text|markdown|csv|json] [--depth N] [--batch N]

Prints the layer table of FILE: each layer's output shape, neurons and parameters, with totals
(trainable and non-trainable parameters, forward MACs, forward FLOPs, training FLOPs).
Diagnostics go to stderr (json carries them in the Network).

  --format F    text (default), markdown, csv, or json (the whole analysed Network)
  --depth N     show block instances nested deeper than N as one row each
  --batch N     add a column with each layer's training memory at batch N (the cpu
                backend's buffers: see docs/memory.md) and the total's breakdown
                (text, markdown and csv; json is always the Network)

Exit codes: 0 no error, 1 the file has an error, 2 usage or I/O error.`,
  check: `usage: cnn check FILE... [--warnings-as-errors]

Prints the diagnostics of each FILE as FILE:LINE:COL: SEVERITY: MESSAGE [CODE].

  --warnings-as-errors   exit 1 on a warning too

Exit codes: 0 no error, 1 a file has an error, 2 usage error or a file cannot be read.`,
  diff: DIFF_HELP,
  train: TRAIN_HELP,
  predict: PREDICT_HELP,
  import: IMPORT_HELP,
  export: EXPORT_HELP,
  compare: `${COMPARE_USAGE}

Trains FILE once per initialisation and activation (He et al. 2015's comparison), or each file
of --variants with the same seed and settings, and prints a table of their losses and errors.
The other options are cnn train's (see cnn train --help).`,
};

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  readFile(path: string): string;
}

class UsageError extends Error {}

function analyseFile(path: string, io: Io): Analysis {
  let text: string;
  try {
    text = io.readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new IoError(`cnn: cannot read ${path}: ${reason}`);
  }
  // The runner's own limit: a train statement whose batch would not fit gets its warning here too.
  return analyzeText(text, { memoryLimit: hostMemoryLimit() });
}

class IoError extends Error {}

function hasError(analysis: Analysis): boolean {
  return analysis.diagnostics.some((d) => d.severity === 'error');
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
  args.splice(at, 2);
  return value;
}

function table(args: string[], io: Io): number {
  const format = (option(args, '--format') ?? 'text') as TableFormat;
  if (!TABLE_FORMATS.includes(format)) throw new UsageError(`unknown format '${format}' (text, markdown, csv, json)`);
  const depthText = option(args, '--depth');
  if (depthText !== undefined && !/^\d+$/.test(depthText)) throw new UsageError(`--depth takes a whole number, not '${depthText}'`);
  const depth = depthText === undefined ? undefined : Number(depthText);
  const batch = rangeChecked(() => batchOption(option(args, '--batch')));
  const unknown = args.find((a) => a.startsWith('--'));
  if (unknown) throw new UsageError(`unknown option ${unknown}`);
  if (args.length !== 1) throw new UsageError('cnn table takes one FILE');
  const analysis = analyseFile(args[0], io);
  io.stdout.write(renderTable(analysis.network, format, { depth, batch }));
  // JSON carries its diagnostics; the other formats say them on stderr so a pipe gets a clean table.
  if (format !== 'json') {
    for (const d of analysis.diagnostics) io.stderr.write(formatCheckLine(args[0], d) + '\n');
  }
  return hasError(analysis) ? 1 : 0;
}

function rangeChecked<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

function diff(args: string[], io: Io): number {
  const format = option(args, '--format') ?? 'text';
  const batch = rangeChecked(() => batchOption(option(args, '--batch')));
  const unknown = args.find((a) => a.startsWith('--'));
  if (unknown) throw new UsageError(`unknown option ${unknown}`);
  if (args.length !== 2) throw new UsageError('cnn diff takes two FILEs: cnn diff A.cnn B.cnn');
  return rangeChecked(() => diffCommand([args[0], args[1]], format, batch, (file) => analyseFile(file, io), io));
}

function check(args: string[], io: Io): number {
  const strict = args.includes('--warnings-as-errors');
  const files = args.filter((a) => a !== '--warnings-as-errors');
  const unknown = files.find((a) => a.startsWith('--'));
  if (unknown) throw new UsageError(`unknown option ${unknown}`);
  if (files.length === 0) throw new UsageError('cnn check needs at least one FILE');
  let failed = false;
  let unreadable = false;
  for (const file of files) {
    let analysis: Analysis;
    try {
      analysis = analyseFile(file, io);
    } catch (error) {
      if (!(error instanceof IoError)) throw error;
      io.stderr.write(error.message + '\n');
      unreadable = true;
      continue;
    }
    for (const d of analysis.diagnostics) io.stdout.write(formatCheckLine(file, d) + '\n');
    if (hasError(analysis) || (strict && analysis.diagnostics.some((d) => d.severity === 'warning'))) failed = true;
  }
  if (unreadable) return 2;
  return failed ? 1 : 0;
}

/**
 * FILE's analysed network for a command that runs it; with errors, they are printed as `cnn check`
 * prints them, with why nothing ran (`cnn: <refusal> FILE: fix ...`), and the exit code 1 comes back.
 */
function runnableNetwork(file: string, io: Io, refusal: string): Network | number {
  const analysis = analyseFile(file, io);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return analysis.network;
  for (const d of errors) io.stderr.write(formatCheckLine(file, d) + '\n');
  io.stderr.write(`cnn: ${refusal} ${file}: fix the ${errors.length === 1 ? 'error' : `${errors.length} errors`} above first\n`);
  return 1;
}

async function predict(args: string[], io: Io): Promise<number> {
  const [file, ...rest] = args;
  if (!file || file.startsWith('--')) throw new UsageError('cnn predict needs a FILE first: cnn predict FILE [--weights RUN_DIR] IMAGE...');
  const network = runnableNetwork(file, io, 'cannot predict with');
  return typeof network === 'number' ? network : predictCommand(network, file, rest, io);
}

async function exportNetwork(args: string[], io: Io): Promise<number> {
  const [file, ...rest] = args;
  if (!file || file.startsWith('-')) throw new UsageError('cnn export needs a FILE first: cnn export FILE --to onnx [-o OUT]');
  const network = runnableNetwork(file, io, 'cannot export');
  return typeof network === 'number' ? network : exportCommand(network, file, rest, io);
}

async function train(args: string[], io: Io): Promise<number> {
  if (args[0] === '--resume' || args[0]?.startsWith('--resume=')) return resumeCommand(args, io);
  const [file, ...rest] = args;
  if (!file || file.startsWith('--')) throw new UsageError('cnn train needs a FILE first: cnn train FILE [options]');
  const network = runnableNetwork(file, io, 'not training');
  return typeof network === 'number' ? network : trainCommand(network, rest, file, io);
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...args] = argv;
  if (command !== undefined && command in HELP && (args.includes('--help') || args.includes('-h'))) {
    io.stdout.write(HELP[command] + '\n');
    return 0;
  }
  if ((command === 'help' || command === '--help' || command === '-h') && args[0] !== undefined && args[0] in HELP) {
    io.stdout.write(HELP[args[0]] + '\n');
    return 0;
  }
  try {
    switch (command) {
      case 'table':
        return table(args, io);
      case 'check':
        return check(args, io);
      case 'diff':
        return diff(args, io);
      case 'train':
        return await train(args, io);
      case 'predict':
        return await predict(args, io);
      case 'export':
        return await exportNetwork(args, io);
      case 'import':
        return importCommand(args, io, (message) => {
          throw new UsageError(message);
        });
      case 'compare': {
        const variants = args.indexOf('--variants');
        if (variants >= 0) {
          const positional = args.find((a, i) => !a.startsWith('--') && i !== variants + 1 && !args[i - 1]?.startsWith('--'));
          if (positional) throw new UsageError(`cnn compare --variants takes its files in the list, not ${positional}: cnn compare --variants A.cnn,B.cnn`);
          const list = args[variants + 1] ?? '';
          // Says "cannot read" the same way as the other commands; a missing list is compare's usage error.
          if (!list.startsWith('--')) for (const file of list.split(',').map((f) => f.trim()).filter(Boolean)) analyseFile(file, io);
          return await compareVariantsCommand(args, io);
        }
        const [file, ...rest] = args;
        if (!file || file.startsWith('--')) throw new UsageError('cnn compare needs a FILE first: cnn compare FILE [options]');
        analyseFile(file, io); // says "cannot read" the same way as the other commands
        return await compareCommand(file, rest, io);
      }
      case '--version':
      case '-v':
        io.stdout.write(`cnn ${VERSION}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`cnn: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof IoError) {
      io.stderr.write(error.message + '\n');
      return 2;
    }
    io.stderr.write(`cnn: internal error: ${(error as Error)?.message ?? error}\n`);
    return 2;
  }
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : 'dev';

/** Runs the command line on this process's arguments and streams. */
export function run(): void {
  // `cnn table FILE | head` closes the pipe early; that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const io: Io = { stdout: process.stdout, stderr: process.stderr, readFile: (p) => readFileSync(p, 'utf8') };
  main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) run();
