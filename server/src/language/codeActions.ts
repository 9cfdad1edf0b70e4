/**
 * Quick fixes. For an output size that is not whole: the nearest pad, input, kernel and stride
 * that make it whole, each tried on the whole file first, so that fixes which keep later layers
 * whole come first and every title says the output it gives. Inside a block, a fix must be right
 * in every instance. For an `add` of unequal shapes: a 1x1 projection of an operand (projection.ts).
 */
import type { TextEdit } from 'vscode-languageserver-types';
import { analyzeText, type Analysis, type AnalyzeOptions, type Diagnostic, type LayerAnalysis } from './analyze';
import type { KeyName } from './keys';
import type { NetworkLayer } from './network';
import { formatShape, formatStd } from './numbers';
import { projectionFixes } from './projection';
import { spanToRange, type Range, type Span } from './syntax';
import { applyEdits } from './textEdits';

export interface QuickFix {
  title: string;
  edits: TextEdit[];
  diagnostic: Diagnostic;
  preferred?: boolean;
}

const MAX_EXACTNESS_FIXES = 6;

function overlaps(a: Range, b: Range): boolean {
  return a.start.line <= b.end.line && b.start.line <= a.end.line;
}

export function quickFixes(analysis: Analysis, range: Range, options: AnalyzeOptions = {}): QuickFix[] {
  const fixes: QuickFix[] = [];
  // Inside a block one mistake is one diagnostic per instance, on the same range: one set of fixes.
  const handled = new Set<string>();
  for (const diagnostic of analysis.diagnostics) {
    if (!overlaps(diagnostic.range, range)) continue;
    const key = `${diagnostic.code}:${diagnostic.range.start.line}:${diagnostic.range.start.character}:${diagnostic.range.end.character}`;
    if ((diagnostic.code === 'non-integer-output' || diagnostic.code === 'shape-mismatch') && handled.has(key)) continue;
    handled.add(key);
    const suggestion = diagnostic.data?.suggestion;
    if (suggestion) {
      fixes.push({ title: `Change to '${suggestion}'`, edits: [{ range: diagnostic.range, newText: suggestion }], diagnostic, preferred: true });
      continue;
    }
    const entry = analysis.layers.find((l) => l.statement.span.line === diagnostic.range.start.line);
    switch (diagnostic.code) {
      case 'non-integer-output':
        if (entry?.layer) fixes.push(...exactnessFixes(analysis, entry, diagnostic, options));
        break;
      case 'shape-mismatch':
        if (entry) fixes.push(...projectionFixes(analysis, entry, diagnostic, options));
        break;
      case 'missing-kernel':
        if (entry) fixes.push(addKey(entry, diagnostic, 'kernel', entry.spec?.kind === 'conv' ? '3' : '2'));
        break;
      case 'missing-count':
        if (entry) fixes.push(addCount(entry, diagnostic));
        break;
      case 'missing-input':
        fixes.push(addInput(analysis, diagnostic));
        break;
      case 'vanishing-signal':
      case 'exploding-signal':
        fixes.push(...initFixes(analysis, diagnostic, options));
        break;
    }
  }
  return fixes;
}

/** Written as the line writes its other keys: `f=3` beside `s=1`, `kernel=3` beside `stride=1`. */
function keyWord(entry: LayerAnalysis, key: KeyName): string {
  const short: Partial<Record<KeyName, string>> = { kernel: 'f', stride: 's', pad: 'p' };
  const usesShort = entry.statement.pairs.some((p) => p.key === 'f' || p.key === 's' || p.key === 'p');
  return usesShort && short[key] ? short[key]! : key;
}

function insertAtEnd(span: Span, text: string): TextEdit {
  return { range: spanToRange({ line: span.line, start: span.end, end: span.end }), newText: text };
}

function addKey(entry: LayerAnalysis, diagnostic: Diagnostic, key: KeyName, value: string): QuickFix {
  const word = keyWord(entry, key);
  return { title: `Add ${word}=${value}`, edits: [insertAtEnd(entry.statement.span, ` ${word}=${value}`)], diagnostic };
}

function addCount(entry: LayerAnalysis, diagnostic: Diagnostic): QuickFix {
  const count = entry.spec?.count === 'filters' ? 64 : entry.spec?.count === 'classes' ? 10 : 128;
  const span = entry.statement.keywordSpan;
  return { title: `Add ${count} ${entry.spec?.count ?? ''}`.trim(), edits: [insertAtEnd(span, ` ${count}`)], diagnostic };
}

function addInput(analysis: Analysis, diagnostic: Diagnostic): QuickFix {
  const network = analysis.networkStatement;
  const line = network ? network.span.line + 1 : 0;
  return {
    title: 'Add input 227x227x3',
    edits: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: 'input 227x227x3\n' }],
    diagnostic,
  };
}

interface Candidate {
  key: 'pad' | 'input' | 'kernel' | 'stride';
  value: [number, number];
  /** How far from what is written, summed over the axes. */
  distance: number;
}

