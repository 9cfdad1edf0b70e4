/**
 * One "CNN: Compare initialisations and activations" of a .cnn file, free of the vscode module so
 * the tests drive it against the real runner: each chosen init × activation is made by editing the
 * text and analysing it again (variantText + analyzeText, as `cnn compare` does), so every variant's
 * Network carries its own init std, PReLU parameters and signal gains; the runner gets those
 * Networks, one job per variant and seed, queued one after another (every variant with the first
 * seed, then every variant with the next), with the same settings. The view gets `cnn compare`'s
 * table across seeds, each variant's band of curves, and the sentences of what holds.
 *
 * The jobs go through a TrainingJobs of their own on the extension's one runner process: its
 * bookkeeping (queued, running, epochs, cancel, a runner that dies) is the training view's, and the
 * file's own "Train model" run stays separate.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { analyzeText } from '../../../server/src/language/analyze';
import { variantText } from '../../../server/src/language/variants';
import type { Network } from '../../../server/src/language/network';
import { COMPARE_INITS, compareHeaderFor, compareReport, compareReportPath, compareRows, compareValSamples, conclusions, networkClasses, type CompareRun, type ReportContext } from '../../../server/src/compareReport';
import { compareCells, resolutionText, RESOLVED_RULE } from '../../../server/src/compareStats';
import { defaultTrainSamples, type JobSettings } from '../../../runner/src/settings';
import type { ComparisonView, FormSettings, RunCurves, RunView } from '../../../media/src/trainProtocol';
import type { RunnerProcess } from './runnerProcess';
import { TrainingJobs, isRunActive } from './trainingJobs';

export interface Combination {
  /** A key of COMPARE_INITS: gaussian (AlexNet's 0.01), xavier or he. */
  init: string;
  act: 'relu' | 'prelu';
}

/** He et al. 2015's six, in `cnn compare`'s order: each activation with every init. */
export const COMBINATIONS: readonly Combination[] = (['relu', 'prelu'] as const).flatMap((act) => Object.keys(COMPARE_INITS).map((init) => ({ init, act })));

export function combinationName(c: Combination): string {
  return `init=${c.init} act=${c.act}`;
}

/**
 * Samples per epoch: six runs of the runner's default epoch would take
 * minutes even for a small network; this many show the curves part in seconds each.
 */
export const QUICK_LOOK_SAMPLES = 512;

/** FormSettings and the validation images, which the form does not set but a comparison does. */
export type ComparisonSettings = FormSettings & Pick<JobSettings, 'valSamples'>;

/**
 * The settings of every run of a comparison: few samples per epoch, the train statement's seed as
 * the first seed, and validation images enough to resolve a difference (at least 1,024 of the
 * shapes data, as `cnn compare`: the runner's own trainSamples/8 would be 64).
 */
export function quickLookSettings(network: Network): ComparisonSettings {
  const inputSize = (network.input ?? [1]).reduce((a, b) => a * b, 1);
  const trainSamples = Math.min(QUICK_LOOK_SAMPLES, defaultTrainSamples(inputSize));
  const valSamples = compareValSamples(network, trainSamples);
  // The same seeds for every variant, whatever the runner's default: that is the comparison.
  return { trainSamples, ...(valSamples === undefined ? {} : { valSamples }), seed: network.train?.seed ?? 1 };
}

export interface Variant {
  combination: Combination;
  network: Network;
}

/**
 * Each combination's analysed Network, or the first variant that has an error and which. The file
 * itself is refused with its errors before this; a variant's own error is named without a line, as
 * the variant's text has a `defaults` line the file does not.
 */
export function variantNetworks(text: string, fileName: string, combinations: readonly Combination[]): { variants: Variant[] } | { combination: Combination; refusal: string } {
  const variants: Variant[] = [];
  for (const combination of combinations) {
    const network = analyzeText(variantText(text, { init: COMPARE_INITS[combination.init], act: combination.act })).network;
    const error = network.diagnostics.find((d) => d.severity === 'error');
    if (error) return { combination, refusal: `${fileName} with ${combinationName(combination)} does not analyse: ${error.message}` };
    variants.push({ combination, network });
  }
  return { variants };
}

