/**
 * A semantic diff of two analysed networks: the layers added, removed and changed, each change with
 * its shapes and its parameter, MAC and training-memory deltas, and the totals' deltas. Layers are
 * matched by full name, then the rest in order where their kinds agree (a renamed or unnamed layer).
 * Used by `cnn diff` and the editor's "CNN: Compare with…".
 */
import type { Network, NetworkLayer, Shape } from './network';
import { formatShape, groupDigits } from './numbers';
import { formatBytes, trainingMemory, trainingBatch } from './trainingMemory';

export type DiffFormat = 'text' | 'markdown' | 'json';
export const DIFF_FORMATS: readonly DiffFormat[] = ['text', 'markdown', 'json'];

/** What the diff says of one layer on one side. */
export interface LayerSide {
  name: string;
  kind: string;
  input: Shape;
  output: Shape;
  params: number;
  macs: number;
  /** Training memory at the diff's batch (trainingMemory.ts), bytes. */
  memory: number;
}

export interface LayerDiff {
  status: 'added' | 'removed' | 'changed';
  /** B's name, or A's for a removed layer. */
  name: string;
  a?: LayerSide;
  b?: LayerSide;
  /** What differs, `field: A → B` (changed layers only). */
  changes: string[];
  /** B − A; a side that is absent counts as 0. */
  delta: { params: number; macs: number; memory: number };
}

export interface DiffTotals {
  layers: number;
  params: number;
  nonTrainableParams: number;
  neurons: number;
  macs: number;
  forwardFlops: number;
  trainingFlops: number;
  /** Training memory at the diff's batch, bytes. */
  memory: number;
}

export interface NetworkDiff {
  a: string;
  b: string;
  /** The batch size memory is worked out at, the same for both. */
  batch: number;
  layers: LayerDiff[];
  unchanged: number;
  totals: { a: DiffTotals; b: DiffTotals; delta: DiffTotals };
}

export interface DiffOptions {
  /** Default: B's `train` batch, else A's, else the runner's default. */
  batch?: number;
  /** How each side is called in the report (file names); default the networks' names. */
  labels?: [string, string];
}

/** The settings compared besides shapes and counts, as a file writes them. */
const SETTINGS: (keyof NetworkLayer)[] = ['kind', 'count', 'kernel', 'stride', 'pad', 'groups', 'act', 'init', 'bias', 'round', 'rate', 'size', 'inputs'];

export function diffNetworks(a: Network, b: Network, options: DiffOptions = {}): NetworkDiff {
  const batch = options.batch ?? (b.train?.batch !== undefined ? trainingBatch(b) : trainingBatch(a));
  const memA = memoryByLayer(a, batch), memB = memoryByLayer(b, batch);
  const side = (l: NetworkLayer, memory: Map<string, number>): LayerSide => ({
    name: l.name, kind: l.kind, input: l.input, output: l.output, params: l.params, macs: l.macs, memory: memory.get(l.name) ?? 0,
  });
  const pairs = matchLayers(a.layers, b.layers);
  const layers: LayerDiff[] = [];
  let unchanged = 0;
  const emitted = new Set<number>();
  const emitRemoved = (upTo: number) => {
    for (let i = 0; i < upTo; i++) {
      if (emitted.has(i) || pairs.aToB[i] !== undefined) continue;
      emitted.add(i);
      const s = side(a.layers[i], memA);
      layers.push({ status: 'removed', name: s.name, a: s, changes: [], delta: { params: -s.params, macs: -s.macs, memory: -s.memory } });
    }
  };
  b.layers.forEach((lb, j) => {
    const i = pairs.bToA[j];
    const sb = side(lb, memB);
    if (i === undefined) {
      layers.push({ status: 'added', name: lb.name, b: sb, changes: [], delta: { params: sb.params, macs: sb.macs, memory: sb.memory } });
      return;
    }
    emitRemoved(i);
    const la = a.layers[i];
    const sa = side(la, memA);
    const changes = layerChanges(la, lb, sa, sb);
    if (changes.length === 0) { unchanged++; return; }
    layers.push({ status: 'changed', name: lb.name, a: sa, b: sb, changes, delta: { params: sb.params - sa.params, macs: sb.macs - sa.macs, memory: sb.memory - sa.memory } });
  });
  emitRemoved(a.layers.length);
  const ta = totalsOf(a, batch), tb = totalsOf(b, batch);
  const delta = Object.fromEntries(Object.keys(ta).map((k) => [k, tb[k as keyof DiffTotals] - ta[k as keyof DiffTotals]])) as unknown as DiffTotals;
  const [labelA, labelB] = options.labels ?? [a.network ?? 'A', b.network ?? 'B'];
  return { a: labelA, b: labelB, batch, layers, unchanged, totals: { a: ta, b: tb, delta } };
}

