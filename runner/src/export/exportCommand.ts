/**
 * `cnn export FILE --to FORMAT [--weights RUN_DIR|latest] [--seed N] [-o OUT] [--json]`: the
 * network of FILE with a run's trained weights, or freshly initialised ones, in another tool's
 * format. Each format is one row of EXPORT_FORMATS; the command resolves the plan and the weights
 * once for all of them. Exit codes: 0 written, 1 the network cannot be exported or the weights do
 * not fit it, 2 usage error or a file that cannot be read or written.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Network } from '../../../server/src/language/network';
import { NUMBER_SETTINGS } from '../../../server/src/language/trainSchema';
import { initialTensors, type NamedTensor } from '../init';
import { ONNX_IR_VERSION, ONNX_OPSET } from '../onnx/onnxSchema';
import { buildPlan, PlanError, type Plan } from '../plan';
import { latestRunWithWeights, PredictError, runWeights, type RunSettings } from '../predict';
import { readRunStatus, writeAtomically } from '../runFolder';
import { defaultExportPath, EXPORT_FORMAT_INFO, type ExportFormatInfo } from './formats';
import { exportOnnx, OnnxExportError } from './onnx';
import { EXPORT_PYTORCH_USAGE, exportPytorchCommand } from './pytorch';

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : 'dev';

/** Everything a format needs: the analysed network, its plan and the tensors, in plan order. */
export interface ExportSource {
  network: Network;
  /** The .cnn file. */
  file: string;
  plan: Plan;
  params: NamedTensor[];
  state: NamedTensor[];
  /** A run folder's weights (with its settings.json), or initial weights drawn with a seed as `cnn train` draws them. */
  weights: { runDir: string; settings: RunSettings } | { seed: number };
  /** The weights in words, for a model's metadata and the command's report: the run folder's name (not its path, which a shared model should not carry). */
  weightsText: string;
}

/** A format of formats.ts with its writer. */
export interface ExportFormat extends ExportFormatInfo {
  /** Writes OUT; returns the paths written. Throws ExportError when the network has no form in the format. */
  write(source: ExportSource, out: string): string[];
}

export class ExportError extends Error {}

