/**
 * The pytorch backend: a job trained by PyTorch through the exported train.py (export/pytorch.ts)
 * in a child process, on whatever device torch finds (CUDA, MPS, the CPU). The export goes to a
 * temporary folder; train.py writes the run folder itself, in the runner's format, and reports
 * started, progress, epoch and done as JSON lines, which become the same callbacks as the other
 * backends'. A stop request sends SIGTERM (SIGINT when interrupted): train.py saves the weights at
 * that step and ends the run as cancelled (interrupted), as it does when its stdin closes (this process gone).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Network } from '../../server/src/language/network';
import type { BackendInfo } from './backend';
import { ExportError, exportPytorch } from './export/pytorch';
import { markRunEnded, type EpochMetrics } from './runFolder';
import type { JobSettings, ResolvedSettings } from './settings';
import type { TrainCallbacks, TrainResult } from './train';
import { TrainingError, type FailureCode } from './trainingError';

/** What train.py says torch will use, in words ("PyTorch 1.13.0, CUDA: NVIDIA H200"). */
const DEVICE_PROBE = `import torch
if torch.cuda.is_available(): print(f'PyTorch {torch.__version__}, CUDA: {torch.cuda.get_device_name(0)}' + (f' (x{torch.cuda.device_count()})' if torch.cuda.device_count() > 1 else ''))
elif getattr(torch.backends, 'mps', None) is not None and torch.backends.mps.is_available(): print(f'PyTorch {torch.__version__}, MPS (Apple GPU)')
else: print(f'PyTorch {torch.__version__}, CPU ({torch.get_num_threads()} thread' + ('s)' if torch.get_num_threads() != 1 else ')'))`;

export type TorchPython = { python: string; device: string } | { missing: string };

const probed = new Map<string, Promise<TorchPython>>();

function probe(python: string): Promise<{ ok: true; device: string } | { ok: false; why: string }> {
  return new Promise((resolve) => {
    const child = spawn(python, ['-c', DEVICE_PROBE], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, why: error.code === 'ENOENT' ? 'not found' : error.message }));
    child.on('close', (code) => {
      if (code === 0 && out.trim()) resolve({ ok: true, device: out.trim().split('\n').at(-1)! });
      else resolve({ ok: false, why: /No module named '?torch'?/.test(err) ? 'no module torch' : err.trim().split('\n').at(-1) || `exit ${code}` });
    });
  });
}

/**
 * The first interpreter that imports torch, of: the configured one (a job's `python`, the CLI's
 * --python), $CNN_PYTHON, python3, /usr/bin/python3. The answer is kept per list: importing torch takes seconds.
 */
export function findTorchPython(configured?: string, env: NodeJS.ProcessEnv = process.env): Promise<TorchPython> {
  const candidates = [...new Set([configured, env.CNN_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p))];
  const key = candidates.join('\n');
  let found = probed.get(key);
  if (!found) {
    found = (async () => {
      const tried: string[] = [];
      for (const python of candidates) {
        const answer = await probe(python);
        if (answer.ok) return { python, device: answer.device };
        tried.push(`${python}: ${answer.why}`);
      }
      return { missing: `no Python with torch (${tried.join('; ')}); install PyTorch (Debian: apt-get install python3-torch) or name an interpreter with --python or $CNN_PYTHON` };
    })();
    probed.set(key, found);
  }
  return found;
}

export function pytorchInfo(found: { python: string; device: string }, reason = 'backend=pytorch was asked for'): BackendInfo {
  return { backend: 'pytorch', adapter: `${found.device} (${found.python})`, reason };
}

interface TrainPyEvent {
  type: 'started' | 'progress' | 'epoch' | 'done' | 'failed';
  [key: string]: unknown;
}

