/**
 * The messages between the training webview and the extension host. The host owns the runner, the
 * file system and the editor; the webview shows a run and asks for things. Whatever the webview
 * posts is untrusted (it is a web page), so `parseTrainWebviewMessage` lets through only messages of
 * exactly these shapes, with every value in range.
 */
import { ACTIVATIONS } from '../../server/src/language/keys';
import type { Activation, Init, Network, TrainSettings } from '../../server/src/language/network';
import { inRange, OPTIMIZERS, readSchedule, type NumberSettingName } from '../../server/src/language/trainSchema';
import type { BackendInfo } from '../../runner/src/backend';
import type { EpochMetrics } from '../../runner/src/runFolder';
import type { LayerTableMessage } from './layerTableProtocol';
import { BACKEND_CHOICES, type BackendChoice, type ResolvedSettings } from '../../runner/src/settings';

/** What the settings form sends: the runner's JobSettings that a user may set, nothing else. */
export interface FormSettings extends TrainSettings {
  backend?: BackendChoice;
  act?: Activation;
  init?: Init;
  /** Samples per epoch (the synthetic dataset has no natural size). */
  trainSamples?: number;
}

export type RunStatus = 'starting' | 'queued' | 'running' | 'done' | 'cancelled' | 'failed';

export interface RunProgress {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
  samplesPerSec: number;
}

export type KernelsView = { state: 'building' } | { state: 'ready'; seconds: number; pipelines: number };

/** One job of one .cnn file as the panel shows it; the host keeps it while the panel is closed. */
export interface RunView {
  jobId: string;
  status: RunStatus;
  /** Date.now() when the host asked for the job; with `startedAt`, the ETA's clock. */
  requestedAt: number;
  startedAt?: number;
  endedAt?: number;
  settings?: ResolvedSettings;
  backend?: BackendInfo;
  runDir?: string;
  params?: number;
  /** How many classes the run has (job/started's `classes`); top-5 error is shown only above 5. */
  classes?: number;
  /** The backend's kernels: being built (before the first step), or built, in how long. */
  kernels?: KernelsView;
  progress?: RunProgress;
  /** [fractional epoch, samples per second] for every progress report, thinned as the losses are. */
  stepSpeeds?: [number, number][];
  /** [fractional epoch, batch loss] for every loss the runner reported, thinned past MAX_STEP_LOSSES. */
  stepLosses: [number, number][];
  epochs: EpochMetrics[];
  /** Why the job failed or was refused. */
  error?: string;
  /** The latest epoch's evaluation files, as the page can show them. */
  evaluation?: EvaluationView;
}

/** A run folder's evaluation/ (runner/src/evaluation.ts) with its pictures as webview URIs. */
export interface EvaluationView {
  epoch: number;
  classes: string[];
  /** matrix[true][predicted]: validation images. */
  matrix: number[][];
  perClass: { name: string; images: number; wrong: number; error: number | null }[];
  /** Validation images wrong in all; `mistakes` shows the most confident of them. */
  wrong: number;
  mistakes: { src: string; trueClass: string; predictedClass: string; confidence: number }[];
  /** The first conv layer's filters; absent when the network has no conv layer. */
  filters?: string;
}

/** Enough points to draw a smooth curve; beyond it every other point is dropped. */
export const MAX_STEP_LOSSES = 4000;

/** Adds a step's point (loss, speed), halving the list when it is full so long runs keep their whole history. */
export function addStepLoss(losses: [number, number][], point: [number, number]): void {
  losses.push(point);
  if (losses.length > MAX_STEP_LOSSES) {
    // The first and the latest point always stay: the curve spans the whole run.
    const kept = losses.filter((_, i) => i % 2 === 0 || i === losses.length - 1);
    losses.splice(0, losses.length, ...kept);
  }
}

/** Where a progress report falls on the chart's epoch axis: epoch 2, step 5 of 10 is 1.5. */
export function stepPosition(p: RunProgress): number {
  return p.epoch - 1 + p.step / p.stepsPerEpoch;
}

/** A finished run read back from its folder, for "Compare runs". */
export interface RunCurves {
  name: string;
  /** Runs of one comparison cell across seeds share a group: the charts draw the group as a band around its mean. */
  group?: string;
  epochs: EpochMetrics[];
}

/** "CNN: Compare initialisations and activations" as its view shows it: `cnn compare`'s table, live. */
export interface ComparisonView {
  header: string[];
  /** One per combination: its state (queued, epoch 2/3, done, …) and the table's cells. */
  rows: { status: string; cells: string[] }[];
  /** True while a run is queued or running: Cancel applies. */
  active: boolean;
  /** The Markdown report's path, written when every run has ended. */
  report?: string;
  reportError?: string;
  /** The seeds every combination trains with, and the runs: all of them, and how many have ended. */
  seeds: number[];
  runs: { total: number; ended: number };
  /** The smallest difference the runs can resolve (one validation image, the spread across seeds). */
  resolution: string;
  /** When a difference counts as resolved. */
  rule: string;
  /** One sentence per pair of combinations: who beats whom, or "not resolved" and why. */
  conclusions: string[];
}

export interface RunnerSummary {
  /** The adapter a job with backend=auto gets ("Mesa llvmpipe…" or "TypeScript on the CPU"). */
  backend: BackendInfo;
  backends: string[];
  /** What a backend runs on, where the runner says (`pytorch`: "PyTorch 1.13.0, CUDA: NVIDIA H200"). */
  devices?: Record<string, string>;
  datasets: string[];
}

