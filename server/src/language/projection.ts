/**
 * The quick fix for `shape-mismatch`: an `add` of unequal shapes gets a 1x1 convolution of one
 * operand, with the other's channels and the stride that brings it to the other's height and
 * width (ResNet's projection shortcut), inserted above the add, and a batchnorm after it where the
 * file's convolutions have one. Inside a block the count and stride are written with the block's
 * parameters where that is right in every instance (`conv width f=1 s=stride`), and every fix is
 * re-analysed: it is offered only when the mismatch is gone in every instance (those after a failing
 * one are computed only then).
 */
import type { TextEdit } from 'vscode-languageserver-types';
import { analyzeText, type Analysis, type AnalyzeOptions, type BlockDefinition, type Diagnostic, type LayerAnalysis } from './analyze';
import { indexOf } from './instances';
import { canonicalKey } from './keys';
import type { NetworkInstance, Shape } from './network';
import { formatShape } from './numbers';
import { scopesOf, type Scopes } from './scopes';
import { spanToRange, type LayerStatement, type Value } from './syntax';
import { applyEdits } from './textEdits';

export interface ProjectionFix {
  title: string;
  edits: TextEdit[];
  diagnostic: Diagnostic;
  preferred?: boolean;
}

/** The stride of a 1x1 convolution (no padding) that takes `from` rows to `to`: ⌊(n − 1)/s⌋ + 1 = to. */
function strideFor(from: number, to: number): number | undefined {
  if (to > from || to < 1) return undefined;
  for (let s = 1; s <= from; s++) if (Math.floor((from - 1) / s) + 1 === to) return s;
  return undefined;
}

function valueText(value: Value | undefined): string {
  if (!value) return '';
  switch (value.type) {
    case 'number': return value.text;
    case 'size': return value.parts.join('x');
    case 'name': return value.name;
    case 'expr': return value.text;
    default: return '';
  }
}

const mentions = (text: string, name: string) => new RegExp(`(^|[^A-Za-z0-9_.])${name}($|[^A-Za-z0-9_.])`).test(text);

/**
 * The block's parameters as an expression for `values` (one per instance): a parameter equal to it
 * in every instance (those used in the same role in the block first), or for a count a parameter
 * times or divided by a whole number (`width*4`).
 */
function parameterExpression(block: BlockDefinition, instances: NetworkInstance[], values: number[], role: 'count' | 'stride'): string | undefined {
  const layers = block.body.filter((s): s is LayerStatement => s.type === 'layer');
  const usedInRole = (name: string) =>
    layers.some((l) =>
      role === 'count'
        ? mentions(valueText(l.args[0]), name)
        : l.pairs.some((p) => canonicalKey(p.key) === 'stride' && mentions(valueText(p.value), name)),
    );
  const params = block.statement.params.map((p) => p.name);
  params.sort((a, b) => Number(usedInRole(b)) - Number(usedInRole(a)));
  const numbers = (name: string) => instances.map((instance) => {
    const value = block.arguments[block.instances.indexOf(instance)]?.get(name);
    return value?.type === 'number' ? value.value : undefined;
  });
  for (const name of params) {
    const own = numbers(name);
    if (own.every((v, k) => v === values[k])) return name;
  }
  if (role !== 'count') return undefined;
  for (const name of params) {
    const own = numbers(name);
    if (own.some((v) => !v)) continue;
    const times = values[0] / own[0]!;
    if (Number.isInteger(times) && times > 1 && own.every((v, k) => v! * times === values[k])) return `${name}*${times}`;
    const part = own[0]! / values[0];
    if (Number.isInteger(part) && part > 1 && own.every((v, k) => v! === values[k] * part)) return `${name}/${part}`;
  }
  return undefined;
}

/** The act and bias in force on a line: the defaults where its block is defined, then those above it in its scope. */
function defaultsAt(analysis: Analysis, scopes: Scopes, line: number, block: BlockDefinition | undefined): { act: string; bias: boolean } {
  const result: { act: string; bias: boolean } = { act: block ? block.defaults.act : 'relu', bias: block ? block.defaults.bias : true };
  const region = block && scopes.regionOf(block);
  for (const statement of analysis.document.statements) {
    const at = statement.span.line;
    if (statement.type !== 'defaults' || at >= line) continue;
    const inScope = region ? at > region.start : scopes.regionOfBody(at) === undefined;
    if (!inScope) continue;
    for (const pair of statement.pairs) {
      if (pair.value?.type !== 'name') continue;
      if (pair.key === 'act') result.act = pair.value.name;
      if (pair.key === 'bias') result.bias = pair.value.name === 'true';
    }
  }
  return result;
}

/** Whether the file's convolutions are mostly followed by a batchnorm that reads them. */
function convsHaveBatchnorm(analysis: Analysis, scopes: Scopes): boolean {
  let convs = 0;
  let followed = 0;
  for (const block of [undefined, ...analysis.blocks]) {
    const members = scopes.membersOf(block);
    members.forEach((entry, i) => {
      if (entry.spec?.kind !== 'conv') return;
      convs++;
      const next = members[i + 1];
      if (next?.spec?.kind !== 'batchnorm') return;
      const reads = scopes.fromRefs(next).map((r) => r.name);
      if (reads.length === 0 || (reads.length === 1 && reads[0] === scopes.nameOf(entry))) followed++;
    });
  }
  return followed > 0 && followed * 2 >= convs;
}

function unusedName(scopes: Scopes, block: BlockDefinition | undefined, wanted: string, taken: Set<string>): string {
  const names = new Set([...scopes.membersOf(block).map((e) => scopes.nameOf(e)), ...taken, scopes.entryWord(block)]);
  if (!names.has(wanted)) return wanted;
  for (let k = 2; ; k++) if (!names.has(`${wanted}${k}`)) return `${wanted}${k}`;
}

