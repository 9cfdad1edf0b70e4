/**
 * One training job, start to end: plan, initial weights, backend, data, the epoch loop with loss
 * read back every few steps, validation (loss, top-1 and top-5 error), the run folder.
 * It reports through callbacks and stops early when asked; it never touches stdio itself.
 */
import type { Network } from '../../server/src/language/network';
import { DEFAULT_OPTIMIZER, type BackendInfo, type TrainingModel } from './backend';
import { createModel } from './backends';
import { resolve } from 'node:path';
import { DatasetError, loadListing, scanFolder, type FolderListing } from './data/folder';
import { loadDigits } from './data/mnist';
import { ShapesDataset } from './data/shapes';
import type { Split } from './data/split';
import { initialTensors, type NamedTensor } from './init';
import { checkHostMemory } from './memory';
import { buildPlan, type Plan } from './plan';
import { Rng, mixSeed } from './rng';
import { ConfusionTally, writeEvaluation } from './evaluation';
import { encodeCheckpoint, type Checkpoint, type TrainingPosition } from './checkpoint';
import { readCheckpoint, ResumeError, resumeSettings } from './resume';
import { RunFolder, RunFolderError, readMetrics, type EpochMetrics } from './runFolder';
import { learningRate } from './schedule';
import { resolveSettings, type JobSettings, type ResolvedSettings } from './settings';
import { TrainingError } from './trainingError';
import { trainOnPytorch } from './pytorchBackend';

export { isTrainingError, TrainingError, type FailureCode } from './trainingError';
import { isTrainingError } from './trainingError';

export interface ProgressEvent {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
  samplesPerSec: number;
}

export interface StartedEvent {
  runDir: string;
  backend: BackendInfo;
  settings: ResolvedSettings;
  classes: string[];
  stepsPerEpoch: number;
  params: number;
  /** For a resumed run: where it continues from, and the epochs it had finished. */
  resumed?: { epoch: number; stepInEpoch: number; steps: number; epochs: EpochMetrics[] };
}

/**
 * The backend builds its kernels before the first step: `building` as it starts, `ready` with the
 * seconds it took and the compute pipelines it built (WebGPU compiles each one, seconds in all on a
 * software adapter; the CPU backends build none).
 */
export type KernelsEvent = { state: 'building' } | { state: 'ready'; seconds: number; pipelines: number };

/** The watchdog's phase while a WebGPU model builds its pipelines. */
export const BUILDING_KERNELS = 'building the WebGPU kernels';

export interface TrainCallbacks {
  onKernels?(event: KernelsEvent): void;
  onStarted?(event: StartedEvent): void;
  onProgress?(event: ProgressEvent): void;
  onEpoch?(event: EpochMetrics): void;
  /**
   * Polled between steps; true stops the job at the next step, keeping what was done (the weights
   * are saved). 'interrupted' stops it the same way and records the run as interrupted, not cancelled.
   */
  shouldStop?(): boolean | 'interrupted';
  /** Called often while the job makes progress (steps, validation batches, images decoded), with what it is doing. */
  onHeartbeat?(phase: string): void;
}

export interface TrainResult {
  runDir: string;
  /** True when the run was stopped before its first step: nothing was trained, and its folder is removed. */
  discarded?: boolean;
  cancelled: boolean;
  /** Every epoch of the run, a resumed run's earlier ones included. */
  epochs: EpochMetrics[];
  backend: BackendInfo;
  steps: number;
}

function makeSplit(data: ShapesDataset, split: 'train' | 'val', count: number, inputSize: number, beat: () => void): Split {
  const x = new Float32Array(count * inputSize);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = data.sample(split, i, x, i * inputSize);
    beat();
  }
  return { x, labels, count };
}

function datasetErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof DatasetError) throw new TrainingError('invalid-job', error.message);
    throw error;
  }
}

/** A folder dataset listed (headers checked, nothing decoded), for the memory check; undefined for shapes. */
function listData(plan: Plan, settings: ResolvedSettings): FolderListing | undefined {
  if (settings.dataset.kind !== 'folder') return undefined;
  const root = resolve(settings.dataDir, settings.dataset.path);
  return datasetErrors(() => scanFolder(root, plan.input, plan.classes, settings.seed));
}