interface Entry {
  variant: Variant;
  seed: number;
  key: string;
  /** Set when the job has been handed to the runner (or refused by it). */
  sent: boolean;
}

export interface InitComparisonOptions {
  runner: RunnerProcess;
  /** The .cnn file's URI as a string; each job's key in the TrainingJobs is derived from it. */
  fileKey: string;
  /** The .cnn file's path or name: the report is named after it. */
  file: string;
  /** The folder that receives `.cnn-runs/`. */
  runParent: string;
  variants: Variant[];
  /** Every variant trains once with each of these seeds (seedList of the settings' seed); [settings.seed] when absent. */
  seeds?: number[];
  settings: ComparisonSettings;
  /** A run was queued, started, finished an epoch or ended: the view follows. */
  changed(comparison: InitComparison): void;
  /** Every run has ended (done, cancelled or failed) and the report is written. */
  ended(comparison: InitComparison): void;
  now?: () => number;
}

export class InitComparison {
  private readonly jobs: TrainingJobs;
  private readonly entries: Entry[];
  private cancelled = false;
  private finished = false;
  /** The Markdown report's path, once every run has ended. */
  report: string | undefined;
  reportError: string | undefined;
  private readonly now: () => number;
  readonly seeds: number[];

  constructor(private readonly options: InitComparisonOptions) {
    this.now = options.now ?? Date.now;
    this.seeds = options.seeds?.length ? options.seeds : [options.settings.seed ?? 1];
    // Seed-major: every variant with the first seed, then with the next, so a cancelled comparison has whole rounds.
    this.entries = this.seeds.flatMap((seed) => options.variants.map((variant) => ({ variant, seed, key: `${options.fileKey}#compare:${variant.combination.init}-${variant.combination.act}#seed=${seed}`, sent: false })));
    this.jobs = new TrainingJobs(options.runner, {
      // Step reports are many and the view draws epochs: it follows the rest.
      update: (_key, update) => {
        if (update.type !== 'progress') options.changed(this);
      },
      ended: () => this.checkEnded(),
    }, this.now);
  }

  get active(): boolean {
    return !this.finished;
  }

  /** The run of a combination with a seed (the first seed when not given). */
  run(c: Combination, seed = this.seeds[0]): RunView | undefined {
    const entry = this.entries.find((e) => e.seed === seed && e.variant.combination.init === c.init && e.variant.combination.act === c.act);
    return entry && this.jobs.get(entry.key);
  }

  /** Hands every variant to the runner, which queues them; resolves once all are handed over. */
  async start(): Promise<void> {
    for (const entry of this.entries) {
      if (this.cancelled) break;
      entry.sent = true;
      try {
        await this.jobs.start(entry.key, entry.variant.network, { ...this.options.settings, seed: entry.seed }, this.options.runParent);
        // Cancel came while the runner was answering: the job has an id only now.
        if (this.cancelled) await this.jobs.cancel(entry.key).catch(() => false);
      } catch {
        // The run shows the runner's reason as failed; the other variants still run.
      }
    }
    this.checkEnded();
  }

  /**
   * Stops the running job and removes the queued ones; variants not yet handed over are never sent.
   * The queued are cancelled first, so the runner does not start one of them when the running one stops.
   */
  async cancel(): Promise<boolean> {
    if (this.finished) return false;
    this.cancelled = true;
    const active = this.entries.filter((e) => isRunActive(this.jobs.get(e.key)));
    const order = [...active.filter((e) => this.jobs.get(e.key)!.status !== 'running'), ...active.filter((e) => this.jobs.get(e.key)!.status === 'running')];
    for (const entry of order) await this.jobs.cancel(entry.key).catch(() => false);
    this.checkEnded();
    return true;
  }

  private checkEnded(): void {
    if (this.finished) return;
    const unsent = this.entries.some((e) => !e.sent);
    // Called from start() too: a comparison whose runs all ended early (refused) still ends.
    if ((unsent && !this.cancelled) || this.entries.some((e) => isRunActive(this.jobs.get(e.key)))) {
      this.options.changed(this);
      return;
    }
    this.finished = true;
    try {
      this.report = this.writeReport();
    } catch (error) {
      this.reportError = error instanceof Error ? error.message : String(error);
    }
    this.jobs.dispose();
    this.options.changed(this);
    this.options.ended(this);
  }

