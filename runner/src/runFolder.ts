/**
 * A run's folder, `.cnn-runs/<network>-<time>/`: network.json, settings.json, metrics.jsonl and
 * metrics.csv (rewritten after each epoch), weights.safetensors (the initial weights, then rewritten
 * after each epoch and when the run stops) and status.json (how the run ended, or `running`, and
 * which weights are on disk). Every file is written to a temporary name and renamed, so a reader
 * never sees half a file, even if the run is killed.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';
import type { Network } from '../../server/src/language/network';
import { initialTensors, type NamedTensor } from './init';
import type { Plan } from './plan';
import { decodeSafetensors, encodeSafetensors } from './safetensors';

export interface EpochMetrics {
  epoch: number;
  steps: number;
  trainLoss: number;
  valLoss: number;
  top1Error: number;
  top5Error: number;
  samplesPerSec: number;
  seconds: number;
}

const CSV_COLUMNS: (keyof EpochMetrics)[] = ['epoch', 'steps', 'trainLoss', 'valLoss', 'top1Error', 'top5Error', 'samplesPerSec', 'seconds'];

/**
 * How a run ended. `running` on disk with no runner left means the process was killed (SIGKILL,
 * power loss) before it could say: the weights named in the status are still the last good ones.
 */
export type RunState = 'running' | 'completed' | 'cancelled' | 'failed' | 'interrupted';

export interface RunStatus {
  status: RunState;
  /** Why it failed, was interrupted or cancelled by force, in words. */
  reason?: string;
  /** A failure's code (job/failed's). */
  code?: string;
  started: string;
  ended?: string;
  /** Finished epochs and training steps done. */
  epochs: number;
  steps: number;
  /** What weights.safetensors holds: the weights after this many epochs and steps (0, 0: the initial weights). */
  weights: { epoch: number; steps: number; note?: string } | null;
  /** What checkpoint.safetensors holds (the run resumes from there): finished epochs and steps done. */
  checkpoint?: { epoch: number; steps: number };
  /** Each time the run was resumed: when, how it had ended, and from which epoch and step. */
  resumed?: { at: string; from: RunState; epoch: number; steps: number }[];
}

export const STATUS_FILE = 'status.json';
export const WEIGHTS_FILE = 'weights.safetensors';
export const CHECKPOINT_FILE = 'checkpoint.safetensors';
/** The latest epoch's confusion matrix, mistakes and filters (evaluation.ts). */
export const EVALUATION_DIR = 'evaluation';

/** The rows of a run's metrics.jsonl (none when it has none). */
export function readMetrics(runDir: string): EpochMetrics[] {
  let text: string;
  try {
    text = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as EpochMetrics);
}