/** Both splits in memory (an epoch revisits them in a new order), and the class names. */
function loadData(plan: Plan, settings: ResolvedSettings, listing: FolderListing | undefined, onHeartbeat: (phase: string) => void): { classNames: string[]; train: Split; val: Split } {
  const beat = () => onHeartbeat('loading the dataset');
  let loaded: { classNames: string[]; train: Split; val: Split };
  const kind = settings.dataset.kind;
  if (listing) loaded = datasetErrors(() => loadListing(listing, beat));
  else if (kind === 'mnist' || kind === 'fashion-mnist') loaded = datasetErrors(() => loadDigits(kind, plan.input, plan.classes, settings.dataDir));
  else {
    const data = new ShapesDataset(plan.input, plan.classes, settings.seed);
    loaded = { classNames: data.classNames, train: makeSplit(data, 'train', settings.trainSamples, plan.inputSize, beat), val: makeSplit(data, 'val', settings.valSamples, plan.inputSize, beat) };
  }
  // What comes next, so a watchdog that fires there names it.
  onHeartbeat('opening the backend and building the model');
  return loaded;
}

/** The images and labels a job trains and validates on (the PyTorch export writes them for train.py). */
export function loadTrainingData(plan: Plan, settings: ResolvedSettings, onHeartbeat: (phase: string) => void = () => {}): ReturnType<typeof loadData> {
  return loadData(plan, settings, listData(plan, settings), onHeartbeat);
}

/** Loss, top-1 and top-5 error of a split; each image's prediction also goes into `tally` when given. */
export async function evaluate(model: TrainingModel, plan: Plan, split: Split, batch: number, beat: () => void = () => {}, tally?: ConfusionTally): Promise<{ loss: number; top1Error: number; top5Error: number }> {
  let loss = 0, wrong1 = 0, wrong5 = 0;
  const C = plan.classes;
  for (let start = 0; start < split.count; start += batch) {
    beat();
    const n = Math.min(batch, split.count - start);
    const probs = await model.predict(split.x.subarray(start * plan.inputSize, (start + n) * plan.inputSize), n);
    for (let b = 0; b < n; b++) {
      const label = split.labels[start + b];
      const p = probs[b * C + label];
      loss -= Math.log(Math.max(p, 1e-30));
      // Rank of the true class: how many classes score strictly higher.
      let above = 0;
      for (let k = 0; k < C; k++) if (probs[b * C + k] > p) above++;
      if (above >= 1) wrong1++;
      if (above >= 5) wrong5++;
      tally?.add(start + b, label, probs, b * C);
    }
  }
  return { loss: loss / split.count, top1Error: wrong1 / split.count, top5Error: wrong5 / split.count };
}