/** Host → webview. */
export type TrainHostMessage =
  | { type: 'network'; fileName: string; network: Network }
  | { type: 'unavailable'; fileName: string; message: string }
  | { type: 'runner'; runner: RunnerSummary | null; message?: string }
  /** The whole run (on open, start and end); null when the file has not been trained in this window. */
  | { type: 'run'; run: RunView | null }
  /** The latest report, and every batch loss [fractional epoch, loss] since the previous message. */
  | { type: 'progress'; jobId: string; progress: RunProgress; losses: [number, number][]; speeds?: [number, number][] }
  | { type: 'epoch'; jobId: string; metrics: EpochMetrics }
  /** The run's evaluation files after an epoch. */
  | { type: 'evaluation'; jobId: string; evaluation: EvaluationView }
  /** Runs overlaid; with `comparison`, an init/activation comparison's table (absent for picked past runs). */
  | { type: 'compare'; runs: RunCurves[]; comparison?: ComparisonView }
  | { type: 'notice'; message: string };

/** Webview → host. */
export type TrainWebviewMessage =
  | { type: 'ready' }
  | { type: 'start'; settings: FormSettings }
  | { type: 'cancel' }
  /** Continue the file's stopped run from its checkpoint. */
  | { type: 'resume' }
  | { type: 'openRunFolder' }
  | { type: 'compareRuns' }
  /** Cancel the init/activation comparison: its running job and the queued ones. */
  | { type: 'cancelComparison' }
  /** The layer table's: copyMarkdown, saveCsv, reveal. */
  | LayerTableMessage;


type Check = (value: unknown) => boolean;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const wholeNumber = (min: number, max: number): Check => (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
const setting = (name: NumberSettingName): Check => (v) => inRange(name, v);
const oneOf = (values: readonly unknown[]): Check => (v) => values.includes(v);
const hasOnly = (o: Record<string, unknown>, keys: string[]): boolean => Object.keys(o).every((k) => keys.includes(k));

function isDataset(v: unknown): boolean {
  if (!isObject(v)) return false;
  if (v.kind === 'shapes' || v.kind === 'mnist' || v.kind === 'fashion-mnist') return hasOnly(v, ['kind']);
  return v.kind === 'folder' && hasOnly(v, ['kind', 'path']) && typeof v.path === 'string' && v.path.length > 0 && v.path.length < 4096;
}

function isInit(v: unknown): boolean {
  if (!isObject(v)) return false;
  if (v.kind === 'he' || v.kind === 'xavier') return hasOnly(v, ['kind']);
  return v.kind === 'gaussian' && hasOnly(v, ['kind', 'std']) && typeof v.std === 'number' && Number.isFinite(v.std) && v.std > 0 && v.std < 1e3;
}

/**
 * The ranges are the language's and the runner's (server/src/language/trainSchema.ts), so a value
 * the form lets through is one the runner accepts; the runner still checks, and its message reaches
 * the panel if it refuses.
 */
const SETTING_CHECKS: Record<keyof FormSettings, Check> = {
  dataset: isDataset,
  epochs: setting('epochs'),
  batch: setting('batch'),
  lr: setting('lr'),
  momentum: setting('momentum'),
  weightDecay: setting('weightDecay'),
  optimizer: oneOf(OPTIMIZERS),
  seed: setting('seed'),
  schedule: (v) => readSchedule(v).ok,
  warmup: setting('warmup'),
  smoothing: setting('smoothing'),
  backend: oneOf(BACKEND_CHOICES),
  act: oneOf(ACTIVATIONS),
  init: isInit,
  trainSamples: setting('trainSamples'),
};

/** The settings if every key is known and every value in range (absent keys are fine), else a reason. */
export function checkFormSettings(data: unknown): { settings: FormSettings } | { error: string } {
  if (!isObject(data)) return { error: 'settings must be an object' };
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (!Object.hasOwn(SETTING_CHECKS, key)) return { error: `unknown setting ${JSON.stringify(key)}` };
    if (value === undefined) continue;
    if (!SETTING_CHECKS[key as keyof FormSettings](value)) return { error: `${key} is out of range: ${JSON.stringify(value)}` };
    settings[key] = value;
  }
  return { settings: settings as FormSettings };
}

export function parseTrainWebviewMessage(data: unknown): TrainWebviewMessage | undefined {
  if (!isObject(data)) return undefined;
  const keys = Object.keys(data);
  switch (data.type) {
    case 'ready':
    case 'cancel':
    case 'resume':
    case 'copyMarkdown':
    case 'saveCsv':
    case 'openRunFolder':
    case 'compareRuns':
    case 'cancelComparison':
      return keys.length === 1 ? { type: data.type } : undefined;
    case 'reveal': {
      const line = data.line;
      return keys.length === 2 && typeof line === 'number' && Number.isSafeInteger(line) && line >= 1 ? { type: 'reveal', line } : undefined;
    }
    case 'start': {
      if (keys.length !== 2) return undefined;
      const checked = checkFormSettings(data.settings);
      return 'settings' in checked ? { type: 'start', settings: checked.settings } : undefined;
    }
    default:
      return undefined;
  }
}
