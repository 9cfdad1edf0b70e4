/**
 * Repeated runs of a comparison, and what they support. Every cell of `cnn compare` (one init ×
 * activation, or one file of `--variants`) trains once per seed; this module groups the runs by
 * cell, summarises each (mean, sample standard deviation, min–max across seeds) and turns each pair
 * of cells into one sentence that claims only what the numbers show.
 *
 * When a difference counts as RESOLVED (docs/experiments.md says the same): comparing the final
 * top-1 error of cells A and B, run with the same seeds,
 *   1. both have a result in at least 2 of the same seeds (a run that stopped early is left out);
 *   2. A's error is lower than B's in every one of those seeds (paired by seed);
 *   3. the ranges across seeds do not overlap: A's worst seed is below B's best seed;
 *   4. the gap between the ranges (B's min − A's max) is more than one validation image
 *      (1/valSamples, the step top-1 error moves in).
 * Otherwise the sentence says "not resolved" and why. Free of the runner and of VS Code.
 */
import type { EpochMetrics } from '../../runner/src/runFolder';

/** One trained run of a comparison (the type compareReport.ts re-exports as CompareRun). */
export interface SeedRun {
  /** The grid's combination (`cnn compare FILE`); absent for a variant. */
  init?: string;
  act?: string;
  /** `cnn compare --variants`: the file the run trained, by name (without `.cnn`). */
  variant?: string;
  /** The seed this run trained with (data, weights and order all follow it). */
  seed?: number;
  epochs: EpochMetrics[];
  runDir?: string;
  /** Why the run stopped early, e.g. a loss that became NaN; 'cancelled' when cancelled. */
  failure?: string;
  seconds: number;
}

/** The number of seeds `cnn compare` trains each cell with unless told otherwise. */
export const DEFAULT_SEEDS = 3;

/**
 * The seeds of a comparison: the base seed (`--seed`, or the file's `train seed=`), then the next
 * ones, so the first run of every cell is the run a single-seed comparison makes.
 */
export function seedList(base: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => (base + i) % 0x1_0000_0000);
}

export interface Spread {
  /** How many values. */
  n: number;
  mean: number;
  /** The sample standard deviation (n − 1 in the denominator); 0 for a single value. */
  std: number;
  min: number;
  max: number;
}

/** Mean, sample standard deviation and range; undefined for no values. */
export function spread(values: number[]): Spread | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, std, min: Math.min(...values), max: Math.max(...values) };
}

/** One point of a cell's curve: top-1 error (or another metric) at an epoch across the seeds that reached it. */
export interface BandPoint {
  epoch: number;
  mean: number;
  min: number;
  max: number;
}

/** The runs of one combination (or one file) across seeds, summarised. */
export interface CompareCell {
  /** `init=he act=prelu`, or the variant's name: how runs are grouped. */
  key: string;
  init?: string;
  act?: string;
  variant?: string;
  /** Every run of the cell, in the order given (seed order). */
  runs: SeedRun[];
  /** The runs the numbers are of: those with at least one epoch that did not stop early. */
  counted: SeedRun[];
  /** Final top-1 error, best top-1 error, final top-5, final losses, seconds: across the counted runs. */
  top1?: Spread;
  best?: Spread;
  top5?: Spread;
  valLoss?: Spread;
  trainLoss?: Spread;
  seconds?: Spread;
  /** Top-1 error per epoch across the counted runs. */
  curve: BandPoint[];
}

export function cellKey(run: SeedRun): string {
  return run.variant !== undefined ? run.variant : `init=${run.init} act=${run.act}`;
}

const last = (r: SeedRun) => r.epochs[r.epochs.length - 1];
const isCounted = (r: SeedRun) => r.epochs.length > 0 && r.failure === undefined;

/** Per epoch, the mean, min and max of `pick` over the runs that reached that epoch. */
export function bandCurve(runs: { epochs: EpochMetrics[] }[], pick: (e: EpochMetrics) => number = (e) => e.top1Error): BandPoint[] {
  const byEpoch = new Map<number, number[]>();
  for (const r of runs) for (const e of r.epochs) (byEpoch.get(e.epoch) ?? byEpoch.set(e.epoch, []).get(e.epoch)!).push(pick(e));
  return [...byEpoch.entries()].sort(([a], [b]) => a - b).map(([epoch, values]) => {
    const s = spread(values)!;
    return { epoch, mean: s.mean, min: s.min, max: s.max };
  });
}