export async function train(network: Network, jobSettings: JobSettings | undefined, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
  let plan: Plan;
  let settings: ResolvedSettings;
  const resumeDir = jobSettings?.resume;
  try {
    // A resumed run is the run folder's network with its own settings.
    if (resumeDir !== undefined) ({ network, settings: jobSettings } = resumeSettings(resumeDir, jobSettings!));
    settings = resolveSettings(network, jobSettings);
    plan = buildPlan(network, { act: settings.act, init: settings.init });
  } catch (error) {
    throw new TrainingError('invalid-job', (error as Error).message);
  }
  if (settings.backend === 'pytorch') {
    // train.py keeps its own optimiser state; a checkpoint of this runner's cannot seed it.
    if (resumeDir !== undefined) throw new TrainingError('invalid-job', 'the pytorch backend cannot resume a run: resume it with --backend cpu, webgpu or reference');
    return trainOnPytorch(network, jobSettings, settings, callbacks);
  }
  const listing = listData(plan, settings);
  const datasetBytes = listing ? listing.bytes : (settings.trainSamples + settings.valSamples) * plan.inputSize * 4;
  checkHostMemory(network, Math.min(settings.batch, settings.trainSamples), settings.optimizer, datasetBytes);
  let { params, state } = initialTensors(plan, settings.seed);
  let checkpoint: Checkpoint | undefined;
  if (resumeDir !== undefined) {
    try {
      checkpoint = readCheckpoint(resumeDir, [...params, ...state], params.length, settings.optimizer === 'adam');
    } catch (error) {
      if (error instanceof ResumeError) throw new TrainingError('invalid-job', error.message);
      throw error;
    }
    const at = checkpoint.position;
    if (at.epoch >= settings.epochs) {
      throw new TrainingError('invalid-job', `cannot resume ${resumeDir}: it has finished all ${settings.epochs} of its epochs; ask for more epochs (--epochs ${settings.epochs + 1} or more) to train it further`);
    }
    params = checkpoint.tensors.slice(0, params.length);
    state = checkpoint.tensors.slice(params.length);
  }
  const optimizer = { ...DEFAULT_OPTIMIZER, kind: settings.optimizer, momentum: settings.momentum, weightDecay: settings.weightDecay };
  const data = loadData(plan, settings, listing, (phase) => callbacks.onHeartbeat?.(phase));
  if (data.val.count === 0) throw new TrainingError('invalid-job', 'the dataset has no validation images: give each class at least two');
  callbacks.onKernels?.({ state: 'building' });
  const building = performance.now();
  let pipelines = 0;
  const modelOptions = { optimizer, seed: settings.seed, smoothing: settings.smoothing, resume: checkpoint?.optimizer };
  const { model, info } = await createModel(settings.backend, plan, params, state, modelOptions, Math.min(settings.batch, data.train.count), () => {
    pipelines++;
    callbacks.onHeartbeat?.(BUILDING_KERNELS);
  });
  callbacks.onKernels?.({ state: 'ready', seconds: (performance.now() - building) / 1000, pipelines });
  try {
    return await trainModel(network, plan, settings, data, model, info, callbacks, resumeDir !== undefined ? { runDir: resumeDir, at: checkpoint!.position } : undefined);
  } finally {
    model.dispose();
  }
}

async function trainModel(
  network: Network, plan: Plan, settings: ResolvedSettings, data: ReturnType<typeof loadData>, model: TrainingModel, info: BackendInfo, callbacks: TrainCallbacks,
  resume: { runDir: string; at: TrainingPosition } | undefined,
): Promise<TrainResult> {
  const { classNames } = data;
  let folder: RunFolder;
  try {
    folder = resume
      ? RunFolder.reopen(resume.runDir, resume.at)
      : RunFolder.create(settings.runDir, network, { ...settings, backend: info.backend, adapter: info.adapter, classes: classNames });
  } catch (error) {
    if (error instanceof RunFolderError) throw new TrainingError('invalid-job', `${error.message}; choose another runDir`, { runDir: settings.runDir });
    throw error;
  }
  try {
    return await trainInFolder(network, plan, settings, data, model, info, callbacks, folder, resume?.at);
  } catch (error) {
    const e = isTrainingError(error) ? error : undefined;
    folder.end('failed', e?.message ?? String((error as Error)?.message ?? error), e?.code ?? 'internal');
    throw error;
  }
}

/**
 * The epoch loop. The weights on disk are always the last good ones: the initial weights first,
 * then each finished epoch's, then, when a stop request ends the run mid-epoch, the weights at
 * that step (unless a loss not yet read back is not finite). A diverged run keeps the last epoch's.
 */