/** Nearest values below and above `from` that `ok` accepts, searching `reach` steps each way. */
function nearest(from: number, min: number, max: number, ok: (v: number) => boolean): number[] {
  const found: number[] = [];
  for (let v = from - 1; v >= min; v--) if (ok(v)) { found.push(v); break; }
  for (let v = from + 1; v <= max; v++) if (ok(v)) { found.push(v); break; }
  return found;
}

function candidates(analysis: Analysis, layer: NetworkLayer, firstLayer: boolean): Candidate[] {
  const [h, w] = layer.input as [number, number, number];
  const n = [h, w];
  const f = layer.kernel!;
  const s = layer.stride!;
  const p = layer.pad!;
  const pool = layer.kind !== 'conv';
  const whole = (a: number, nn: number, ff: number, ss: number, pp: number) => (nn + 2 * pp - ff) % ss === 0 && nn + 2 * pp >= ff;
  const perAxis: Record<Candidate['key'], number[][]> = { pad: [], input: [], kernel: [], stride: [] };
  for (const a of [0, 1]) {
    const good = Number.isInteger(layer.raw![a]);
    const keep = (v: number) => (good ? [v] : []);
    perAxis.pad[a] = good ? keep(p[a]) : nearest(p[a], 0, p[a] + 2 * s[a], (v) => whole(a, n[a], f[a], s[a], v) && (pool ? v <= f[a] / 2 : v < f[a]));
    perAxis.kernel[a] = good ? keep(f[a]) : nearest(f[a], 1, n[a] + 2 * p[a], (v) => whole(a, n[a], v, s[a], p[a]) && (pool ? p[a] <= v / 2 : p[a] < v));
    perAxis.stride[a] = good ? keep(s[a]) : nearest(s[a], 1, n[a] + 2 * p[a], (v) => whole(a, n[a], f[a], v, p[a]));
    perAxis.input[a] = good ? keep(n[a]) : firstLayer ? nearest(n[a], 1, n[a] + 2 * s[a], (v) => whole(a, v, f[a], s[a], p[a])) : [];
  }
  const current: Record<Candidate['key'], [number, number]> = { pad: p, input: [h, w], kernel: f, stride: s };
  const out: Candidate[] = [];
  for (const key of ['pad', 'input', 'kernel', 'stride'] as const) {
    const [hs, ws] = perAxis[key];
    if (!hs.length || !ws.length) continue;
    // Pair the nearest-below choices and the nearest-above choices, so a square layer stays square.
    for (let i = 0; i < Math.max(hs.length, ws.length); i++) {
      const value: [number, number] = [hs[Math.min(i, hs.length - 1)], ws[Math.min(i, ws.length - 1)]];
      const distance = Math.abs(value[0] - current[key][0]) + Math.abs(value[1] - current[key][1]);
      if (distance > 0 && !out.some((c) => c.key === key && c.value[0] === value[0] && c.value[1] === value[1])) out.push({ key, value, distance });
    }
  }
  return out;
}

function pairText(value: [number, number]): string {
  return value[0] === value[1] ? String(value[0]) : `${value[0]}x${value[1]}`;
}

