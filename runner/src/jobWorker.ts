/**
 * The job side of the runner: runs in a worker thread, so the main thread keeps answering the
 * protocol (cancel, info) while a step computes, and a crash or a lost device ends the worker,
 * not the runner.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Network } from '../../server/src/language/network';
import type { JobSettings } from './settings';
import { isTrainingError, train, TrainingError } from './train';
import { chooseBackend } from './backends';

export type WorkerRequest =
  | { kind: 'probe' }
  | { kind: 'job'; network: Network; settings: JobSettings | undefined; stop: SharedArrayBuffer };

export type WorkerMessage =
  | { type: 'probe'; info: import('./backend').BackendInfo }
  | { type: 'started'; event: import('./train').StartedEvent }
  | { type: 'progress'; event: import('./train').ProgressEvent }
  | { type: 'epoch'; event: import('./runFolder').EpochMetrics }
  /** The job is alive and doing this (sent at most once a second); the runner's watchdog listens. */
  | { type: 'heartbeat'; phase: string }
  | { type: 'done'; result: import('./train').TrainResult }
  | { type: 'failed'; code: import('./train').FailureCode; message: string; details?: Record<string, unknown> };

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
  try {
    const result = await train(request.network, request.settings, {
      onHeartbeat: (phase) => {
        const now = Date.now();
        if (now - lastBeat < 1000 && phase === lastPhase) return;
        lastBeat = now;
        lastPhase = phase;
        post({ type: 'heartbeat', phase });
      },
      onStarted: (event) => post({ type: 'started', event }),
      onProgress: (event) => {
        post({ type: 'progress', event });
        if (stall) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      },
      onEpoch: (event) => post({ type: 'epoch', event }),
      shouldStop: () => Atomics.load(stop, 0) === 1,
    });
    post({ type: 'done', result });
  } catch (error) {
    if (isTrainingError(error)) post({ type: 'failed', code: error.code, message: error.message, details: error.details });
    else post({ type: 'failed', code: 'internal', message: (error as Error)?.stack ?? String(error) });
  }
}
