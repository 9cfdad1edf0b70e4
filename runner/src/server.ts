/**
 * The protocol side of the runner (main thread): requests, the job queue, notifications.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { createMessageConnection, ErrorCodes, ResponseError, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { BackendInfo } from './backend';
import type { WorkerMessage, WorkerRequest } from './jobWorker';
import { largestPlanBuffer, mib } from './memory';
import { buildPlan } from './plan';
import { findTorchPython } from './pytorchBackend';
import {
  ERROR_TOO_LARGE, PROTOCOL_VERSION, type JobCancelParams, type JobCancelResult, type JobStartParams, type JobStartResult, type RunnerInfo,
} from './protocol';
import { markRunEnded, type EpochMetrics } from './runFolder';
import { DATASETS, resolveSettings, type JobSettings } from './settings';

/** A cancelled job that does not reach its next step in this time is ended by force. */
const CANCEL_GRACE_MS = 700;
const PROBE_TIMEOUT_MS = 30000;

interface Job {
  id: string;
  params: JobStartParams;
  stop: SharedArrayBuffer;
  worker?: Worker;
  runDir?: string;
  epochs: EpochMetrics[];
  steps: number;
  finished: boolean;
  /** The watchdog: the job fails when no message comes from its worker for this long. */
  watchdogMs: number;
  lastSign: number;
  /** What the job was last heard doing, for the watchdog's message. */
  phase: string;
  watchdog?: ReturnType<typeof setInterval>;
}

/** Ends a worker; what it was writing is done (or abandoned) before `then` runs, or after a second at most. */
function endWorker(worker: Worker | undefined): Promise<void> {
  if (!worker) return Promise.resolve();
  return Promise.race([worker.terminate().then(() => undefined, () => undefined), new Promise<void>((r) => setTimeout(r, 1000).unref())]);
}

/** The backends besides auto's choice, with pytorch when a Python with torch is found, and its device. */
async function otherBackends(): Promise<Pick<RunnerInfo, 'backends' | 'devices'>> {
  const torch = await findTorchPython();
  return 'device' in torch
    ? { backends: ['webgpu', 'cpu', 'reference', 'pytorch'], devices: { pytorch: torch.device } }
    : { backends: ['webgpu', 'cpu', 'reference'], devices: {} };
}