export function projectionFixes(analysis: Analysis, entry: LayerAnalysis, diagnostic: Diagnostic, options: AnalyzeOptions): ProjectionFix[] {
  if (entry.spec?.kind !== 'add') return [];
  const scopes = scopesOf(analysis);
  const index = indexOf(analysis);
  const refs = scopes.fromRefs(entry);
  const flagged = refs.findIndex((r) => r.span.line === diagnostic.range.start.line && r.span.start === diagnostic.range.start.character);
  if (flagged <= 0) return [];
  const block = entry.definedIn;
  const instances: (NetworkInstance | undefined)[] = block ? block.instances : [undefined];
  if (instances.length === 0) return [];
  const line = entry.statement.span.line;
  const lineText = analysis.document.lines[line];
  const indent = /^\s*/.exec(lineText)![0];
  const eol = analysis.document.text.includes('\r\n') ? '\r\n' : '\n';
  const withBatchnorm = convsHaveBatchnorm(analysis, scopes);
  const defaults = defaultsAt(analysis, scopes, line, block);

  // The shortcut (the operand defined first) is the one ResNet projects: try it first.
  const definedAt = (i: number) => {
    const resolved = scopes.resolve(block, line, refs[i]);
    return resolved?.target.type === 'layer' ? resolved.target.entry.statement.span.line : -1;
  };
  const orders: [number, number][] = [[0, flagged], [flagged, 0]];
  orders.sort((a, b) => definedAt(a[0]) - definedAt(b[0]));

  const fixes: ProjectionFix[] = [];
  for (const [projected, target] of orders) {
    const operand = refs[projected].name;
    // Instances after one that fails are not computed yet: infer from those that are, then check all.
    const known: NetworkInstance[] = [];
    const shapes: { from: Shape; to: Shape }[] = [];
    for (const instance of instances) {
      const from = index.shapeOf(index.fullNameIn(instance, operand));
      const to = index.shapeOf(index.fullNameIn(instance, refs[target].name));
      if (!from || !to) continue;
      if (instance) known.push(instance);
      shapes.push({ from, to });
    }
    if (shapes.length === 0 || shapes.some((s) => s.from.length !== 3 || s.to.length !== 3)) continue;
    const maps = shapes as { from: [number, number, number]; to: [number, number, number] }[];
    const found = maps.map((s) => [strideFor(s.from[0], s.to[0]), strideFor(s.from[1], s.to[1])]);
    if (found.some(([h, w]) => h === undefined || w === undefined)) continue;
    const strides = found as [number, number][];
    const channels = maps.map((s) => s.to[2]);
    const square = strides.every(([h, w]) => h === w);
    const allSame = <T>(values: T[]) => values.every((v) => v === values[0]);

    let count: string | undefined = block ? parameterExpression(block, known, channels, 'count') : undefined;
    if (!count && allSame(channels)) count = String(channels[0]);
    if (!count) continue;
    let stride: string | undefined;
    const strideText = (h: number, w: number) => (h === w ? String(h) : `${h}x${w}`);
    if (block && square) stride = parameterExpression(block, known, strides.map(([h]) => h), 'stride');
    if (!stride) {
      const texts = strides.map(([h, w]) => strideText(h, w));
      if (!allSame(texts)) continue;
      stride = texts[0] === '1' ? '' : texts[0];
    }

    const taken = new Set<string>();
    const projName = unusedName(scopes, block, `${operand}_proj`, taken);
    taken.add(projName);
    const bnName = withBatchnorm ? unusedName(scopes, block, `${operand}_proj_bn`, taken) : undefined;
    const keys = [`f=1`, ...(stride ? [`s=${stride}`] : []), ...(defaults.act !== 'none' ? ['act=none'] : []), ...(withBatchnorm && defaults.bias ? ['bias=false'] : [])];
    const inserted = [`${indent}${projName}: conv ${count} ${keys.join(' ')} from=${operand}`];
    if (bnName) inserted.push(`${indent}${bnName}: batchnorm`);
    const at = { line, character: 0 };
    const edits: TextEdit[] = [
      { range: { start: at, end: at }, newText: inserted.map((l) => l + eol).join('') },
      { range: spanToRange(refs[projected].span), newText: bnName ?? projName },
    ];

    // Offered only when analysis agrees: the add computes in every instance, the new lines are sound.
    const after = analyzeText(applyEdits(analysis.document.text, edits), options);
    const addLine = line + inserted.length;
    const added = after.layers.find((l) => l.statement.span.line === addLine);
    const computed = block ? added?.instances.length === instances.length : added?.layer !== undefined;
    const mismatch = after.diagnostics.some((d) => d.code === 'shape-mismatch' && d.range.start.line === addLine);
    const broken = after.diagnostics.some((d) => d.severity === 'error' && d.range.start.line >= line && d.range.start.line <= addLine);
    if (!computed || mismatch || broken) continue;

    // The title gives the add's shape after the fix, per instance grouped by shape.
    const results = block ? added!.instances : [added!.layer!];
    const groups = new Map<string, string[]>();
    for (const layer of results) {
      const shape = formatShape(layer.output);
      groups.set(shape, [...(groups.get(shape) ?? []), layer.block ?? '']);
    }
    const result = groups.size === 1
      ? [...groups.keys()][0]
      : [...groups].slice(0, 3).map(([shape, names]) => `${shape} in ${names[0]}${names.length > 1 ? ` (+${names.length - 1})` : ''}`).join(', ') + (groups.size > 3 ? ', …' : '');
    fixes.push({ title: `Project ${operand} with a 1x1 conv to ${result}`, edits, diagnostic, preferred: fixes.length === 0 });
  }
  return fixes;
}
