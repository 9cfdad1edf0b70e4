/**
 * The runs of this window, one current run per .cnn file: what the training panel shows. A run
 * lives here, not in the panel, so closing the panel leaves the job running and reopening shows it
 * again. Free of the vscode module: the tests drive it against the real runner.
 */
import type { Network } from '../../../server/src/language/network';
import { defaultTrainSamples, type JobSettings } from '../../../runner/src/settings';
import type { EpochMetrics } from '../../../runner/src/runFolder';
import { addStepLoss, stepPosition, type FormSettings, type RunProgress, type RunView } from '../../../media/src/trainProtocol';
import { readRunToResume } from '../../../runner/src/resume';
import { stderrSummary, type RunnerExit, type RunnerProcess } from './runnerProcess';
import type { RunnerNotification } from './runnerMessages';

export type RunUpdate =
  | { type: 'run'; run: RunView }
  | { type: 'progress'; jobId: string; progress: RunProgress }
  | { type: 'epoch'; jobId: string; metrics: EpochMetrics };

export interface RunEvents {
  /** Every change, to relay to the file's panel if one is open. */
  update(fileKey: string, update: RunUpdate): void;
  /** Once per run, when it is done, cancelled or failed. */
  ended(fileKey: string, run: RunView): void;
}

const ENDED: ReadonlySet<RunView['status']> = new Set(['done', 'cancelled', 'failed']);

export function isRunActive(run: RunView | undefined): boolean {
  return run !== undefined && !ENDED.has(run.status);
}

/**
 * How often the runner reports the loss: the view draws every report, so short epochs report every
 * step (a curve, not three dots); long ones keep the runner's default of one in five steps, which
 * spares the GPU backend a read-back per step.
 */
export function lossEveryFor(network: Network, settings: FormSettings): number {
  const inputSize = (network.input ?? [1]).reduce((a, b) => a * b, 1);
  const samples = settings.trainSamples ?? defaultTrainSamples(inputSize);
  const batch = settings.batch ?? network.train?.batch ?? 32;
  const steps = Math.floor(samples / batch);
  return Math.max(1, Math.min(5, Math.floor(steps / 50)));
}

export class TrainingJobs {
  private readonly runs = new Map<string, RunView>();
  /** Per file, the last run that left a run folder, while a newer one is on its way. */
  private readonly previous = new Map<string, RunView>();
  private readonly fileOfJob = new Map<string, string>();
  private readonly disposers: (() => void)[] = [];

  constructor(
    private readonly runner: RunnerProcess,
    private readonly events: RunEvents,
    private readonly now: () => number = Date.now,
  ) {
    this.disposers.push(
      runner.onNotification((n) => this.onNotification(n)),
      runner.onExit((exit) => this.onRunnerExit(exit)),
    );
  }

  get(fileKey: string): RunView | undefined {
    return this.runs.get(fileKey);
  }

  active(): { fileKey: string; run: RunView }[] {
    return [...this.runs].filter(([, run]) => isRunActive(run)).map(([fileKey, run]) => ({ fileKey, run }));
  }

  /**
   * Sends the job to the runner. The run directory is the folder that receives `.cnn-runs/` (the
   * .cnn file's folder). Rejects with the runner's message if it refuses the job; the run then shows
   * as failed with that message.
   */
  async start(fileKey: string, network: Network, settings: FormSettings & Pick<JobSettings, 'valSamples'>, runDir: string): Promise<RunView> {
    return this.send(fileKey, network, { ...settings, lossEvery: lossEveryFor(network, settings), runDir });
  }

  /**
   * Continues the stopped run in `runDir` from its checkpoint, with the network and settings it
   * was started with (its network.json and settings.json). Rejects with the reason if the folder
   * cannot be resumed, before anything is sent.
   */
  async resume(fileKey: string, runDir: string): Promise<RunView> {
    const { network, settings } = readRunToResume(runDir);
    return this.send(fileKey, network, { resume: runDir, lossEvery: lossEveryFor(network, { trainSamples: settings.trainSamples, batch: settings.batch }) });
  }

  private async send(fileKey: string, network: Network, settings: JobSettings): Promise<RunView> {
    const current = this.runs.get(fileKey);
    if (isRunActive(current)) throw new Error('this file is already training; cancel that run first');
    // Shown again if the new run ends having saved nothing: the view keeps the last run's charts.
    if (current?.runDir) this.previous.set(fileKey, current);
    const pending: RunView = { jobId: '', status: 'starting', requestedAt: this.now(), stepLosses: [], epochs: [] };
    this.set(fileKey, pending);
    try {
      const { jobId, queued } = await this.runner.startJob({ network, settings });
      // The runner may already have sent job/started for it: notifications for unknown jobs wait in `early`.
      pending.jobId = jobId;
      pending.status = queued > 0 ? 'queued' : 'starting';
      this.fileOfJob.set(jobId, fileKey);
      this.update(fileKey, { type: 'run', run: pending });
      for (const n of this.early.splice(0).filter((e) => e.params.jobId === jobId)) this.onNotification(n);
      return pending;
    } catch (error) {
      pending.status = 'failed';
      pending.error = error instanceof Error ? error.message : String(error);
      pending.endedAt = this.now();
      this.update(fileKey, { type: 'run', run: pending });
      throw error;
    }
  }