const WRITERS: Record<string, ExportFormat['write']> = {
  onnx(source, out) {
    let bytes: Uint8Array;
    try {
      bytes = exportOnnx(source.plan, source, { weights: source.weightsText, producerVersion: VERSION });
    } catch (error) {
      if (error instanceof OnnxExportError) throw new ExportError(error.message);
      throw error;
    }
    writeAtomically(out, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return [out];
  },
};

/**
 * Formats with options of their own take the command line after `--to NAME` themselves: PyTorch's
 * train.py also takes cnn train's settings (--epochs, --lr, ...).
 */
const COMMANDS: Record<string, (network: Network, file: string, args: string[], io: Io) => number> = {
  pytorch: exportPytorchCommand,
};

export const EXPORT_FORMATS: ExportFormat[] = EXPORT_FORMAT_INFO.filter((info) => !(info.name in COMMANDS)).map((info) => {
  const write = WRITERS[info.name];
  if (!write) throw new Error(`internal: the export format ${info.name} has no writer`);
  return { ...info, write };
});

/** Whether `cnn export --to NAME` writes NAME: by a writer of its own or a command of its own. */
export function exportsFormat(name: string): boolean {
  return name in COMMANDS || EXPORT_FORMATS.some((f) => f.name === name);
}

const formatNames = () => EXPORT_FORMAT_INFO.map((f) => f.name).join(', ');

export const EXPORT_USAGE = `usage: cnn export FILE --to ${EXPORT_FORMAT_INFO.map((f) => f.name).join('|')} [--weights RUN_DIR|latest] [--seed N] [-o OUT] [--json]
       ${EXPORT_PYTORCH_USAGE.replace(/^usage: /, '').replace('-o DIR', '[-o DIR]')}`;

export const EXPORT_HELP = `${EXPORT_USAGE}

Writes the network of FILE in another tool's format, with the weights a training run saved
(RUN_DIR/weights.safetensors) or, without --weights, freshly initialised ones: the weights
\`cnn train\` starts from with the same seed.

Formats:
${EXPORT_FORMAT_INFO.map((f) => `  ${f.name.padEnd(20)}${f.summary}`).join('\n')}
  (ONNX models are opset ${ONNX_OPSET}, IR version ${ONNX_IR_VERSION}; what each layer becomes: docs/export.md)

  --to FORMAT           the format (required)
  --weights RUN_DIR     the run folder whose weights to take; \`latest\`: the newest run of FILE's
                        network in .cnn-runs/ beside FILE
  --seed N              the seed of fresh weights (default: the train statement's, else ${NUMBER_SETTINGS.seed.default})
  -o, --output OUT      where to write (default: beside FILE, named after it)
  --json                {"format", "output", "files", "weights"} on one line

Exit codes: 0 written, 1 the network cannot be exported or the weights do not fit it, 2 usage
error or a file that cannot be read or written.
Example: cnn export examples/resnet18.cnn --to onnx -o resnet18.onnx`;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

interface ExportArgs {
  format: ExportFormat;
  runDir?: string;
  seed?: number;
  out?: string;
  json: boolean;
}

function parseExportArgs(args: string[]): ExportArgs | { error: string } {
  let to: string | undefined, runDir: string | undefined, seedText: string | undefined, out: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => {
      const v = inline ?? args[++i];
      return v === undefined || (inline === undefined && v.startsWith('-')) ? undefined : v;
    };
    if (flag === '--json') json = true;
    else if (flag === '--to') to = value() ?? '';
    else if (flag === '--weights') runDir = value() ?? '';
    else if (flag === '--seed') seedText = value() ?? '';
    else if (flag === '-o' || flag === '--output') out = value() ?? '';
    else if (arg.startsWith('-')) return { error: `unknown option ${JSON.stringify(arg)}` };
    else return { error: `cnn export takes one FILE, and ${JSON.stringify(arg)} is a second` };
  }
  if (to === undefined) return { error: `say which format with --to (${formatNames()})` };
  const format = EXPORT_FORMATS.find((f) => f.name === to);
  if (!format) return { error: `unknown format ${JSON.stringify(to)}: --to takes ${formatNames()}` };
  if (runDir === '') return { error: '--weights needs a run folder (or latest)' };
  if (out === '') return { error: '-o needs a path' };
  let seed: number | undefined;
  if (seedText !== undefined) {
    const { min, max } = NUMBER_SETTINGS.seed;
    seed = Number(seedText);
    if (seedText === '' || !Number.isInteger(seed) || seed < min || seed > max) return { error: `--seed needs a whole number from ${min} to ${max}, got ${JSON.stringify(seedText)}` };
    if (runDir !== undefined) return { error: '--seed draws fresh weights; it does not go with --weights' };
  }
  return { format, runDir, seed, out, json };
}

/** The plan and tensors to export: a run's (checked against the network) or fresh ones. */
export function exportSource(network: Network, file: string, weights: { runDir: string } | { seed: number }): ExportSource {
  if ('runDir' in weights) {
    const { settings, plan, params, state } = runWeights(network, weights.runDir);
    const at = readRunStatus(weights.runDir)?.weights;
    const when = at ? (at.epoch === 0 && at.steps === 0 ? ', its initial weights' : `, after epoch ${at.epoch} (${at.steps} steps)`) : '';
    return { network, file, plan, params, state, weights: { runDir: weights.runDir, settings }, weightsText: `run ${basename(resolve(weights.runDir))}${when}` };
  }
  const plan = buildPlan(network);
  return { network, file, plan, ...initialTensors(plan, weights.seed), weights, weightsText: `freshly initialised with seed ${weights.seed}` };
}

/** `--to NAME` (or `--to=NAME`) when NAME is a format that parses its own options; the rest of the arguments. */
function delegated(args: string[]): { format: string; rest: string[] } | undefined {
  for (let i = 0; i < args.length; i++) {
    const name = args[i] === '--to' ? args[i + 1] : args[i].startsWith('--to=') ? args[i].slice(5) : undefined;
    if (name !== undefined && name in COMMANDS) return { format: name, rest: args.filter((_, j) => j !== i && !(args[i] === '--to' && j === i + 1)) };
  }
  return undefined;
}