export function startRunnerServer(entryFile: string): MessageConnection {
  // stdout carries the protocol: anything logged goes to stderr.
  console.log = console.error;
  console.info = console.error;
  const connection = createMessageConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));
  const queue: Job[] = [];
  let running: Job | undefined;
  let probe: Promise<BackendInfo> | undefined;

  const backendInfo = (): Promise<BackendInfo> => {
    probe ??= new Promise<BackendInfo>((resolve) => {
      const worker = startWorker(entryFile, { kind: 'probe' });
      const timer = setTimeout(() => { void worker.terminate(); resolve(noAdapter('the adapter probe did not answer within 30 s')); }, PROBE_TIMEOUT_MS);
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'probe') {
          clearTimeout(timer);
          resolve(m.info);
          void worker.terminate();
        }
      });
      worker.on('error', (e) => { clearTimeout(timer); resolve(noAdapter(`the adapter probe failed: ${e.message}`)); });
    });
    return probe;
  };

  connection.onRequest('runner/info', async (): Promise<RunnerInfo> => {
    const [backend, others] = await Promise.all([backendInfo(), otherBackends()]);
    return { name: 'cnn-runner', version: '0.1.0', protocol: PROTOCOL_VERSION, pid: process.pid, backend, ...others, datasets: [...DATASETS] };
  });

  connection.onRequest('job/start', async (params: JobStartParams): Promise<JobStartResult> => {
    if (!params || typeof params !== 'object' || !params.network || typeof params.network !== 'object') {
      throw new ResponseError(ErrorCodes.InvalidParams, 'job/start needs { network: Network, settings?: JobSettings }: the network is missing');
    }
    let batch: number;
    let choice: JobSettings['backend'];
    let plan;
    let watchdogSeconds: number;
    try {
      const settings = resolveSettings(params.network, params.settings);
      plan = buildPlan(params.network, { act: settings.act, init: settings.init });
      batch = Math.min(settings.batch, settings.trainSamples);
      choice = settings.backend;
      watchdogSeconds = settings.watchdogSeconds;
    } catch (error) {
      throw new ResponseError(ErrorCodes.InvalidParams, `bad job: ${(error as Error).message}`);
    }
    if (choice !== 'reference' && choice !== 'pytorch') {
      const info = await backendInfo();
      const limit = info.limits?.maxStorageBufferBindingSize;
      const largest = largestPlanBuffer(plan, batch);
      if (info.backend === 'webgpu' && limit !== undefined && largest.bytes > limit) {
        throw new ResponseError(ERROR_TOO_LARGE,
          `the network is too large for the adapter at batch ${batch}: ${largest.name} needs ${mib(largest.bytes)} in one buffer, the adapter allows ${mib(limit)}; lower the batch size`,
          { needed: largest.bytes, limit, buffer: largest.name, batch });
      }
    }
    const job: Job = {
      id: randomUUID(), params, stop: new SharedArrayBuffer(4), epochs: [], steps: 0, finished: false,
      watchdogMs: watchdogSeconds * 1000, lastSign: 0, phase: 'queued',
    };
    queue.push(job);
    const queued = queue.length - 1 + (running ? 1 : 0);
    setImmediate(next);
    return { jobId: job.id, queued };
  });

  connection.onRequest('job/cancel', (params: JobCancelParams): JobCancelResult => {
    const id = params?.jobId;
    if (typeof id !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'job/cancel needs { jobId: string }');
    const waiting = queue.findIndex((j) => j.id === id);
    if (waiting >= 0) {
      const [job] = queue.splice(waiting, 1);
      job.finished = true;
      void connection.sendNotification('job/done', { jobId: id, runDir: null, cancelled: true, epochs: [], steps: 0 });
      return { cancelled: true };
    }
    if (running?.id !== id || running.finished) return { cancelled: false };
    const job = running;
    const stop = new Int32Array(job.stop);
    Atomics.store(stop, 0, 1);
    // Wakes a worker that waits on the word (the epoch-pause test hook in jobWorker.ts).
    Atomics.notify(stop, 0);
    setTimeout(() => {
      if (job.finished) return;
      // Still inside a long step: end the worker; the metrics and weights of finished epochs are already on disk.
      finish(job, 'job/done', { jobId: job.id, runDir: job.runDir ?? null, cancelled: true, epochs: job.epochs, steps: job.steps });
      const runDir = job.runDir;
      void endWorker(job.worker).then(() => {
        if (runDir) markRunEnded(runDir, { status: 'cancelled', reason: `cancelled by force: the step in progress did not end within ${CANCEL_GRACE_MS} ms; the weights are the last saved ones`, epochs: job.epochs.length, steps: job.steps });
      });
    }, CANCEL_GRACE_MS);
    return { cancelled: true };
  });

  function finish(job: Job, method: 'job/done' | 'job/failed', payload: object): void {
    if (job.finished) return;
    job.finished = true;
    clearInterval(job.watchdog);
    void connection.sendNotification(method, payload);
    if (running === job) running = undefined;
    setImmediate(next);
  }

  function next(): void {
    if (running || queue.length === 0) return;
    const job = queue.shift()!;
    running = job;
    const request: WorkerRequest = { kind: 'job', network: job.params.network, settings: job.params.settings, stop: job.stop };
    const worker = startWorker(entryFile, request);
    job.worker = worker;
    job.lastSign = Date.now();
    job.phase = 'preparing (checking the job, loading the dataset, opening the backend)';
    // A job that makes no progress (a hung device, a stuck file system, a bug) would hold the queue
    // for ever: past its watchdog time it fails, its worker is ended, and the next job starts.
    job.watchdog = setInterval(() => {
      if (job.finished || Date.now() - job.lastSign <= job.watchdogMs) return;
      const seconds = job.watchdogMs / 1000;
      const message = `the job made no progress for ${seconds} s while ${job.phase}, so the runner stopped it (watchdogSeconds=${seconds}; raise it for steps that take longer)`;
      const runDir = job.runDir;
      finish(job, 'job/failed', { jobId: job.id, code: 'stalled', message, runDir });
      void endWorker(worker).then(() => {
        if (runDir) markRunEnded(runDir, { status: 'failed', code: 'stalled', reason: `${message}; the weights are the last saved ones`, epochs: job.epochs.length, steps: job.steps });
      });
    }, Math.max(50, Math.min(1000, job.watchdogMs / 4)));
    worker.on('message', (m: WorkerMessage) => {
      if (job.finished) return;
      job.lastSign = Date.now();
      switch (m.type) {
        case 'heartbeat':
          job.phase = m.phase;
          break;
        case 'kernels':
          void connection.sendNotification('job/kernels', { jobId: job.id, ...m.event });
          break;
        case 'started':
          job.phase = 'writing the initial weights';
          job.runDir = m.event.runDir;
          // A resumed run's earlier epochs count as its own (a forced stop reports them all).
          if (m.event.resumed) job.epochs.push(...m.event.resumed.epochs);
          void connection.sendNotification('job/started', { jobId: job.id, ...m.event });
          break;
        case 'progress':
          job.phase = 'training';
          job.steps = (m.event.epoch - 1) * m.event.stepsPerEpoch + m.event.step;
          void connection.sendNotification('job/progress', { jobId: job.id, ...m.event });
          break;
        case 'epoch':
          job.epochs.push(m.event);
          void connection.sendNotification('job/epoch', { jobId: job.id, ...m.event });
          break;
        case 'done':
          finish(job, 'job/done', { jobId: job.id, runDir: m.result.discarded ? null : m.result.runDir, cancelled: m.result.cancelled, epochs: m.result.epochs, steps: m.result.steps });
          void worker.terminate();
          break;
        case 'failed':
          finish(job, 'job/failed', { jobId: job.id, code: m.code, message: m.message, details: m.details, runDir: job.runDir });
          void worker.terminate();
          break;
      }
    });
    const lost = (message: string) => {
      if (job.finished) return;
      if (job.runDir) markRunEnded(job.runDir, { status: 'failed', code: 'internal', reason: `${message}; the weights are the last saved ones`, epochs: job.epochs.length, steps: job.steps });
      finish(job, 'job/failed', { jobId: job.id, code: 'internal', message, runDir: job.runDir });
    };
    worker.on('error', (error) => lost(`the job's worker crashed: ${error.message}`));
    worker.on('exit', (code) => lost(`the job's worker exited (code ${code}) without finishing`));
  }

  connection.onClose(() => process.exit(0));
  connection.listen();
  return connection;
}

function noAdapter(reason: string): BackendInfo {
  return { backend: 'reference', adapter: 'TypeScript on the CPU', fallback: `${reason}: each job chooses its backend when it starts`, reason: 'the backend probe did not answer' };
}

/**
 * The worker runs this same file. From the bundle that is plain JavaScript; from source (the tests
 * run the runner through tsx) the worker must register tsx itself, as loader hooks given with
 * --import do not reach worker threads.
 */
function startWorker(entryFile: string, request: WorkerRequest): Worker {
  if (!entryFile.endsWith('.ts')) return new Worker(entryFile, { workerData: request });
  const bootstrap = `require('tsx/cjs/api').register(); require(${JSON.stringify(entryFile)});`;
  return new Worker(bootstrap, { eval: true, workerData: request });
}