async function trainInFolder(
  network: Network, plan: Plan, settings: ResolvedSettings, data: ReturnType<typeof loadData>, model: TrainingModel, info: BackendInfo, callbacks: TrainCallbacks, folder: RunFolder,
  resumeAt: TrainingPosition | undefined,
): Promise<TrainResult> {
  const { classNames, train: trainSplit, val: valSplit } = data;
  const beat = (phase: string) => () => callbacks.onHeartbeat?.(phase);
  const metadata = () => ({
    network: network.network ?? 'network', backend: info.backend, epochs: String(folder.state.epochs), steps: String(folder.state.steps), layout: 'NHWC; conv weights [filters, kh, kw, Cin/groups]; fc weights [units, inputs] over inputs flattened H, W, C',
  });
  // Full batches only (the last partial one is left for the next epoch's shuffle): every backend then
  // works at one batch size, and batchnorm never sees a tiny batch.
  const batch = Math.min(settings.batch, trainSplit.count);
  const stepsPerEpoch = Math.floor(trainSplit.count / batch);
  const earlier = resumeAt ? readMetrics(folder.path).filter((r) => r.epoch <= resumeAt.epoch) : [];
  callbacks.onStarted?.({
    runDir: folder.path, backend: info, settings, classes: classNames, stepsPerEpoch, params: plan.paramCount,
    ...(resumeAt ? { resumed: { epoch: resumeAt.epoch, stepInEpoch: resumeAt.stepInEpoch, steps: resumeAt.steps, epochs: earlier } } : {}),
  });
  const paramCount = plan.steps.reduce((n, step) => n + step.params.length, 0);
  const saveCheckpoint = async (position: TrainingPosition, tensors?: NamedTensor[]) => {
    beat('writing the checkpoint')();
    const file = encodeCheckpoint({ position, tensors: tensors ?? await model.tensors(), optimizer: await model.optimizerState() }, paramCount, {
      ...metadata(), seed: String(settings.seed), optimizer: settings.optimizer,
      dataOrder: 'epoch E visits the training split in a Fisher-Yates shuffle seeded by mixSeed(seed, 0xe0, E)',
    });
    folder.writeCheckpoint(file, { epoch: position.epoch, steps: position.steps });
  };
  if (!resumeAt) {
    beat('writing the initial weights')();
    folder.writeWeights(await model.tensors(), metadata(), { epoch: 0, steps: 0, note: 'initial weights' });
    await saveCheckpoint({ epoch: 0, stepInEpoch: 0, steps: 0, epochLossSum: 0, epochLossCount: 0 });
  }

  const epochs: EpochMetrics[] = [...earlier];
  const xBatch = new Float32Array(batch * plan.inputSize);
  const yBatch = new Int32Array(batch);
  let globalStep = resumeAt?.steps ?? 0;
  let stepInEpoch = 0;
  let epochLossSum = 0, epochLossCount = 0;
  let cancelled = false;
  let stopKind = 'cancelled' as 'cancelled' | 'interrupted';
  const stopRequested = () => {
    const stop = callbacks.shouldStop?.() ?? false;
    if (stop === 'interrupted') stopKind = 'interrupted';
    return stop !== false;
  };
  const stepBeat = beat('training');

  const firstEpoch = (resumeAt?.epoch ?? 0) + 1;
  for (let epoch = firstEpoch; epoch <= settings.epochs && !cancelled; epoch++) {
    const order = shuffled(trainSplit.count, new Rng(mixSeed(settings.seed, 0xe0, epoch)));
    const epochStart = performance.now();
    // A run resumed mid-epoch continues that epoch at its step, with its losses so far.
    const continuing = epoch === firstEpoch && resumeAt !== undefined;
    const firstStep = continuing ? resumeAt.stepInEpoch : 0;
    epochLossSum = continuing ? resumeAt.epochLossSum : 0;
    epochLossCount = continuing ? resumeAt.epochLossCount : 0;
    let windowStart = epochStart, windowSamples = 0, trainedSteps = 0;
    for (let s = firstStep; s < stepsPerEpoch; s++) {
      stepInEpoch = s;
      if (stopRequested()) { cancelled = true; break; }
      const n = batch;
      for (let b = 0; b < n; b++) {
        const i = order[s * batch + b];
        xBatch.set(trainSplit.x.subarray(i * plan.inputSize, (i + 1) * plan.inputSize), b * plan.inputSize);
        yBatch[b] = trainSplit.labels[i];
      }
      model.trainStep(xBatch.subarray(0, n * plan.inputSize), yBatch.subarray(0, n), n, learningRate(settings, epoch, s, stepsPerEpoch));
      globalStep++;
      trainedSteps++;
      stepInEpoch = s + 1;
      stepBeat();
      windowSamples += n;
      const last = s === stepsPerEpoch - 1;
      if ((s + 1) % settings.lossEvery === 0 || last) {
        const losses = await model.takeLosses();
        const firstBad = losses.findIndex((l) => !Number.isFinite(l));
        if (firstBad >= 0) {
          const badStep = globalStep - losses.length + firstBad + 1;
          const saved = folder.state.weights;
          throw new TrainingError('non-finite-loss',
            `the loss became ${losses[firstBad]} at step ${badStep} (epoch ${epoch}): training diverged; lower the learning rate (lr=${settings.lr}, try ${settings.lr / 10})`
            + `; the run folder keeps the weights from before it (${saved && saved.epoch > 0 ? `after epoch ${saved.epoch}, step ${saved.steps}` : 'the initial weights'})`,
            { step: badStep, epoch, lr: settings.lr });
        }
        const now = performance.now();
        const mean = losses.reduce((a, b) => a + b, 0) / Math.max(1, losses.length);
        epochLossSum += losses.reduce((a, b) => a + b, 0);
        epochLossCount += losses.length;
        callbacks.onProgress?.({ epoch, step: s + 1, stepsPerEpoch, loss: mean, samplesPerSec: windowSamples / ((now - windowStart) / 1000) });
        windowStart = now;
        windowSamples = 0;
        // Let the event loop run (cancel messages, stdout) between windows.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    // A cancelled epoch is not evaluated (that could take longer than the second a cancel may take);
    // its training losses went out as progress, and the finished epochs are on disk.
    if (cancelled) break;
    const trainSeconds = (performance.now() - epochStart) / 1000;
    const tally = new ConfusionTally(plan.classes);
    const val = await evaluate(model, plan, valSplit, batch, beat('validating'), tally);
    const row: EpochMetrics = {
      epoch, steps: globalStep, trainLoss: epochLossSum / Math.max(1, epochLossCount), valLoss: val.loss,
      top1Error: val.top1Error, top5Error: val.top5Error,
      samplesPerSec: (trainedSteps * batch) / trainSeconds,
      seconds: trainSeconds,
    };
    epochs.push(row);
    folder.addEpoch(row);
    // Each epoch's weights, so a kill loses at most an epoch.
    beat('writing the weights')();
    const tensors = await model.tensors();
    folder.writeWeights(tensors, metadata(), { epoch, steps: globalStep });
    beat('writing the evaluation')();
    writeEvaluation(folder.path, epoch, classNames, plan, valSplit, tally, tensors);
    await saveCheckpoint({ epoch, stepInEpoch: 0, steps: globalStep, epochLossSum: 0, epochLossCount: 0 }, tensors);
    callbacks.onEpoch?.(row);
  }
  if (cancelled && globalStep === 0) {
    // Stopped while the kernels built, before any step: the folder would hold only the seed's weights.
    folder.discard();
    return { runDir: folder.path, discarded: true, cancelled, epochs, backend: info, steps: 0 };
  }
  if (cancelled) {
    // The steps since the last read-back have not been checked: their weights are saved only if all their losses are finite.
    const pending = await model.takeLosses();
    if (globalStep > folder.state.steps && pending.every(Number.isFinite)) {
      const finished = epochs.length ? epochs[epochs.length - 1].epoch : 0;
      folder.writeWeights(await model.tensors(), { ...metadata(), steps: String(globalStep) }, { epoch: finished, steps: globalStep, note: `stopped during epoch ${finished + 1}` });
      await saveCheckpoint({
        epoch: finished, stepInEpoch, steps: globalStep,
        epochLossSum: epochLossSum + pending.reduce((a, b) => a + b, 0), epochLossCount: epochLossCount + pending.length,
      });
    }
    folder.end(stopKind, stopKind === 'interrupted' ? 'interrupted (Ctrl+C)' : undefined);
  } else {
    folder.end('completed');
  }
  return { runDir: folder.path, cancelled, epochs, backend: info, steps: globalStep };
}

function shuffled(n: number, rng: Rng): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]; order[i] = order[j]; order[j] = t;
  }
  return order;
}
