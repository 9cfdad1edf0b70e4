/**
 * Training settings: the runner's defaults, overridden by the network's `train` statement, overridden
 * by the job (the CLI's flags, the extension's form). Anything malformed is refused here with a
 * message naming the key, before any work starts.
 */
import { ACTIVATIONS } from '../../server/src/language/keys';
import type { Activation, Dataset, Init, Network, Schedule, TrainSettings } from '../../server/src/language/network';
import { ADAM_DEFAULT_LR, describeRange, inRange, NUMBER_SETTINGS, readSchedule, type NumberSettingName } from '../../server/src/language/trainSchema';

/** The datasets this runner trains on (runner/info's `datasets`). */
export const DATASETS = ['shapes', 'mnist', 'fashion-mnist', 'folder'] as const;

/** What a job may ask for; `auto` picks webgpu on a real GPU, cpu otherwise (backends.ts); pytorch trains through PyTorch (pytorchBackend.ts). */
export const BACKEND_CHOICES = ['auto', 'webgpu', 'cpu', 'reference', 'pytorch'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface JobSettings extends TrainSettings {
  backend?: BackendChoice;
  /** The Python interpreter of the pytorch backend (default: $CNN_PYTHON, python3, /usr/bin/python3). */
  python?: string;
  /** Replace every layer's activation or init (the "try PReLU / Xavier on this network" buttons). */
  act?: Activation;
  init?: Init;
  /** Samples per training epoch and in the validation split of a synthetic dataset. */
  trainSamples?: number;
  valSamples?: number;
  /** Read the loss back from the device every this many steps. */
  lossEvery?: number;
  /** Directory that receives `.cnn-runs/`; the runner's working directory when absent. */
  runDir?: string;
  /** Directory a `folder(PATH)` dataset is relative to (the .cnn file's folder); runDir when absent. */
  dataDir?: string;
  /**
   * The runner fails a job that makes no progress (no step, validation batch or image decoded) for
   * this many seconds, and runs the next; default $CNN_WATCHDOG_SECONDS, else 120.
   */
  watchdogSeconds?: number;
  /**
   * Continue the run in this run folder from its checkpoint, with its own network and settings;
   * only epochs (to train further), backend, lossEvery and watchdogSeconds are taken from the job.
   */
  resume?: string;
}

export interface ResolvedSettings {
  dataset: Dataset;
  epochs: number;
  batch: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  optimizer: 'sgd' | 'adam';
  seed: number;
  schedule: Schedule;
  warmup: number;
  /** Label smoothing of the training loss (0: plain cross-entropy). */
  smoothing: number;
  backend: BackendChoice;
  act?: Activation;
  init?: Init;
  trainSamples: number;
  valSamples: number;
  lossEvery: number;
  runDir: string;
  dataDir: string;
  watchdogSeconds: number;
}

export const DEFAULT_WATCHDOG_SECONDS = 120;
const MAX_WATCHDOG_SECONDS = 7 * 24 * 3600;

/** The watchdog's default: $CNN_WATCHDOG_SECONDS when it is a number of seconds in range, else 120. */
export function defaultWatchdogSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.CNN_WATCHDOG_SECONDS);
  return env.CNN_WATCHDOG_SECONDS && Number.isFinite(v) && v > 0 && v <= MAX_WATCHDOG_SECONDS ? v : DEFAULT_WATCHDOG_SECONDS;
}

export class SettingsError extends Error {}

/** Synthetic epochs sized so one epoch of a small network takes seconds and of a 227x227 one minutes. */
export function defaultTrainSamples(inputSize: number): number {
  return Math.max(256, Math.min(8192, Math.round(8e6 / inputSize / 32) * 32));
}

/**
 * A number from the job, checked against the one table of ranges: absent takes the default, while
 * null (what JSON makes of NaN) or anything else out of range is refused, never defaulted.
 */
function number(merged: JobSettings, name: NumberSettingName, fallback: number = NUMBER_SETTINGS[name].default): number {
  const value = (merged as Record<string, unknown>)[name];
  if (value === undefined) return fallback;
  if (!inRange(name, value)) throw new SettingsError(`${name} must be ${describeRange(name)}, got ${JSON.stringify(value)}`);
  return value;
}