function memoryByLayer(network: Network, batch: number): Map<string, number> {
  return new Map(trainingMemory(network, { batch }).layers.map((l) => [l.layer, l.total]));
}

function totalsOf(network: Network, batch: number): DiffTotals {
  const t = network.totals;
  return {
    layers: network.layers.length, params: t.params, nonTrainableParams: t.nonTrainableParams, neurons: t.neurons,
    macs: t.macs, forwardFlops: t.forwardFlops, trainingFlops: t.trainingFlops, memory: trainingMemory(network, { batch }).totals.total,
  };
}

/**
 * Full names first; then, among the layers left on both sides, the longest run in order whose
 * kinds agree (a longest common subsequence), so an unnamed layer whose generated name moved still
 * pairs with its counterpart.
 */
function matchLayers(a: NetworkLayer[], b: NetworkLayer[]): { aToB: (number | undefined)[]; bToA: (number | undefined)[] } {
  const aToB: (number | undefined)[] = new Array(a.length).fill(undefined);
  const bToA: (number | undefined)[] = new Array(b.length).fill(undefined);
  const byName = new Map(a.map((l, i) => [l.name, i]));
  b.forEach((l, j) => {
    const i = byName.get(l.name);
    if (i !== undefined) { aToB[i] = j; bToA[j] = i; }
  });
  const restA = a.map((_, i) => i).filter((i) => aToB[i] === undefined);
  const restB = b.map((_, j) => j).filter((j) => bToA[j] === undefined);
  // Quadratic in the unmatched layers only; a diff of two large unrelated files stays bounded.
  if (restA.length && restB.length && restA.length * restB.length <= 4_000_000) {
    const n = restA.length, m = restB.length;
    const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let x = n - 1; x >= 0; x--) {
      for (let y = m - 1; y >= 0; y--) {
        table[x][y] = a[restA[x]].kind === b[restB[y]].kind ? table[x + 1][y + 1] + 1 : Math.max(table[x + 1][y], table[x][y + 1]);
      }
    }
    for (let x = 0, y = 0; x < n && y < m;) {
      if (a[restA[x]].kind === b[restB[y]].kind) { aToB[restA[x]] = restB[y]; bToA[restB[y]] = restA[x]; x++; y++; }
      else if (table[x + 1][y] >= table[x][y + 1]) x++;
      else y++;
    }
  }
  return { aToB, bToA };
}

function show(value: unknown): string {
  if (value === undefined) return '—';
  if (Array.isArray(value)) return value.join(typeof value[0] === 'string' ? ',' : 'x');
  // An init, as a file writes it: he, xavier, gaussian(0.01).
  if (typeof value === 'object' && value !== null && 'kind' in value) return 'std' in value ? `${value.kind}(${value.std})` : String(value.kind);
  return String(value);
}

function layerChanges(la: NetworkLayer, lb: NetworkLayer, sa: LayerSide, sb: LayerSide): string[] {
  const out: string[] = [];
  if (la.name !== lb.name) out.push(`name: ${la.name} → ${lb.name}`);
  for (const key of SETTINGS) {
    const va = show(la[key]), vb = show(lb[key]);
    if (va !== vb) out.push(`${key}: ${va} → ${vb}`);
  }
  if (formatShape(la.input) !== formatShape(lb.input)) out.push(`input: ${formatShape(la.input)} → ${formatShape(lb.input)}`);
  if (formatShape(la.output) !== formatShape(lb.output)) out.push(`output: ${formatShape(la.output)} → ${formatShape(lb.output)}`);
  if (sa.params !== sb.params) out.push(`params: ${groupDigits(sa.params)} → ${groupDigits(sb.params)}`);
  if (sa.macs !== sb.macs) out.push(`MACs: ${groupDigits(sa.macs)} → ${groupDigits(sb.macs)}`);
  if (sa.memory !== sb.memory) out.push(`memory: ${formatBytes(sa.memory)} → ${formatBytes(sb.memory)}`);
  return out;
}

