/**
 * What the training view shows for a run, as text and chart data: the progress line with its ETA,
 * the final errors, and the aligned columns uPlot draws. No DOM, so it is tested in Node.
 */
import type { BackendInfo } from '../../runner/src/backend';
import type { EpochMetrics } from '../../runner/src/runFolder';
import type { RunCurves, RunView } from './trainProtocol';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(1)} %`;
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

export interface ProgressLine {
  /** 0..1 over the whole run; undefined while the length is unknown (the bar is indeterminate). */
  fraction: number | undefined;
  text: string;
}

/**
 * Seconds left, from the runner's own throughput: clock-free, so it is right even when the page and
 * the extension host run on different machines (code-server). Evaluation time is not counted.
 */
export function etaSeconds(run: RunView): number | undefined {
  const p = run.progress;
  const s = run.settings;
  if (!p || !s || p.samplesPerSec <= 0) return undefined;
  const remainingSteps = s.epochs * p.stepsPerEpoch - ((p.epoch - 1) * p.stepsPerEpoch + p.step);
  return (remainingSteps * s.batch) / p.samplesPerSec;
}

/** The ETA waits for this many steps and seconds of training: the first steps warm caches and threads. */
export const ETA_MIN_STEPS = 5;
export const ETA_MIN_SECONDS = 3;

/** Steps done and the seconds they took, from the runner's throughput (clock-free, as the ETA). */
function trained(run: RunView): { steps: number; seconds: number } | undefined {
  const p = run.progress;
  const s = run.settings;
  if (!p || !s || p.samplesPerSec <= 0) return undefined;
  const steps = (p.epoch - 1) * p.stepsPerEpoch + p.step;
  return { steps, seconds: (steps * s.batch) / p.samplesPerSec };
}

/** 45 → "about 45 s left", 1171 → "about 20 min left", 3900 → "about 1 h 5 min left": never read as a clock time. */
export function timeLeft(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `about ${Math.max(5, Math.ceil(s / 5) * 5)} s left`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

/** Seconds with one decimal below a minute, else m:ss. */
function seconds(value: number): string {
  return value < 60 ? `${value.toFixed(1)} s` : duration(value);
}

/**
 * While the backend builds its kernels: how long so far (`buildingFor`, counted by the page since it
 * heard the build start), then how long it took.
 */
export function kernelsLine(run: RunView | null, buildingFor?: number): string | undefined {
  const k = run?.kernels;
  if (!k) return undefined;
  if (k.state === 'building') return `Preparing kernels${buildingFor !== undefined ? ` (${duration(buildingFor)})` : ''}… built once per run before the first step`;
  return k.pipelines > 0 ? `Kernels ready in ${seconds(k.seconds)} (${k.pipelines} WebGPU pipelines)` : `Kernels ready in ${seconds(k.seconds)}`;
}

export function progressLine(run: RunView | null, buildingFor?: number): ProgressLine {
  if (!run) return { fraction: 0, text: 'Not started' };
  const epochs = run.settings?.epochs;
  switch (run.status) {
    case 'starting':
      return { fraction: undefined, text: run.kernels ? `${kernelsLine(run, buildingFor)}` : 'Starting…' };
    case 'queued':
      return { fraction: undefined, text: 'Queued: the runner finishes the job ahead of this one first' };
    case 'running': {
      const p = run.progress;
      if (!p || !epochs) return { fraction: undefined, text: [run.kernels?.state === 'ready' ? kernelsLine(run) : undefined, 'first steps…'].filter(Boolean).join(' · ') };
      const fraction = ((p.epoch - 1) * p.stepsPerEpoch + p.step) / (epochs * p.stepsPerEpoch);
      const done = trained(run);
      const eta = done && done.steps >= ETA_MIN_STEPS && done.seconds >= ETA_MIN_SECONDS ? etaSeconds(run) : undefined;
      const parts = [
        `Epoch ${p.epoch}/${epochs}`,
        `step ${p.step}/${p.stepsPerEpoch}`,
        `loss ${p.loss.toFixed(4)}`,
        `${integer.format(p.samplesPerSec)} samples/s`,
      ];
      parts.push(eta !== undefined ? timeLeft(eta) : 'estimating time left…');
      return { fraction: Math.min(1, fraction), text: parts.join(' · ') };
    }
    case 'done':
      return { fraction: 1, text: `Done: ${run.epochs.length} epoch${run.epochs.length === 1 ? '' : 's'}${elapsed(run)}` };
    case 'cancelled':
      return { fraction: epochs ? run.epochs.length / epochs : 0, text: `Cancelled after ${run.epochs.length} of ${epochs ?? '?'} epochs${elapsed(run)}` };
    case 'failed':
      return { fraction: epochs ? run.epochs.length / epochs : 0, text: `Failed: ${run.error ?? 'no reason given'}` };
  }
}

function elapsed(run: RunView): string {
  return run.endedAt !== undefined && run.startedAt !== undefined ? ` in ${duration((run.endedAt - run.startedAt) / 1000)}` : '';
}

/** The last epoch's errors, the figure a run is judged by. */
export function resultLine(run: RunView | null): string {
  const last = run?.epochs.at(-1);
  if (!run || !last) return '';
  const prefix = run.status === 'running' ? `After epoch ${last.epoch}` : `Final (epoch ${last.epoch})`;
  const top5 = showsTop5(run) ? `, top-5 error ${percent(last.top5Error)}` : '';
  return `${prefix}: top-1 error ${percent(last.top1Error)}${top5}, validation loss ${last.valLoss.toFixed(4)}`;
}

/**
 * The device in a few plain words: "WebGPU on the CPU (Mesa lavapipe)", "CPU — OpenBLAS on AMD EPYC
 * 7B13, 2 threads", "reference — TypeScript on the CPU, one thread". The full adapter string goes in
 * a tooltip, not in the text.
 */
export function deviceLabel(info: BackendInfo): string {
  const adapter = info.adapter;
  if (info.backend === 'webgpu') {
    if (/llvmpipe|lavapipe/i.test(adapter)) return 'WebGPU on the CPU (Mesa lavapipe)';
    if (/swiftshader/i.test(adapter)) return 'WebGPU on the CPU (SwiftShader)';
    if (/software|cpu/i.test(adapter)) return 'WebGPU on the CPU (a software adapter)';
    return `WebGPU on the GPU (${clip(dedupeWords(adapter), 48)})`;
  }
  if (info.backend === 'cpu') {
    // "AMD EPYC 7B13 64-Core Processor: OpenBLAS 0.3.21 sgemm, 2 threads, Haswell kernels"
    const [cpu, kernels = ''] = adapter.split(/:\s+(?=[^:]*$)/);
    const threads = /(\d+) threads?/.exec(kernels)?.[0];
    const library = /^OpenBLAS/i.test(kernels) ? 'OpenBLAS' : 'TypeScript kernels';
    return `CPU — ${library} on ${clip(shortCpu(cpu), 40)}${threads ? `, ${threads}` : ''}`;
  }
  return 'reference — TypeScript on the CPU, one thread';
}

function shortCpu(name: string): string {
  return name.replace(/\(R\)|\(TM\)|\bCPU\b|\d+-Core Processor|Processor|@.*$/gi, '').replace(/\s+/g, ' ').trim();
}

function dedupeWords(text: string): string {
  const seen = new Set<string>();
  return text.split(/\s+/).filter((w) => {
    const key = w.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).join(' ');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** The header line: what the run trains on (or what a run would get), why, and how long the kernels took. */
export function deviceLine(run: RunView | null, runner: BackendInfo | undefined): { text: string; title: string } {
  const backend = run?.backend ?? runner;
  if (!backend) return { text: 'Runner: starts when needed', title: '' };
  const which = run?.backend ? 'Training on' : 'Runner ready:';
  const why = backend.reason ? ` · why: ${backend.reason.replace(/^backend=\w+: /, '')}` : '';
  const fallback = backend.fallback ? ` (${backend.fallback})` : '';
  return { text: `${which} ${deviceLabel(backend)}${fallback}${why}`, title: `${backend.backend}: ${backend.adapter}` };
}

/**
 * The epoch axis of the run's charts: from 0 to the run's planned epochs, so a one-epoch run's
 * points spread over the chart instead of sitting at the ends of a 0–2 axis.
 */
export function epochAxis(run: RunView | null): [number, number] | undefined {
  const last = [...(run?.stepLosses ?? []).map(([x]) => x), ...(run?.epochs ?? []).map((e) => e.epoch)].reduce((a, b) => Math.max(a, b), 0);
  const end = Math.max(run?.settings?.epochs ?? 0, last);
  return end > 0 ? [0, end] : undefined;
}

/**
 * Where the epoch axis is labelled: whole epochs only (uPlot's own choice put ticks at 1.5, 2.5 on
 * a 4-epoch chart), every 1, 2 or 5 × 10^k epochs so at most 8 are written.
 */
export function epochTicks(min: number, max: number): number[] {
  if (!(max >= min)) return [];
  let step = 1;
  for (let k = 0; (Math.floor(max / step) - Math.ceil(min / step)) + 1 > 8; k++) step = [1, 2, 5][(k + 1) % 3] * 10 ** Math.floor((k + 1) / 3);
  const ticks: number[] = [];
  for (let x = Math.ceil(min / step) * step; x <= max; x += step) ticks.push(x);
  return ticks;
}

export type Column = (number | null)[];

/**
 * Loss against fractional epochs: every reported batch loss, and the epoch means (train, validation)
 * at each epoch's end. uPlot wants one shared x column, so each series has nulls where it has no point.
 */
export function lossData(run: RunView | null): [number[], Column, Column, Column] {
  const byX = new Map<number, [number | null, number | null, number | null]>();
  const at = (x: number) => {
    let row = byX.get(x);
    if (!row) byX.set(x, (row = [null, null, null]));
    return row;
  };
  for (const [x, loss] of run?.stepLosses ?? []) at(x)[0] = loss;
  for (const e of run?.epochs ?? []) {
    at(e.epoch)[1] = e.trainLoss;
    at(e.epoch)[2] = e.valLoss;
  }
  const xs = [...byX.keys()].sort((a, b) => a - b);
  return [xs, xs.map((x) => byX.get(x)![0]), xs.map((x) => byX.get(x)![1]), xs.map((x) => byX.get(x)![2])];
}

/** Top-5 error says something only with more than 5 classes (with 5 or fewer it is 0); unknown counts show it. */
export function showsTop5(run: Pick<RunView, 'classes'> | null | undefined): boolean {
  return run?.classes === undefined || run.classes > 5;
}

/** Top-1 and top-5 error in percent per epoch (top-5 empty when it says nothing). */
export function errorData(epochs: EpochMetrics[], top5 = true): [number[], number[], Column] {
  return [epochs.map((e) => e.epoch), epochs.map((e) => 100 * e.top1Error), epochs.map((e) => (top5 ? 100 * e.top5Error : null))];
}

export function speedData(epochs: EpochMetrics[]): [number[], number[]] {
  return [epochs.map((e) => e.epoch), epochs.map((e) => e.samplesPerSec)];
}

/** Samples per second at every progress report (fractional epochs), or per epoch for a run without them. */
export function runSpeedData(run: RunView | null): [number[], number[]] {
  const points = run?.stepSpeeds ?? [];
  if (points.length === 0) return speedData(run?.epochs ?? []);
  return [points.map(([x]) => x), points.map(([, v]) => v)];
}

/** One series per run on the union of their epochs; a run that stopped earlier has nulls after its end. */
export function compareData(runs: RunCurves[], pick: (e: EpochMetrics) => number): [number[], ...Column[]] {
  const xs = [...new Set(runs.flatMap((r) => r.epochs.map((e) => e.epoch)))].sort((a, b) => a - b);
  const columns = runs.map((r) => {
    const byEpoch = new Map(r.epochs.map((e) => [e.epoch, pick(e)]));
    return xs.map((x) => byEpoch.get(x) ?? null);
  });
  return [xs, ...columns];
}

/** A series of the compare charts: a run's own line, or a group's mean line or band edge. */
export interface CompareSeries {
  label: string;
  /** Index into the palette: one colour per run or group. */
  colour: number;
  edge?: boolean;
}

/**
 * The compare charts' columns: a run without a group is one line; the runs of a group (one
 * combination across seeds) are its mean line and, as band edges, its max and min per epoch over
 * the runs that reached that epoch. `bands` pairs each group's [max, min] series, by index.
 */
export function bandData(runs: RunCurves[], pick: (e: EpochMetrics) => number): { data: [number[], ...Column[]]; series: CompareSeries[]; bands: [number, number][] } {
  const xs = [...new Set(runs.flatMap((r) => r.epochs.map((e) => e.epoch)))].sort((a, b) => a - b);
  const units: { label: string; runs: RunCurves[]; group: boolean }[] = [];
  for (const run of runs) {
    const unit = run.group === undefined ? undefined : units.find((u) => u.group && u.label === run.group);
    if (unit) unit.runs.push(run);
    else units.push({ label: run.group ?? run.name, runs: [run], group: run.group !== undefined });
  }
  const data: [number[], ...Column[]] = [xs];
  const series: CompareSeries[] = [];
  const bands: [number, number][] = [];
  units.forEach((unit, colour) => {
    const at = xs.map((x) => unit.runs.flatMap((r) => r.epochs.filter((e) => e.epoch === x).map(pick)));
    if (!unit.group) {
      data.push(at.map((v) => v[0] ?? null));
      series.push({ label: unit.label, colour });
      return;
    }
    data.push(at.map((v) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null)));
    data.push(at.map((v) => (v.length ? Math.max(...v) : null)));
    data.push(at.map((v) => (v.length ? Math.min(...v) : null)));
    const mean = series.length;
    series.push({ label: unit.runs.length > 1 ? `${unit.label}` : unit.label, colour }, { label: `${unit.label} max`, colour, edge: true }, { label: `${unit.label} min`, colour, edge: true });
    bands.push([mean + 1, mean + 2]);
  });
  return { data, series, bands };
}
