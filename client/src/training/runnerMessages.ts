/**
 * The runner's notifications, checked before the extension relays them to a webview or acts on
 * them. The runner is our own process, but it is a separate program that may be an older or newer
 * build: a message of the wrong shape is dropped with a reason rather than drawn as NaN.
 */
import type {
  JobDoneNotification, JobFailedNotification, JobKernelsNotification, JobProgressNotification, JobStartedNotification, RunnerInfo,
} from '../../../runner/src/protocol';
import type { EpochMetrics } from '../../../runner/src/runFolder';
import type { TrainingAdapterParams } from '../../../server/src/lspProtocol';

export type RunnerNotification =
  | { method: 'job/kernels'; params: JobKernelsNotification }
  | { method: 'job/started'; params: JobStartedNotification }
  | { method: 'job/progress'; params: JobProgressNotification }
  | { method: 'job/epoch'; params: EpochMetrics & { jobId: string } }
  | { method: 'job/done'; params: JobDoneNotification }
  | { method: 'job/failed'; params: JobFailedNotification };

type Parsed<T> = { ok: T } | { error: string };

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const whole = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A diverging job is failed by the runner (non-finite-loss), so every number it reports is finite. */
const EPOCH_NUMBERS = ['trainLoss', 'valLoss', 'top1Error', 'top5Error', 'samplesPerSec', 'seconds'] as const;

export function checkEpochMetrics(v: unknown): string | undefined {
  if (!isObject(v)) return 'epoch metrics must be an object';
  if (!whole(v.epoch) || v.epoch < 1) return `epoch must be a whole number from 1, got ${JSON.stringify(v.epoch)}`;
  if (!whole(v.steps)) return `steps must be a whole number, got ${JSON.stringify(v.steps)}`;
  for (const key of EPOCH_NUMBERS) {
    if (!finite(v[key])) return `${key} must be a finite number, got ${JSON.stringify(v[key])}`;
  }
  for (const key of ['top1Error', 'top5Error'] as const) {
    if (v[key] < 0 || v[key] > 1) return `${key} must be a fraction from 0 to 1, got ${v[key]}`;
  }
  return undefined;
}

function checkBackend(v: unknown): string | undefined {
  if (!isObject(v)) return 'backend must be an object';
  if (!['reference', 'webgpu', 'cpu', 'pytorch'].includes(v.backend)) return `backend.backend must be webgpu, cpu, reference or pytorch, got ${JSON.stringify(v.backend)}`;
  if (typeof v.adapter !== 'string') return 'backend.adapter must be a string';
  if (v.fallback !== undefined && typeof v.fallback !== 'string') return 'backend.fallback must be a string';
  if (v.reason !== undefined && typeof v.reason !== 'string') return 'backend.reason must be a string';
  return undefined;
}

function checkParams(method: string, p: Record<string, any>): string | undefined {
  switch (method) {
    case 'job/kernels':
      if (p.state === 'building') return undefined;
      if (p.state !== 'ready') return `state must be building or ready, got ${JSON.stringify(p.state)}`;
      if (!finite(p.seconds) || p.seconds < 0) return 'seconds must be a number from 0';
      return whole(p.pipelines) ? undefined : 'pipelines must be a whole number';
    case 'job/started':
      if (typeof p.runDir !== 'string' || !p.runDir) return 'runDir must be a path';
      if (!whole(p.stepsPerEpoch) || p.stepsPerEpoch < 1) return 'stepsPerEpoch must be a whole number from 1';
      if (!whole(p.params)) return 'params must be a whole number';
      if (!isObject(p.settings) || !whole(p.settings.epochs) || p.settings.epochs < 1) return 'settings.epochs must be a whole number from 1';
      if (!Array.isArray(p.classes) || !p.classes.every((c: unknown) => typeof c === 'string')) return 'classes must be a list of names';
      if (p.resumed !== undefined) {
        const r = p.resumed;
        if (!isObject(r) || !whole(r.epoch) || !whole(r.stepInEpoch) || !whole(r.steps) || !Array.isArray(r.epochs)) return 'resumed must give epoch, stepInEpoch, steps and epochs';
        for (const e of r.epochs) {
          const problem = checkEpochMetrics(e);
          if (problem) return `resumed.epochs: ${problem}`;
        }
      }
      return checkBackend(p.backend);
    case 'job/progress':
      if (!whole(p.epoch) || p.epoch < 1) return 'epoch must be a whole number from 1';
      if (!whole(p.step) || !whole(p.stepsPerEpoch) || p.step > p.stepsPerEpoch) return 'step must be a whole number up to stepsPerEpoch';
      if (!finite(p.loss)) return 'loss must be a finite number';
      if (!finite(p.samplesPerSec)) return 'samplesPerSec must be a finite number';
      return undefined;
    case 'job/epoch':
      return checkEpochMetrics(p);
    case 'job/done':
      if (p.runDir !== null && typeof p.runDir !== 'string') return 'runDir must be a path or null';
      if (typeof p.cancelled !== 'boolean') return 'cancelled must be true or false';
      if (!Array.isArray(p.epochs)) return 'epochs must be a list';
      for (const e of p.epochs) {
        const problem = checkEpochMetrics(e);
        if (problem) return `epochs: ${problem}`;
      }
      return whole(p.steps) ? undefined : 'steps must be a whole number';
    case 'job/failed':
      if (typeof p.code !== 'string') return 'code must be a string';
      if (typeof p.message !== 'string') return 'message must be a string';
      if (p.runDir !== undefined && typeof p.runDir !== 'string') return 'runDir must be a path';
      return undefined;
    default:
      return `unknown notification ${method}`;
  }
}

export function parseRunnerNotification(method: string, params: unknown): Parsed<RunnerNotification> {
  if (!isObject(params)) return { error: `${method}: params must be an object` };
  if (typeof params.jobId !== 'string' || !params.jobId) return { error: `${method}: jobId must be a string` };
  const problem = checkParams(method, params);
  if (problem) return { error: `${method}: ${problem}` };
  return { ok: { method, params } as RunnerNotification };
}

export function parseRunnerInfo(v: unknown): Parsed<RunnerInfo> {
  if (!isObject(v) || v.name !== 'cnn-runner') return { error: 'runner/info did not come from cnn-runner' };
  if (v.protocol !== 1) return { error: `the runner speaks protocol ${JSON.stringify(v.protocol)}; this extension speaks 1` };
  const backend = checkBackend(v.backend);
  if (backend) return { error: `runner/info: ${backend}` };
  if (!Array.isArray(v.backends) || !Array.isArray(v.datasets)) return { error: 'runner/info: backends and datasets must be lists' };
  return { ok: v as unknown as RunnerInfo };
}

/** The adapter backend=auto trains on, for the language server; null where it trains on the CPU (no adapter limit then). */
export function trainingAdapterOf(info: RunnerInfo): TrainingAdapterParams | null {
  const limit = info.backend.limits?.maxStorageBufferBindingSize;
  return info.backend.backend === 'webgpu' && typeof limit === 'number' && limit > 0 ? { name: info.backend.adapter, maxStorageBufferBindingSize: limit } : null;
}
