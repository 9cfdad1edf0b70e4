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
import type { BackendChoice, JobSettings } from './settings';
import { onInterrupt } from './interrupt';
import { isTrainingError, train, TrainingError, type ProgressEvent, type StartedEvent } from './train';

export const TRAIN_USAGE = `usage: cnn train FILE [--epochs N] [--batch N] [--lr X] [--momentum X] [--weight-decay X]
                      [--optimizer sgd|adam] [--seed N] [--samples N] [--backend auto|webgpu|cpu|reference] [--json]`;

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
};

export function parseTrainArgs(args: string[]): Parsed {
  const settings: JobSettings = {};
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? args[++i];
    if (flag === '--json') { json = true; continue; }
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
      if (v !== 'webgpu' && v !== 'cpu' && v !== 'reference' && v !== 'auto') return { error: `--backend must be auto, webgpu, cpu or reference, got ${JSON.stringify(v ?? '')}` };
      settings.backend = v as BackendChoice;
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

export async function trainCommand(network: Network, args: string[], file: string, io: Io): Promise<number> {
  const parsed = parseTrainArgs(args);
  if ('error' in parsed) {
    io.stderr.write(`cnn train: ${parsed.error}\n${TRAIN_USAGE}\n`);
    return 2;
  }
  const { json } = parsed;
  const settings: JobSettings = { ...parsed.settings, runDir: dirname(resolve(file)), dataDir: dirname(resolve(file)) };
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
          line({ type: 'started', runDir: event.runDir, backend: event.backend, settings: event.settings, classes: event.classes, stepsPerEpoch: event.stepsPerEpoch, params: event.params });
          return;
        }
        const s = event.settings;
        io.stdout.write(`training ${network.network ?? file} (${event.params.toLocaleString('en-US')} parameters) on ${event.backend.backend}: ${event.backend.adapter}\n`);
        if (event.backend.reason) io.stdout.write(`why ${event.backend.backend}: ${event.backend.reason}\n`);
        if (event.backend.fallback) io.stdout.write(`note: ${event.backend.fallback}\n`);
        io.stdout.write(`dataset shapes (${event.classes.length} classes), ${s.epochs} epochs of ${s.trainSamples} samples, batch ${s.batch}, ${s.optimizer} lr ${s.lr}\n`);
        io.stdout.write(`run folder ${event.runDir}\n`);
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
        io.stdout.write(`${tty ? '\r\x1b[2K' : ''}epoch ${event.epoch}/${started!.settings.epochs}: train loss ${event.trainLoss.toFixed(4)}, val loss ${event.valLoss.toFixed(4)}, top-1 error ${percent(event.top1Error)}, top-5 error ${percent(event.top5Error)}, ${event.samplesPerSec.toFixed(1)} samples/s\n`);
      },
    });
    if (json) line({ type: 'done', runDir: result.runDir, cancelled: result.cancelled, epochs: result.epochs, steps: result.steps });
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
