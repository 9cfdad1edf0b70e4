/**
 * Quick fixes. For an output size that is not whole: the nearest pad, input, kernel and stride
 * that make it whole, each tried on the whole file first, so that fixes which keep later layers
 * whole come first and every title says the output it gives.
 */
import type { TextEdit } from 'vscode-languageserver-types';
import { analyzeText, type Analysis, type AnalyzeOptions, type Diagnostic, type LayerAnalysis } from './analyze';
import type { KeyName } from './keys';
import type { NetworkLayer } from './network';
import { formatShape, formatStd } from './numbers';
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
  for (const diagnostic of analysis.diagnostics) {
    if (!overlaps(diagnostic.range, range)) continue;
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
  const layer = entry.layer!;
  const firstLayer = analysis.network.layers[0] === layer && analysis.inputStatement?.size?.type === 'size';
  const before = analysis.diagnostics.filter((d) => d.code === 'non-integer-output').map((d) => d.range.start.line);
  const scored = candidates(analysis, layer, firstLayer).flatMap((candidate) => {
    let edit: TextEdit;
    let label: string;
    if (candidate.key === 'input') {
      const channels = analysis.network.input![2];
      label = `input to ${candidate.value[0]}x${candidate.value[1]}x${channels}`;
      edit = { range: spanToRange(analysis.inputStatement!.size!.span), newText: `${candidate.value[0]}x${candidate.value[1]}x${channels}` };
    } else {
      const word = keyWord(entry, candidate.key);
      const pair = entry.pairs[candidate.key];
      label = `${word} to ${pairText(candidate.value)}`;
      edit = pair?.value
        ? { range: spanToRange(pair.value.span), newText: pairText(candidate.value) }
        : insertAtEnd(entry.statement.span, ` ${word}=${pairText(candidate.value)}`);
    }
    const after = analyzeText(applyEdits(analysis.document.text, [edit]), options);
    const fixed = after.layers.find((l) => l.statement.span.line === entry.statement.span.line)?.layer;
    if (!fixed || !Number.isInteger(fixed.raw![0]) || !Number.isInteger(fixed.raw![1])) return [];
    const errors = after.diagnostics.filter((d) => d.severity === 'error').length;
    if (errors > analysis.diagnostics.filter((d) => d.severity === 'error').length) return [];
    const broken = after.diagnostics
      .filter((d) => d.code === 'non-integer-output' && d.range.start.line > entry.statement.span.line && !before.includes(d.range.start.line))
      .map((d) => after.layers.find((l) => l.statement.span.line === d.range.start.line)?.name ?? `line ${d.range.start.line + 1}`);
    const remaining = after.diagnostics.filter((d) => d.code === 'non-integer-output').length;
    const then = broken.length ? ` (then ${broken.join(', ')} not whole)` : '';
    return [{ candidate, remaining, broken: broken.length, title: `Set ${label} → ${layer.name} output ${formatShape(fixed.output)}${then}`, edit }];
  });
  const order = ['pad', 'input', 'kernel', 'stride'];
  // Fewest sizes left not whole in the file first: the fix that repairs the chain below it wins.
  scored.sort((a, b) => a.remaining - b.remaining || a.broken - b.broken || order.indexOf(a.candidate.key) - order.indexOf(b.candidate.key) || a.candidate.distance - b.candidate.distance);
  return scored.slice(0, MAX_EXACTNESS_FIXES).map((s, i) => ({
    title: s.title,
    edits: [s.edit],
    diagnostic,
    preferred: i === 0,
  }));
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