/** +1,234 / −1,234 / 0. */
export function signed(n: number): string {
  return n > 0 ? `+${groupDigits(n)}` : n < 0 ? `−${groupDigits(-n)}` : '0';
}

export function signedBytes(n: number): string {
  return n > 0 ? `+${formatBytes(n)}` : n < 0 ? `−${formatBytes(-n)}` : '0';
}

const TOTAL_ROWS: [keyof DiffTotals, string][] = [
  ['layers', 'layers'],
  ['params', 'trainable parameters'],
  ['nonTrainableParams', 'non-trainable parameters'],
  ['neurons', 'neurons'],
  ['macs', 'forward MACs a sample'],
  ['forwardFlops', 'forward FLOPs a sample'],
  ['trainingFlops', 'training FLOPs a sample'],
  ['memory', 'training memory'],
];

/** The diff's rows as cells: the one layout text, Markdown and the editor's table share. */
export const DIFF_HEADERS = ['', 'Layer', 'Kind', 'Output', 'Parameters Δ', 'MACs Δ', 'Memory Δ', 'What changed'] as const;

export function diffRows(diff: NetworkDiff): string[][] {
  return diff.layers.map((l) => {
    const mark = l.status === 'added' ? '+' : l.status === 'removed' ? '−' : '~';
    const kind = l.a && l.b && l.a.kind !== l.b.kind ? `${l.a.kind} → ${l.b.kind}` : (l.b ?? l.a)!.kind;
    const output = l.a && l.b && formatShape(l.a.output) !== formatShape(l.b.output)
      ? `${formatShape(l.a.output)} → ${formatShape(l.b.output)}` : formatShape((l.b ?? l.a)!.output);
    const what = l.status === 'changed' ? l.changes.filter((c) => !/^(output|params|MACs|memory|kind):/.test(c)).join('; ') : l.status;
    return [mark, l.name, kind, output, signed(l.delta.params), signed(l.delta.macs), signedBytes(l.delta.memory), what];
  });
}

export function totalRows(diff: NetworkDiff): string[][] {
  const { a, b, delta } = diff.totals;
  return TOTAL_ROWS.map(([key, label]) => {
    const bytes = key === 'memory';
    const value = (n: number) => (bytes ? formatBytes(n) : groupDigits(n));
    return [label, value(a[key]), value(b[key]), bytes ? signedBytes(delta[key]) : signed(delta[key])];
  });
}

export function renderDiff(diff: NetworkDiff, format: DiffFormat): string {
  if (format === 'json') return JSON.stringify(diff, null, 2) + '\n';
  const summary = `${diff.layers.filter((l) => l.status === 'added').length} added, ${diff.layers.filter((l) => l.status === 'removed').length} removed, ` +
    `${diff.layers.filter((l) => l.status === 'changed').length} changed, ${diff.unchanged} unchanged; memory at batch ${diff.batch}`;
  const totalsHeader = ['Total', diff.a, diff.b, 'Δ'];
  if (format === 'markdown') {
    const md = (header: readonly string[], rows: string[][], numericFrom: number, numericTo: number) => [
      `| ${header.join(' | ')} |`,
      `| ${header.map((_, i) => (i >= numericFrom && i < numericTo ? '---:' : '---')).join(' | ')} |`,
      ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`),
    ].join('\n');
    const layers = diff.layers.length ? md(DIFF_HEADERS, diffRows(diff), 4, 7) : 'No layer differs.';
    return `### ${diff.a} → ${diff.b}\n\n${summary}\n\n${layers}\n\n${md(totalsHeader, totalRows(diff), 1, 4)}\n`;
  }
  const aligned = (rows: string[][], right: (i: number) => boolean) => {
    const widths = rows[0].map((_, i) => rows.reduce((w, r) => Math.max(w, [...r[i]].length), 0));
    return rows.map((r) => r.map((c, i) => (right(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
  };
  const layers = diff.layers.length ? aligned([[...DIFF_HEADERS], ...diffRows(diff)], (i) => i >= 4 && i < 7) : 'No layer differs.';
  return `${diff.a} → ${diff.b}: ${summary}\n\n${layers}\n\n${aligned([totalsHeader, ...totalRows(diff)], (i) => i >= 1)}\n`;
}