  /** The runs as `cnn compare` reports them, with their seeds. */
  compareRuns(): CompareRun[] {
    return this.entries.map(({ variant, key, seed }) => {
      const run = this.jobs.get(key);
      const { init, act } = variant.combination;
      const end = run?.endedAt ?? this.now();
      const seconds = run?.startedAt !== undefined ? Math.max(0, (end - run.startedAt) / 1000) : 0;
      const failure = !run ? (this.cancelled ? 'cancelled' : undefined)
        : run.status === 'failed' ? run.error ?? 'failed'
          : run.status === 'cancelled' ? 'cancelled' : undefined;
      return { init, act, seed, epochs: run?.epochs ?? [], runDir: run?.runDir, failure, seconds };
    });
  }

  /**
   * Each run's curves for the compare charts, named by its combination and seed and grouped by its
   * combination: the view draws each group as a band (min–max across seeds) around its mean.
   */
  curves(): RunCurves[] {
    const seeded = this.seeds.length > 1;
    return this.entries.map(({ variant, key, seed }) => ({ name: `${combinationName(variant.combination)}${seeded ? ` seed=${seed}` : ''}`, group: combinationName(variant.combination), epochs: this.jobs.get(key)?.epochs ?? [] }));
  }

  private context(): ReportContext {
    const settings = this.entries.map((e) => this.jobs.get(e.key)?.settings).find((s) => s !== undefined);
    const classes = networkClasses(this.options.variants[0].network);
    const valSamples = settings ? (settings.dataset.kind === 'shapes' ? settings.valSamples : undefined) : this.options.settings.valSamples;
    return { seedList: this.seeds, seeds: this.seeds.length, classes, valSamples, epochs: settings?.epochs, trainSamples: settings?.trainSamples };
  }

  /**
   * What the comparison view shows: a row per combination across its seeds with its state, the
   * sentences of what holds, and whether Cancel applies.
   */
  view(): ComparisonView {
    const runs = this.compareRuns();
    const context = this.context();
    const cells = compareCells(runs);
    const rows = compareRows(runs, context).map((cells, i) => ({ status: this.cellStatus(this.options.variants[i].combination), cells }));
    const ended = this.entries.filter((e) => !/^(waiting|queued|starting|epoch|running)/.test(this.status(e))).length;
    return {
      header: compareHeaderFor(context), rows, active: this.active, report: this.report, reportError: this.reportError,
      seeds: this.seeds, runs: { total: this.entries.length, ended },
      resolution: resolutionText(cells, context.valSamples), rule: RESOLVED_RULE,
      conclusions: conclusions(runs, context.valSamples),
    };
  }

  /** One combination's state across its seeds: a single seed's as it is; else which seed is training, or how the seeds ended. */
  private cellStatus(c: Combination): string {
    const entries = this.entries.filter((e) => e.variant.combination.init === c.init && e.variant.combination.act === c.act);
    const states = entries.map((e) => this.status(e));
    if (entries.length === 1) return states[0];
    const n = entries.length;
    const done = states.filter((s) => s === 'done').length;
    if (done === n) return 'done';
    const training = states.findIndex((s) => /^(epoch|running|starting)/.test(s));
    if (training >= 0) return `${states[training]}, seed ${training + 1} of ${n}`;
    const waiting = states.find((s) => /^(waiting|queued)/.test(s));
    if (waiting) return `${waiting}, ${done} of ${n} seeds done`;
    const counts = new Map<string, number>();
    for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
    return [...counts].map(([s, k]) => `${k} ${s}`).join(', ');
  }

  private status(entry: Entry): string {
    const run = this.jobs.get(entry.key);
    if (!run) return this.cancelled ? 'not run' : 'waiting';
    const epochs = run.settings?.epochs;
    if (run.status === 'running') return epochs ? `epoch ${Math.min(run.epochs.length + 1, epochs)}/${epochs}` : 'running';
    if (run.status === 'starting') return 'starting';
    return run.status;
  }

  private writeReport(): string {
    const path = compareReportPath(this.options.runParent, this.options.file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, compareReport(this.options.file, this.compareRuns(), this.context()));
    return path;
  }

  dispose(): void {
    this.jobs.dispose();
  }
}