export function writeAtomically(path: string, data: string | Buffer): void {
  // The worker threads of a runner share its pid: the thread id keeps their temporary names apart.
  const temp = `${path}.${process.pid}-${threadId}.tmp`;
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** The run's status.json, or undefined when it has none (or it cannot be read). */
export function readRunStatus(runDir: string): RunStatus | undefined {
  try {
    return JSON.parse(readFileSync(join(runDir, STATUS_FILE), 'utf8')) as RunStatus;
  } catch {
    return undefined;
  }
}

/**
 * Records how a run ended from outside the trainer (the runner when it ends a worker by force, or
 * a process exiting): the weights the trainer last recorded stay as they are. Never throws.
 */
export function markRunEnded(runDir: string, end: { status: Exclude<RunState, 'running'>; reason?: string; code?: string; epochs?: number; steps?: number }): void {
  try {
    const previous = readRunStatus(runDir);
    if (previous && previous.status !== 'running') return;
    const status: RunStatus = {
      started: previous?.started ?? new Date().toISOString(),
      epochs: end.epochs ?? previous?.epochs ?? 0,
      steps: end.steps ?? previous?.steps ?? 0,
      weights: previous?.weights ?? null,
      status: end.status,
      ...(end.reason !== undefined ? { reason: end.reason } : {}),
      ...(end.code !== undefined ? { code: end.code } : {}),
      ended: new Date().toISOString(),
    };
    writeAtomically(join(runDir, STATUS_FILE), JSON.stringify(status, null, 2) + '\n');
    // A worker ended while writing leaves its temporary file; the file it was replacing is whole.
    for (const name of readdirSync(runDir)) if (name.endsWith('.tmp')) rmSync(join(runDir, name), { force: true });
  } catch {
    // A status that cannot be written must not hide the error that ended the run.
  }
}

/**
 * mkdir -p, one level at a time. Node's own recursive mkdirSync never returns for a path under
 * /proc (it retries ENOENT forever, in C++, where no worker termination reaches it).
 */
export function makeDirectories(path: string): void {
  const full = resolve(path);
  try {
    if (statSync(full).isDirectory()) return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const parent = dirname(full);
  if (parent !== full) makeDirectories(parent);
  try {
    mkdirSync(full);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80) || 'network';
}

export class RunFolderError extends Error {}

export class RunFolder {
  readonly path: string;
  private readonly rows: EpochMetrics[];

  /** A new folder `.cnn-runs/<network>-<time>/` under baseDir, with the network and the settings. */
  static create(baseDir: string, network: Network, settings: unknown, now = new Date()): RunFolder {
    const stamp = now.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
    const root = join(baseDir, '.cnn-runs');
    let path = join(root, `${safeName(network.network ?? 'network')}-${stamp}`);
    try {
      makeDirectories(root);
    } catch (error) {
      throw new RunFolderError(`cannot create the run folder in ${root}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    // Two runs in the same second (tests, a quick restart) each get their own folder.
    for (let n = 2; ; n++) {
      try {
        mkdirSync(path);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' || n > 1000) throw new RunFolderError(`cannot create the run folder ${path}: ${code ?? (error as Error).message}`);
        path = join(root, `${safeName(network.network ?? 'network')}-${stamp}-${n}`);
      }
    }
    writeAtomically(join(path, 'network.json'), JSON.stringify(network, null, 2) + '\n');
    writeAtomically(join(path, 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
    return new RunFolder(path, [], { status: 'running', started: now.toISOString(), epochs: 0, steps: 0, weights: null });
  }

  /**
   * An earlier run's folder, to continue it from its checkpoint: the metrics of its first
   * `epochs` epochs are kept (a kill between an epoch's metrics and its checkpoint leaves one more),
   * and the status says running again, with the resume recorded.
   */
  static reopen(path: string, at: { epoch: number; steps: number }, now = new Date()): RunFolder {
    const previous = readRunStatus(path);
    if (!previous) throw new RunFolderError(`${path} has no readable ${STATUS_FILE}: it is not a run folder`);
    const rows = readMetrics(path).filter((r) => r.epoch <= at.epoch);
    const { reason: _reason, code: _code, ended: _ended, ...kept } = previous;
    const resumed = [...(previous.resumed ?? []), { at: now.toISOString(), from: previous.status, epoch: at.epoch, steps: at.steps }];
    return new RunFolder(path, rows, { ...kept, status: 'running', epochs: at.epoch, steps: at.steps, resumed });
  }

  private constructor(path: string, rows: EpochMetrics[], status: RunStatus) {
    this.path = path;
    this.rows = rows;
    this.status = status;
    this.writeMetrics();
    this.writeStatus();
    // A CLI process that exits mid-run (a second Ctrl+C, an uncaught error) says so. In the runner's
    // worker threads the runner itself records what ended the worker.
    if (isMainThread) process.on('exit', this.onExit);
  }

  private status: RunStatus;
  private readonly onExit = (code: number) => {
    if (this.status.status !== 'running') return;
    this.end(code === 130 ? 'interrupted' : 'failed', code === 130 ? 'interrupted (Ctrl+C twice): the weights are the last saved ones' : `the process exited (code ${code}) before the run ended`);
  };

  get state(): Readonly<RunStatus> {
    return this.status;
  }

  addEpoch(row: EpochMetrics): void {
    this.rows.push(row);
    this.status.epochs = row.epoch;
    this.status.steps = row.steps;
    this.writeMetrics();
    this.writeStatus();
  }

  /**
   * Removes the folder of a run stopped before its first step: its initial weights are the seed's,
   * which any run redraws, so it would only stand in the list of runs as an empty one.
   */
  discard(): void {
    if (isMainThread) process.off('exit', this.onExit);
    this.status = { ...this.status, status: 'cancelled', ended: new Date().toISOString() };
    rmSync(this.path, { recursive: true, force: true });
  }

  /** Records the end of the run (once; later calls are ignored). */
  end(status: Exclude<RunState, 'running'>, reason?: string, code?: string): void {
    if (this.status.status !== 'running') return;
    if (isMainThread) process.off('exit', this.onExit);
    this.status = { ...this.status, status, ...(reason !== undefined ? { reason } : {}), ...(code !== undefined ? { code } : {}), ended: new Date().toISOString() };
    try {
      this.writeStatus();
    } catch {
      // The run's own error (a full disk, a removed folder) is the one to report.
    }
  }

  private writeStatus(): void {
    writeAtomically(join(this.path, STATUS_FILE), JSON.stringify(this.status, null, 2) + '\n');
  }

  private writeMetrics(): void {
    writeAtomically(join(this.path, 'metrics.jsonl'), this.rows.map((r) => JSON.stringify(r) + '\n').join(''));
    const csv = [CSV_COLUMNS.join(','), ...this.rows.map((r) => CSV_COLUMNS.map((c) => r[c]).join(','))].join('\n') + '\n';
    writeAtomically(join(this.path, 'metrics.csv'), csv);
  }

  /** Writes the checkpoint (atomically: a kill leaves the previous one whole) and records where it is. */
  writeCheckpoint(file: Buffer, at: { epoch: number; steps: number }): void {
    writeAtomically(join(this.path, CHECKPOINT_FILE), file);
    this.status.checkpoint = at;
    this.writeStatus();
  }

  /** Writes the weights (atomically: a kill leaves the previous file whole) and records which they are. */
  writeWeights(tensors: NamedTensor[], metadata: Record<string, string>, at: { epoch: number; steps: number; note?: string } = { epoch: this.status.epochs, steps: this.status.steps }): void {
    writeAtomically(join(this.path, WEIGHTS_FILE), encodeSafetensors(tensors, { ...metadata, epoch: String(at.epoch), steps: String(at.steps) }));
    this.status.weights = at;
    this.writeStatus();
  }
}

/**
 * The plan's parameters and running statistics with a run's saved values (weights.safetensors),
 * checked name by name and shape by shape; an Error saying what does not match.
 */
export function readRunWeights(plan: Plan, runDir: string): { params: NamedTensor[]; state: NamedTensor[] } {
  const file = join(runDir, WEIGHTS_FILE);
  let saved: NamedTensor[];
  try {
    saved = decodeSafetensors(readFileSync(file)).tensors;
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const byName = new Map(saved.map((t) => [t.name, t]));
  const fill = (tensors: NamedTensor[]) =>
    tensors.map((t) => {
      const found = byName.get(t.name);
      if (!found) throw new Error(`the weights in ${runDir} have no ${t.name}: the network has changed since that run`);
      if (found.data.length !== t.data.length) {
        throw new Error(`${t.name} is [${found.shape.join(', ')}] in the weights of ${runDir} but [${t.shape.join(', ')}] in the network: the network has changed since that run`);
      }
      return { ...t, data: found.data };
    });
  const initial = initialTensors(plan, 0);
  return { params: fill(initial.params), state: fill(initial.state) };
}