function exactnessFixes(analysis: Analysis, entry: LayerAnalysis, diagnostic: Diagnostic, options: AnalyzeOptions): QuickFix[] {
  // Inside a block the line is a layer in each instance: a fix must make every one of them whole.
  const inBlock = entry.definedIn !== undefined;
  const layers = inBlock ? entry.instances : [entry.layer!];
  if (layers.length === 0) return [];
  const inputIsFirst = (layer: NetworkLayer) => analysis.network.layers[0] === layer && analysis.inputStatement?.size?.type === 'size';
  const found: Candidate[] = [];
  for (const layer of layers) {
    for (const candidate of candidates(analysis, layer, inputIsFirst(layer))) {
      if (!found.some((c) => c.key === candidate.key && c.value[0] === candidate.value[0] && c.value[1] === candidate.value[1])) found.push(candidate);
    }
  }
  const before = analysis.diagnostics.filter((d) => d.code === 'non-integer-output').map((d) => d.range.start.line);
  const scored = found.flatMap((candidate) => {
    let edit: TextEdit;
    let label: string;
    if (candidate.key === 'input') {
      const channels = analysis.network.input![2];
      label = `input to ${candidate.value[0]}x${candidate.value[1]}x${channels}`;
      edit = { range: spanToRange(analysis.inputStatement!.size!.span), newText: `${candidate.value[0]}x${candidate.value[1]}x${channels}` };
    } else {
      const word = keyWord(entry, candidate.key);
      const pair = entry.pairs[candidate.key];
      // A value written with the block's parameters (s=stride) is not replaced by a number.
      if (inBlock && pair?.value && pair.value.type !== 'number' && pair.value.type !== 'size') return [];
      label = `${word} to ${pairText(candidate.value)}`;
      edit = pair?.value
        ? { range: spanToRange(pair.value.span), newText: pairText(candidate.value) }
        : insertAtEnd(entry.statement.span, ` ${word}=${pairText(candidate.value)}`);
    }
    const after = analyzeText(applyEdits(analysis.document.text, [edit]), options);
    const same = after.layers.find((l) => l.statement.span.line === entry.statement.span.line);
    const fixed = inBlock ? same?.instances ?? [] : same?.layer ? [same.layer] : [];
    if (fixed.length !== layers.length || fixed.some((l) => !l.raw || !Number.isInteger(l.raw[0]) || !Number.isInteger(l.raw[1]))) return [];
    const errors = after.diagnostics.filter((d) => d.severity === 'error').length;
    if (errors > analysis.diagnostics.filter((d) => d.severity === 'error').length) return [];
    const broken = after.diagnostics
      .filter((d) => d.code === 'non-integer-output' && d.range.start.line > entry.statement.span.line && !before.includes(d.range.start.line))
      .map((d) => after.layers.find((l) => l.statement.span.line === d.range.start.line)?.name ?? `line ${d.range.start.line + 1}`);
    const remaining = after.diagnostics.filter((d) => d.code === 'non-integer-output').length;
    const then = broken.length ? ` (then ${[...new Set(broken)].join(', ')} not whole)` : '';
    return [{ candidate, remaining, broken: broken.length, title: `Set ${label} → ${outputs(entry, fixed)}${then}`, edit }];
  });
  // The input size is the user's data, so it changes last: after every pad, kernel and stride that
  // leaves as few sizes not whole, and first only when nothing else keeps the rest whole.
  const order = ['pad', 'kernel', 'stride', 'input'];
  // Fewest sizes left not whole in the file first: the fix that repairs the chain below it wins.
  scored.sort((a, b) => a.remaining - b.remaining || a.broken - b.broken || order.indexOf(a.candidate.key) - order.indexOf(b.candidate.key) || a.candidate.distance - b.candidate.distance);
  const first = scored[0];
  if (first?.candidate.key === 'input' && scored.length > 1) {
    first.title += first.remaining === 0 ? ' (the only change that keeps every size whole)' : ' (the change that leaves the fewest sizes not whole)';
  }
  return scored.slice(0, MAX_EXACTNESS_FIXES).map((s, i) => ({
    title: s.title,
    edits: [s.edit],
    diagnostic,
    preferred: i === 0,
  }));
}

/** `pool3 output 4×4×128`; in a block, the output in each instance (or in every one when they agree). */
function outputs(entry: LayerAnalysis, fixed: NetworkLayer[]): string {
  if (fixed.length === 1) return `${fixed[0].name} output ${formatShape(fixed[0].output)}`;
  const shapes = fixed.map((l) => formatShape(l.output));
  if (shapes.every((s) => s === shapes[0])) return `${entry.name} output ${shapes[0]} in every instance`;
  const listed = fixed.slice(0, 3).map((l, i) => `${shapes[i]} in ${l.block ?? l.name}`);
  return `${entry.name} output ${listed.join(', ')}${fixed.length > 3 ? ', …' : ''}`;
}

/**
 * "Use init=he" / "Use init=xavier": every layer's init, explicit or by default, becomes that one;
 * the title gives the signal products the file then has.
 */
function initFixes(analysis: Analysis, diagnostic: Diagnostic, options: AnalyzeOptions): QuickFix[] {
  const statements = analysis.document.statements;
  const firstLayer = statements.find((st) => st.type === 'layer');
  if (!firstLayer) return [];
  const signalCodes = ['vanishing-signal', 'exploding-signal'];
  const fixes = (['he', 'xavier'] as const).map((init) => {
    const edits: TextEdit[] = [];
    for (const st of statements) {
      if (st.type !== 'layer' && st.type !== 'defaults') continue;
      for (const pair of st.pairs) {
        if (pair.key === 'init' && pair.value) edits.push({ range: spanToRange(pair.value.span), newText: init });
      }
    }
    const defaultsBefore = statements.some((st) => st.type === 'defaults' && st.span.line < firstLayer.span.line && st.pairs.some((p) => p.key === 'init'));
    if (!defaultsBefore) {
      const at = { line: firstLayer.span.line, character: 0 };
      edits.push({ range: { start: at, end: at }, newText: `defaults init=${init}\n` });
    }
    const after = analyzeText(applyEdits(analysis.document.text, edits), options);
    const layers = after.network.layers.filter((l) => l.signal);
    const forward = layers.length ? layers[layers.length - 1].signal!.forwardProduct : 1;
    const backward = layers.length ? layers[0].signal!.backwardProduct : 1;
    const left = after.diagnostics.filter((d) => signalCodes.includes(d.code)).length;
    return { init, edits, left, title: `Use init=${init} for every layer → signal products: forward ${formatStd(forward)}, backward ${formatStd(backward)}` };
  });
  fixes.sort((a, b) => a.left - b.left);
  return fixes.map((f, i) => ({ title: f.title, edits: f.edits, diagnostic, preferred: i === 0 && f.left === 0 }));
}
