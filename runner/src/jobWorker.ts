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
  try {
    const result = await train(request.network, request.settings, {
      onStarted: (event) => post({ type: 'started', event }),
      onProgress: (event) => post({ type: 'progress', event }),
      onEpoch: (event) => post({ type: 'epoch', event }),
      shouldStop: () => Atomics.load(stop, 0) === 1,
    });
    post({ type: 'done', result });
  } catch (error) {
    if (isTrainingError(error)) post({ type: 'failed', code: error.code, message: error.message, details: error.details });
    else post({ type: 'failed', code: 'internal', message: (error as Error)?.stack ?? String(error) });
  }
}