/** The runs grouped by cell, in the order each cell first appears, each summarised. */
export function compareCells(runs: SeedRun[]): CompareCell[] {
  const groups = new Map<string, SeedRun[]>();
  for (const r of runs) (groups.get(cellKey(r)) ?? groups.set(cellKey(r), []).get(cellKey(r))!).push(r);
  return [...groups.entries()].map(([key, cellRuns]) => {
    const counted = cellRuns.filter(isCounted);
    const of = (pick: (r: SeedRun) => number) => spread(counted.map(pick));
    const first = cellRuns[0];
    return {
      key,
      init: first.init,
      act: first.act,
      variant: first.variant,
      runs: cellRuns,
      counted,
      top1: of((r) => last(r).top1Error),
      best: of((r) => Math.min(...r.epochs.map((e) => e.top1Error))),
      top5: of((r) => last(r).top5Error),
      valLoss: of((r) => last(r).valLoss),
      trainLoss: of((r) => last(r).trainLoss),
      seconds: spread(cellRuns.filter((r) => r.seconds > 0).map((r) => r.seconds)),
      curve: bandCurve(counted),
    };
  });
}

const INIT_NAMES: Record<string, string> = { gaussian: 'gaussian(0.01)', xavier: 'Xavier', he: 'He' };
const ACT_NAMES: Record<string, string> = { relu: 'ReLU', prelu: 'PReLU', 'prelu-shared': 'PReLU (shared)', leakyrelu: 'leaky ReLU', tanh: 'tanh', sigmoid: 'sigmoid' };
export const initName = (init: string) => INIT_NAMES[init] ?? init;
export const actName = (act: string) => ACT_NAMES[act] ?? act;

/** A percentage of top-1 error with one decimal, as the table prints it. */
const pct = (v: number) => (100 * v).toFixed(1);
const points = (v: number) => (100 * v).toFixed(1);
/** Points below 1 with two significant digits (one image of 1,024 is 0.098 points), else with one decimal. */
const fine = (v: number) => (100 * v < 1 ? (100 * v).toPrecision(2) : points(v));
const range = (s: Spread) => `${pct(s.min)}–${pct(s.max)}%`;

export interface Verdict {
  /** The cells compared, by key: `a` is the one with the lower mean error (or the first given on a tie). */
  a: string;
  b: string;
  /** True when every condition of "resolved" holds; `a` then has the lower error. */
  resolved: boolean;
  /** Seeds with a result in both cells, and in how many of them a's error is lower, higher, equal. */
  seeds: number;
  aLower: number;
  bLower: number;
  ties: number;
  /** The sentence the table's reader gets. */
  sentence: string;
}

/**
 * Whether cell `a`'s final top-1 error is resolved from `b`'s, and the sentence saying so.
 * `names` are how the sentence calls each cell ("He", "PReLU", "resnet20"); `context` follows the
 * pair ("with ReLU"); `step` is one validation image as a fraction (1/valSamples), 0 when unknown.
 */