/** `--weights latest`: the newest run of the network beside FILE, or undefined after saying there is none. */
function latestRun(network: Network, file: string, io: Io): string | undefined {
  const runDir = latestRunWithWeights(dirname(resolve(file)), network.network);
  if (!runDir) io.stderr.write(`cnn export: no run of ${network.network ?? file} with weights in ${join(dirname(resolve(file)), '.cnn-runs')}: train it first (cnn train ${file}) or leave out --weights for fresh weights\n`);
  return runDir;
}

/** A delegated format's command, with `--weights latest` and `--json` as the other formats have them. */
function exportDelegated(network: Network, file: string, format: string, args: string[], io: Io): number {
  const json = args.includes('--json');
  const rest = args.filter((a) => a !== '--json');
  const w = rest.indexOf('--weights');
  let runDir = w >= 0 ? rest[w + 1] : undefined;
  if (runDir === 'latest') {
    runDir = latestRun(network, file, io);
    if (!runDir) return 2;
    rest[w + 1] = runDir;
  }
  const o = Math.max(rest.indexOf('-o'), rest.indexOf('--output'));
  if (o < 0) {
    // As for the other formats, the default is beside the file, named after it.
    rest.push('-o', defaultExportPath(file, EXPORT_FORMAT_INFO.find((f) => f.name === format)!));
  } else {
    rest[o] = '-o';
  }
  const out = rest[rest.indexOf('-o') + 1];
  const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
  const code = COMMANDS[format]!(network, file, rest, json ? { stdout: quiet, stderr: io.stderr } : io);
  const s = rest.indexOf('--seed');
  const seed = s >= 0 ? Number(rest[s + 1]) : network.train?.seed ?? NUMBER_SETTINGS.seed.default;
  if (code === 0 && json) io.stdout.write(JSON.stringify({ format, output: out, files: [out], weights: runDir !== undefined ? { runDir } : { seed } }) + '\n');
  return code;
}

export async function exportCommand(network: Network, file: string, args: string[], io: Io): Promise<number> {
  const own = delegated(args);
  if (own) return exportDelegated(network, file, own.format, own.rest, io);
  const parsed = parseExportArgs(args);
  if ('error' in parsed) {
    io.stderr.write(`cnn export: ${parsed.error}\n${EXPORT_USAGE}\n`);
    return 2;
  }
  const { format, json } = parsed;
  let runDir = parsed.runDir;
  if (runDir === 'latest') {
    runDir = latestRun(network, file, io);
    if (!runDir) return 2;
  } else if (runDir !== undefined && !(existsSync(runDir) && statSync(runDir).isDirectory())) {
    io.stderr.write(`cnn export: no run folder ${runDir}: give a folder in .cnn-runs/ that a training run wrote\n`);
    return 2;
  }
  let source: ExportSource;
  try {
    source = exportSource(network, file, runDir !== undefined ? { runDir } : { seed: parsed.seed ?? network.train?.seed ?? NUMBER_SETTINGS.seed.default });
  } catch (error) {
    if (!(error instanceof PredictError || error instanceof PlanError)) throw error;
    io.stderr.write(`cnn export: cannot export ${file}: ${error.message}\n`);
    return /^cannot read/.test(error.message) ? 2 : 1;
  }
  const out = parsed.out ?? defaultExportPath(file, format);
  let files: string[];
  try {
    files = format.write(source, out);
  } catch (error) {
    if (error instanceof ExportError) {
      io.stderr.write(`cnn export: cannot export ${file} as ${format.name}: ${error.message}\n`);
      return 1;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (!code) throw error;
    io.stderr.write(`cnn export: cannot write ${out}: ${code}\n`);
    return 2;
  }
  if (json) {
    io.stdout.write(JSON.stringify({ format: format.name, output: out, files, weights: runDir !== undefined ? { runDir } : source.weights }) + '\n');
  } else {
    io.stdout.write(`${format.output.kind === 'file' ? 'wrote' : 'wrote into'} ${out} (${format.name}); weights: ${source.weightsText}\n`);
  }
  return 0;
}
