/**
 * The job side of the runner: runs in a worker thread, so the main thread keeps answering the
 * protocol (cancel, info) while a step computes, and a crash or a lost device ends the worker,
 * not the runner.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Network } from '../../server/src/language/network';
import type { JobSettings } from './settings';
import { BUILDING_KERNELS, isTrainingError, train, TrainingError } from './train';
import { chooseBackend } from './backends';

export type WorkerRequest =
  | { kind: 'probe' }
  | { kind: 'job'; network: Network; settings: JobSettings | undefined; stop: SharedArrayBuffer };

export type WorkerMessage =
  | { type: 'probe'; info: import('./backend').BackendInfo }
  | { type: 'kernels'; event: import('./train').KernelsEvent }
  | { type: 'started'; event: import('./train').StartedEvent }
  | { type: 'progress'; event: import('./train').ProgressEvent }
  | { type: 'epoch'; event: import('./runFolder').EpochMetrics }
  /** The job is alive and doing this (sent at most every HEARTBEAT_MS per phase); the runner's watchdog listens. */
  | { type: 'heartbeat'; phase: string }
  | { type: 'done'; result: import('./train').TrainResult }
  | { type: 'failed'; code: import('./train').FailureCode; message: string; details?: Record<string, unknown> };

/** Heartbeats of one phase go out at most this often: well inside the shortest watchdog (1 s). */
const HEARTBEAT_MS = 200;

export async function workerMain(): Promise<void> {
  const request = workerData as WorkerRequest;
  const post = (m: WorkerMessage) => parentPort!.postMessage(m);
  if (request.kind === 'probe') {
    // What a job with backend=auto gets on this machine, and why.
    const { info, opened } = await chooseBackend('auto');
    opened?.device?.destroy();
    post({ type: 'probe', info });
    return;
  }
  const stop = new Int32Array(request.stop);
  let lastBeat = 0;
  let lastPhase = '';
  // For the watchdog's tests: a job whose network has this name blocks right after it reports its
  // first progress, as a step on a hung device or file system would (Atomics.wait sleeps without
  // using the CPU; terminate() ends it).
  const stall = process.env.CNN_RUNNER_TEST_STALL === request.network.network;
  // And "NAME:MS,…" makes each WebGPU pipeline of the network NAME take MS longer to build (-1: for
  // ever), as a software adapter's compiler does.
  const slow = (process.env.CNN_RUNNER_TEST_SLOW_PIPELINES ?? '').split(',').map((e) => e.split(':')).find(([name]) => name === request.network.network);
  const slowPipelineMs = slow ? Number(slow[1]) : 0;
  // And "NAME:MS" holds a job of the network NAME for up to MS after each epoch but its last, or
  // until it is cancelled: a cancel sent on an epoch's report then lands before the next epoch, however
  // fast its steps (a tiny network's 32 steps outran the cancel on a loaded machine).
  const pause = (process.env.CNN_RUNNER_TEST_EPOCH_PAUSE ?? '').split(':');
  const epochPauseMs = pause[0] === request.network.network ? Number(pause[1]) : 0;
  let plannedEpochs = 0;
  try {
    const result = await train(request.network, request.settings, {
      onHeartbeat: (phase) => {
        const now = Date.now();
        if (now - lastBeat >= HEARTBEAT_MS || phase !== lastPhase) {
          lastBeat = now;
          lastPhase = phase;
          post({ type: 'heartbeat', phase });
        }
        if (slowPipelineMs && phase === BUILDING_KERNELS) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, slowPipelineMs < 0 ? undefined : slowPipelineMs);
      },
      onKernels: (event) => post({ type: 'kernels', event }),
      onStarted: (event) => {
        plannedEpochs = event.settings.epochs;
        post({ type: 'started', event });
      },
      onProgress: (event) => {
        post({ type: 'progress', event });
        if (stall) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      },
      onEpoch: (event) => {
        post({ type: 'epoch', event });
        if (epochPauseMs > 0 && event.epoch < plannedEpochs) Atomics.wait(stop, 0, 0, epochPauseMs);
      },
      shouldStop: () => Atomics.load(stop, 0) === 1,
    });
    post({ type: 'done', result });
  } catch (error) {
    if (isTrainingError(error)) post({ type: 'failed', code: error.code, message: error.message, details: error.details });
    else post({ type: 'failed', code: 'internal', message: (error as Error)?.stack ?? String(error) });
  }
}