  /** True when the runner had the job (queued or running) and is stopping it. */
  async cancel(fileKey: string): Promise<boolean> {
    const run = this.runs.get(fileKey);
    if (!run || !isRunActive(run) || !run.jobId) return false;
    return this.runner.cancelJob(run.jobId);
  }

  private early: RunnerNotification[] = [];

  private set(fileKey: string, run: RunView): void {
    this.runs.set(fileKey, run);
    this.update(fileKey, { type: 'run', run });
  }

  private update(fileKey: string, update: RunUpdate): void {
    this.events.update(fileKey, update);
  }

  private end(fileKey: string, run: RunView): void {
    run.endedAt = this.now();
    this.fileOfJob.delete(run.jobId);
    this.update(fileKey, { type: 'run', run });
    this.events.ended(fileKey, run);
  }

  private onNotification(n: RunnerNotification): void {
    const fileKey = this.fileOfJob.get(n.params.jobId);
    if (fileKey === undefined) {
      // Between job/start's answer and our bookkeeping, or a job of another client: keep a few.
      this.early.push(n);
      if (this.early.length > 64) this.early.shift();
      return;
    }
    const run = this.runs.get(fileKey);
    if (!run || run.jobId !== n.params.jobId || !isRunActive(run)) return;
    switch (n.method) {
      case 'job/kernels': {
        const { jobId, ...kernels } = n.params;
        run.kernels = kernels;
        this.update(fileKey, { type: 'run', run });
        return;
      }
      case 'job/started':
        run.status = 'running';
        run.startedAt = this.now();
        run.runDir = n.params.runDir;
        run.backend = n.params.backend;
        run.settings = n.params.settings;
        run.params = n.params.params;
        run.classes = n.params.classes.length;
        // A resumed run shows its earlier epochs from the start.
        if (n.params.resumed) run.epochs = [...n.params.resumed.epochs];
        this.update(fileKey, { type: 'run', run });
        return;
      case 'job/progress': {
        const { epoch, step, stepsPerEpoch, loss, samplesPerSec } = n.params;
        run.progress = { epoch, step, stepsPerEpoch, loss, samplesPerSec };
        addStepLoss(run.stepLosses, [stepPosition(run.progress), loss]);
        addStepLoss((run.stepSpeeds ??= []), [stepPosition(run.progress), samplesPerSec]);
        this.update(fileKey, { type: 'progress', jobId: run.jobId, progress: run.progress });
        return;
      }
      case 'job/epoch': {
        const { jobId, ...metrics } = n.params;
        run.epochs.push(metrics);
        this.update(fileKey, { type: 'epoch', jobId, metrics });
        return;
      }
      case 'job/done': {
        run.status = n.params.cancelled ? 'cancelled' : 'done';
        // Null: stopped before its first step, its folder removed (or never made).
        run.runDir = n.params.runDir ?? undefined;
        // The runner's list is the record; it includes any epoch whose notification we dropped.
        if (n.params.epochs.length >= run.epochs.length) run.epochs = n.params.epochs;
        const previous = this.previous.get(fileKey);
        this.previous.delete(fileKey);
        if (!run.runDir && previous) {
          // A run that saved nothing does not replace the last one's charts.
          run.endedAt = this.now();
          this.fileOfJob.delete(run.jobId);
          this.set(fileKey, previous);
          this.events.ended(fileKey, run);
          return;
        }
        this.end(fileKey, run);
        return;
      }
      case 'job/failed':
        this.previous.delete(fileKey);
        run.status = 'failed';
        run.error = n.params.message;
        if (n.params.runDir) run.runDir = n.params.runDir;
        this.end(fileKey, run);
        return;
    }
  }

  private onRunnerExit(exit: RunnerExit): void {
    this.early = [];
    const why = exit.expected
      ? 'the runner was stopped'
      : `the runner process exited unexpectedly (${exit.signal ?? `code ${exit.code}`})${stderrSummary(exit.stderrTail) ? `: ${stderrSummary(exit.stderrTail)}` : ''}`;
    for (const { fileKey, run } of this.active()) {
      run.status = 'failed';
      run.error = why;
      this.end(fileKey, run);
    }
  }

  dispose(): void {
    for (const d of this.disposers.splice(0)) d();
  }
}