export function judge(first: CompareCell, second: CompareCell, step: number, names: [string, string], context = ''): Verdict {
  const finalBySeed = (c: CompareCell) => new Map(c.counted.map((r, i) => [r.seed ?? -1 - i, last(r).top1Error]));
  const [m1, m2] = [finalBySeed(first), finalBySeed(second)];
  const common = [...m1.keys()].filter((s) => m2.has(s));
  // The one with the lower mean over the common seeds goes first.
  const mean = (m: Map<number, number>) => common.reduce((a, s) => a + m.get(s)!, 0) / Math.max(1, common.length);
  const swap = common.length > 0 && mean(m2) < mean(m1);
  const [a, b] = swap ? [second, first] : [first, second];
  const [ma, mb] = swap ? [m2, m1] : [m1, m2];
  const [nameA, nameB] = swap ? [names[1], names[0]] : names;
  const aLower = common.filter((s) => ma.get(s)! < mb.get(s)!).length;
  const bLower = common.filter((s) => mb.get(s)! < ma.get(s)!).length;
  const ties = common.length - aLower - bLower;
  const sa = spread(common.map((s) => ma.get(s)!));
  const sb = spread(common.map((s) => mb.get(s)!));
  const verdict = { a: a.key, b: b.key, seeds: common.length, aLower, bLower, ties };
  const pair = `${nameA} vs ${nameB}${context}`;
  const tally = () => {
    if (ties === common.length) return 'the same error in every seed';
    const parts = [`${nameA} lower in ${aLower} of ${common.length} seeds`];
    if (bLower) parts.push(`${nameB} in ${bLower}`);
    if (ties) parts.push(`tied in ${ties}`);
    return parts.join(', ');
  };
  if (common.length < 2 || !sa || !sb) {
    const why = common.length === 0 ? 'no seed has a result for both' : 'only 1 seed has a result for both, and one run cannot carry a conclusion';
    return { ...verdict, resolved: false, sentence: `${pair}: not resolved: ${why}.` };
  }
  const ranges = `${nameA} ${range(sa)}, ${nameB} ${range(sb)}`;
  if (sa.max >= sb.min) {
    return { ...verdict, resolved: false, sentence: `${pair}: not resolved: ranges overlap (${ranges}); ${tally()}.` };
  }
  const gap = sb.min - sa.max;
  if (gap <= step + 1e-12) {
    return { ...verdict, resolved: false, sentence: `${pair}: not resolved: the ranges (${ranges}) are only ${fine(gap)} points apart, not more than one validation image (${fine(step)} points); ${tally()}.` };
  }
  const diffs = common.map((s) => mb.get(s)! - ma.get(s)!);
  const by = Math.min(...diffs) === Math.max(...diffs) ? points(diffs[0]) : `${points(Math.min(...diffs))}–${points(Math.max(...diffs))}`;
  return { ...verdict, resolved: true, sentence: `${nameA} beats ${nameB}${context} in ${aLower} of ${common.length} seeds by ${by} points of top-1 error (${ranges}).` };
}

/**
 * Every comparison worth a sentence: in a grid, each pair of inits under each activation, then
 * each pair of activations under each init; for variants, each pair of files.
 */
export function verdicts(cells: CompareCell[], step: number): Verdict[] {
  const out: Verdict[] = [];
  const pairs = <T>(items: T[]) => items.flatMap((x, i) => items.slice(i + 1).map((y) => [x, y] as const));
  if (cells.length && cells.every((c) => c.variant !== undefined)) {
    for (const [x, y] of pairs(cells)) out.push(judge(x, y, step, [x.variant!, y.variant!]));
    return out;
  }
  const acts = [...new Set(cells.map((c) => c.act!))];
  const inits = [...new Set(cells.map((c) => c.init!))];
  for (const act of acts) {
    for (const [x, y] of pairs(cells.filter((c) => c.act === act))) out.push(judge(x, y, step, [initName(x.init!), initName(y.init!)], ` with ${actName(act)}`));
  }
  for (const init of inits) {
    for (const [x, y] of pairs(cells.filter((c) => c.init === init))) out.push(judge(x, y, step, [actName(x.act!), actName(y.act!)], ` with ${initName(init)}`));
  }
  return out;
}

/** What "resolved" means, for the report and the view, in one paragraph. */
export const RESOLVED_RULE = 'A difference counts as resolved when both have results in at least 2 of the same seeds, one has the lower final top-1 error in every one of them, the ranges across seeds do not overlap, and the gap between the ranges is more than one validation image; anything else is reported as not resolved.';

/**
 * The smallest difference the comparison can resolve, in words: one validation image as a step of
 * top-1 error, and the widest spread across seeds of any cell.
 */
export function resolutionText(cells: CompareCell[], valSamples: number | undefined): string {
  const step = valSamples ? `${valSamples.toLocaleString('en-US')} validation images: top-1 error moves in steps of ${(100 / valSamples).toPrecision(2)} points (one image)` : 'the validation images are the folder\'s own, so the step of top-1 error (one image) is not known here';
  const spreads = cells.filter((c) => c.top1 && c.top1.n > 1);
  if (!spreads.length) return `${step}; with one seed per cell there is no spread across seeds to judge a difference by.`;
  const widest = spreads.reduce((w, c) => (c.top1!.max - c.top1!.min > w.top1!.max - w.top1!.min ? c : w));
  const width = widest.top1!.max - widest.top1!.min;
  return `${step}; across seeds, one cell's final top-1 error spreads by up to ${points(width)} points (${widest.key}: ${range(widest.top1!)}), so a smaller difference between cells is not a conclusion.`;
}
