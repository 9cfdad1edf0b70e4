/**
 * `cnn predict FILE [--weights RUN_DIR] [--json] IMAGE...`: the top-5 classes of each PNG or JPEG
 * file with their probabilities, from the network of FILE and a run's weights (the newest run of
 * the network beside FILE when --weights is not given). Exit codes: 0 predicted, 1 the weights do
 * not fit the network, 2 usage error or a file that cannot be read.
 */
import { dirname, resolve } from 'node:path';
import type { Network } from '../../server/src/language/network';
import { latestRunWithWeights, PredictError, predictImages } from './predict';

export const PREDICT_USAGE = 'usage: cnn predict FILE [--weights RUN_DIR] [--json] IMAGE...';

export const PREDICT_HELP = `${PREDICT_USAGE}

Prints the 5 most likely classes of each image (PNG or JPEG) with their probabilities, from the
network of FILE with the weights a training run saved (RUN_DIR/weights.safetensors). Images are
prepared as the run's dataset prepared its own: for mnist and fashion-mnist a grey 28x28 image
fitted to the input (MNIST digits are white on black); otherwise a resize to the input. Class names
are the run's: the digits 0-9, Fashion-MNIST's names, or a folder dataset's sub-folder names.

  --weights RUN_DIR   the run folder (default: the newest run of FILE's network in .cnn-runs/ beside FILE)
  --json              {"runDir", "predictions": [{"file", "top": [{"index", "name", "probability"}]}]}

Example: cnn train examples/lenet5.cnn && cnn predict examples/lenet5.cnn digit.png`;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export async function predictCommand(network: Network, file: string, args: string[], io: Io): Promise<number> {
  let runDir: string | undefined;
  let json = false;
  const images: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--json') json = true;
    else if (arg === '--weights' || arg.startsWith('--weights=')) {
      runDir = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++i];
      if (!runDir) return usage(io, '--weights needs a run folder');
    } else if (arg.startsWith('--')) return usage(io, `unknown option ${JSON.stringify(arg)}`);
    else images.push(arg);
  }
  if (images.length === 0) return usage(io, 'give at least one IMAGE');
  if (!runDir) {
    runDir = latestRunWithWeights(dirname(resolve(file)), network.network);
    if (!runDir) {
      io.stderr.write(`cnn predict: no run of ${network.network ?? file} with weights in ${resolve(dirname(resolve(file)), '.cnn-runs')}: train it first (cnn train ${file}) or give --weights RUN_DIR\n`);
      return 2;
    }
  }
  try {
    const predictions = await predictImages(network, runDir, images);
    if (json) {
      io.stdout.write(JSON.stringify({ runDir, predictions }) + '\n');
      return 0;
    }
    io.stdout.write(`weights: ${runDir}\n`);
    const width = Math.max(...predictions.flatMap((p) => p.top.map((c) => c.name.length)));
    for (const p of predictions) {
      io.stdout.write(`${p.file}\n`);
      for (const c of p.top) io.stdout.write(`  ${c.name.padEnd(width)}  ${(100 * c.probability).toFixed(2).padStart(6)}%\n`);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof PredictError)) throw error;
    io.stderr.write(`cnn predict: ${error.message}\n`);
    return /^cannot read/.test(error.message) ? 2 : 1;
  }
}

function usage(io: Io, message: string): number {
  io.stderr.write(`cnn predict: ${message}\n${PREDICT_USAGE}\n`);
  return 2;
}