export function resolveSettings(network: Network, job: JobSettings | undefined, cwd = process.cwd()): ResolvedSettings {
  if (job !== undefined && (typeof job !== 'object' || job === null || Array.isArray(job))) {
    throw new SettingsError('settings must be an object');
  }
  const merged: JobSettings = { ...(network.train ?? {}), ...stripUndefined(job ?? {}) };
  const inputSize = (network.input ?? [1]).reduce((a, b) => a * b, 1);
  const dataset = merged.dataset ?? { kind: 'shapes' };
  if (!dataset || typeof dataset !== 'object' || !(DATASETS as readonly string[]).includes(dataset.kind)) {
    throw new SettingsError(`dataset must be shapes, mnist, fashion-mnist or folder(PATH), got ${JSON.stringify(dataset)}`);
  }
  if (dataset.kind === 'folder' && (typeof dataset.path !== 'string' || dataset.path === '')) {
    throw new SettingsError(`dataset folder needs a path, got ${JSON.stringify(dataset)}`);
  }
  const optimizer = merged.optimizer ?? 'sgd';
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw new SettingsError(`optimizer must be sgd or adam, got ${JSON.stringify(optimizer)}`);
  const backend = merged.backend ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) throw new SettingsError(`backend must be ${BACKEND_CHOICES.join(', ')}, got ${JSON.stringify(backend)}`);
  if (merged.act !== undefined && !ACTIVATIONS.includes(merged.act)) throw new SettingsError(`act must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(merged.act)}`);
  if (merged.init !== undefined) {
    const init = merged.init as Init;
    const ok = init && typeof init === 'object' && (init.kind === 'he' || init.kind === 'xavier' || (init.kind === 'gaussian' && typeof init.std === 'number' && init.std > 0 && Number.isFinite(init.std)));
    if (!ok) throw new SettingsError(`init must be {kind: "he"}, {kind: "xavier"} or {kind: "gaussian", std > 0}, got ${JSON.stringify(init)}`);
  }
  const trainSamples = number(merged, 'trainSamples', defaultTrainSamples(inputSize));
  const batch = number(merged, 'batch');
  const schedule = readSchedule(merged.schedule ?? { kind: 'constant' });
  if (!schedule.ok) throw new SettingsError(`schedule: ${schedule.message}`);
  const epochs = number(merged, 'epochs');
  const warmup = number(merged, 'warmup');
  if (merged.runDir !== undefined && typeof merged.runDir !== 'string') throw new SettingsError('runDir must be a path');
  if (merged.dataDir !== undefined && typeof merged.dataDir !== 'string') throw new SettingsError('dataDir must be a path');
  if (merged.python !== undefined && (typeof merged.python !== 'string' || merged.python === '')) throw new SettingsError('python must be the path of a Python interpreter');
  return {
    dataset,
    epochs,
    batch,
    lr: number(merged, 'lr', optimizer === 'adam' ? ADAM_DEFAULT_LR : NUMBER_SETTINGS.lr.default),
    momentum: number(merged, 'momentum'),
    weightDecay: number(merged, 'weightDecay'),
    optimizer,
    seed: number(merged, 'seed'),
    schedule: schedule.value,
    warmup,
    smoothing: number(merged, 'smoothing'),
    backend,
    act: merged.act,
    init: merged.init,
    trainSamples,
    valSamples: merged.valSamples === undefined ? Math.max(64, Math.round(trainSamples / 8)) : positiveInt(merged.valSamples, 'valSamples', 1e7),
    lossEvery: merged.lossEvery === undefined ? 5 : positiveInt(merged.lossEvery, 'lossEvery', 1e6),
    runDir: merged.runDir ?? cwd,
    dataDir: merged.dataDir ?? merged.runDir ?? cwd,
    watchdogSeconds: merged.watchdogSeconds === undefined ? defaultWatchdogSeconds() : positiveSeconds(merged.watchdogSeconds, 'watchdogSeconds', MAX_WATCHDOG_SECONDS),
  };
}

function positiveInt(value: unknown, key: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new SettingsError(`${key} must be a whole number from 1 to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function positiveSeconds(value: unknown, key: string, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new SettingsError(`${key} must be a number of seconds above 0 and at most ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