export async function trainOnPytorch(network: Network, job: JobSettings | undefined, settings: ResolvedSettings, callbacks: TrainCallbacks): Promise<TrainResult> {
  const found = await findTorchPython(job?.python);
  if ('missing' in found) throw new TrainingError('no-adapter', `backend=pytorch was asked for, but there is ${found.missing}`);
  const info = pytorchInfo(found);
  const dir = mkdtempSync(join(tmpdir(), 'cnn-pytorch-'));
  try {
    callbacks.onHeartbeat?.('exporting the network and the dataset for PyTorch');
    let classes: string[];
    try {
      ({ classes } = exportPytorch(network, { outDir: dir, dataDir: settings.dataDir, settings: { ...job, backend: undefined } }));
    } catch (error) {
      if (error instanceof ExportError) throw new TrainingError('invalid-job', error.message);
      throw error;
    }
    return await runTrainPy(found.python, dir, settings, info, classes, callbacks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runTrainPy(python: string, dir: string, settings: ResolvedSettings, info: BackendInfo, classes: string[], callbacks: TrainCallbacks): Promise<TrainResult> {
  return new Promise((resolve, reject) => {
    // stdin stays open while this process (or worker thread) lives: train.py stops when it closes, so a
    // worker ended by force leaves no training behind.
    const child = spawn(python, [join(dir, 'train.py'), '--json', '--stop-on-stdin-eof', '--runs', settings.runDir], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    let runDir: string | undefined;
    let outcome: { result: TrainResult } | { error: TrainingError } | undefined;
    const epochs: EpochMetrics[] = [];
    let stderr = '';
    let pending = '';
    let signalled = false;
    const poll = setInterval(() => {
      const stop = callbacks.shouldStop?.() ?? false;
      if (stop !== false && !signalled) {
        signalled = true;
        child.kill(stop === 'interrupted' ? 'SIGINT' : 'SIGTERM');
      }
    }, 100);
    const handle = (event: TrainPyEvent) => {
      callbacks.onHeartbeat?.(event.type === 'progress' ? 'training' : event.type);
      switch (event.type) {
        case 'started':
          runDir = event.runDir as string;
          callbacks.onStarted?.({
            runDir, backend: { ...info, adapter: `${event.adapter as string} (${python})` }, settings: { ...settings, backend: 'pytorch' },
            classes, stepsPerEpoch: event.stepsPerEpoch as number, params: event.params as number,
          });
          break;
        case 'progress':
          callbacks.onProgress?.({ epoch: event.epoch as number, step: event.step as number, stepsPerEpoch: event.stepsPerEpoch as number, loss: event.loss as number, samplesPerSec: event.samplesPerSec as number });
          break;
        case 'epoch': {
          const { type: _type, ...row } = event;
          epochs.push(row as unknown as EpochMetrics);
          callbacks.onEpoch?.(row as unknown as EpochMetrics);
          break;
        }
        case 'done':
          outcome = { result: { runDir: event.runDir as string, cancelled: event.cancelled as boolean, epochs, backend: info, steps: event.steps as number } };
          break;
        case 'failed':
          outcome = { error: new TrainingError((event.code as FailureCode) ?? 'internal', event.message as string, runDir ? { runDir } : {}) };
          break;
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        try {
          handle(JSON.parse(line) as TrainPyEvent);
        } catch (error) {
          // A callback's own error (a full disk in the CLI's output) ends the job as it would on any backend.
          outcome ??= { error: new TrainingError('internal', (error as Error).message) };
          child.kill('SIGTERM');
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-8000); });
    child.on('error', (error) => { clearInterval(poll); reject(new TrainingError('no-adapter', `cannot start ${python}: ${error.message}`)); });
    child.on('close', (code, signal) => {
      clearInterval(poll);
      if (outcome && 'result' in outcome) return resolve(outcome.result);
      const error = outcome?.error ?? new TrainingError('internal', `PyTorch's train.py ${signal ? `was ended by ${signal}` : `exited with code ${code}`}: ${stderr.trim().split('\n').slice(-5).join('\n') || 'no message'}`);
      // A train.py that died before saying so leaves its run folder `running`.
      if (runDir) markRunEnded(runDir, { status: 'failed', reason: error.message, code: error.code });
      reject(error);
    });
  });
}
