/**
 * Hover: a layer's arithmetic worked out in its own numbers; on `network` or `input`, the totals.
 */
import type { Hover } from 'vscode-languageserver-types';
import type { Analysis, LayerAnalysis } from './analyze';
import { negativeSlope } from './analyze';
import { canonicalKey, KEYS } from './keys';
import { specOf } from './layerKinds';
import type { NetworkLayer } from './network';
import { formatReal, formatShape, formatStd, groupDigits } from './numbers';
import { spanContains, spanToRange, type Position } from './syntax';
import { activationFactor } from './variance';

export function hover(analysis: Analysis, position: Position): Hover | null {
  const entry = analysis.layers.find((l) => l.statement.span.line === position.line);
  if (entry) return layerHover(analysis, entry, position);
  for (const statement of [analysis.networkStatement, analysis.inputStatement]) {
    if (statement && statement.span.line === position.line) {
      return { contents: { kind: 'markdown', value: totalsMarkdown(analysis) }, range: spanToRange(statement.span) };
    }
  }
  const train = analysis.trainStatement;
  if (train && train.span.line === position.line) {
    const pair = train.pairs.find((p) => spanContains(p.span, position));
    const key = pair && canonicalKey(pair.key);
    if (key) return { contents: { kind: 'markdown', value: `\`${key}\` = ${KEYS[key].syntax}\n\n${KEYS[key].doc}` }, range: spanToRange(pair.span) };
  }
  return null;
}

function keyNote(entry: LayerAnalysis, position: Position): string {
  const pair = entry.statement.pairs.find((p) => spanContains(p.keySpan, position));
  const key = pair && canonicalKey(pair.key);
  return key ? `\`${key}\` = ${KEYS[key].syntax}: ${KEYS[key].doc}\n\n---\n\n` : '';
}

function layerHover(analysis: Analysis, entry: LayerAnalysis, position: Position): Hover {
  const range = spanToRange(entry.statement.span);
  const layer = entry.layer;
  if (!layer) {
    const doc = entry.spec ? entry.spec.doc : `Unknown layer kind \`${entry.statement.kind}\`.`;
    const why = entry.spec ? '\n\nNot computed: an error on this line or before it stops the arithmetic here.' : '';
    return { contents: { kind: 'markdown', value: `**${entry.name}**\n\n${doc}${why}` }, range };
  }
  const lines = [`**${layer.name}** · ${describe(layer)}`, '', `${formatShape(layer.input)} → **${formatShape(layer.output)}**`, ''];
  lines.push(...arithmetic(layer).map((l) => `- ${l}`));
  const signal = layer.signal;
  if (signal) {
    const factor = `${activationFactor(layer.act) === 1 ? '' : `${formatReal(activationFactor(layer.act))}·`}`;
    lines.push(
      `- signal at init (He et al. 2015): forward ${factor}n·Var[w] = ${formatReal(signal.forward)} (product from the input ${formatStd(signal.forwardProduct)}), ` +
        `backward ${factor}n̂·Var[w] = ${formatReal(signal.backward)} (product from the loss ${formatStd(signal.backwardProduct)})`,
    );
  }
  return { contents: { kind: 'markdown', value: keyNote(entry, position) + lines.join('\n') }, range };
}

function describe(layer: NetworkLayer): string {
  const spec = specOf(layer.kind);
  const parts: string[] = [layer.kind];
  if (layer.count !== undefined) parts[0] += ` ${groupDigits(layer.count)} ${spec.count}`;
  if (layer.kernel) parts.push(`f=${axes(layer.kernel)}`, `s=${axes(layer.stride!)}`, `p=${axes(layer.pad!)}`);
  if (layer.groups && layer.groups > 1) parts.push(`groups=${layer.groups}`);
  if (layer.act) parts.push(`act=${layer.act}`);
  if (layer.round === 'ceil') parts.push('round=ceil');
  return parts.join(', ');
}

function axes(pair: [number, number]): string {
  return pair[0] === pair[1] ? String(pair[0]) : `${pair[0]}x${pair[1]}`;
}

/** Each count as the formula with the layer's numbers in it, the way the coursework writes it. */
function arithmetic(layer: NetworkLayer): string[] {
  const out: string[] = [];
  if (layer.raw && layer.kernel && layer.stride && layer.pad) {
    const n = layer.input as [number, number, number];
    const square = n[0] === n[1] && layer.kernel[0] === layer.kernel[1] && layer.stride[0] === layer.stride[1] && layer.pad[0] === layer.pad[1];
    for (const a of square ? [0] : [0, 1]) {
      const raw = layer.raw[a];
      const rounded = layer.output[a];
      const note = Number.isInteger(raw) ? '' : ` → ${layer.round === 'ceil' ? 'ceil' : 'floor'} ${rounded}`;
      const label = square ? 'output size' : a === 0 ? 'output height' : 'output width';
      out.push(`${label}: (n + 2p − f)/s + 1 = (${n[a]} + 2·${layer.pad[a]} − ${layer.kernel[a]})/${layer.stride[a]} + 1 = ${formatReal(raw)}${note}`);
    }
  }
  const shape = layer.output.length === 3 ? layer.output.join('·') : String(layer.output[0]);
  out.push(`neurons: ${shape} = **${groupDigits(layer.neurons)}**`);
  if (layer.filterPlusOne !== undefined && layer.count !== undefined) {
    const fan = layer.kernel
      ? `${layer.kernel[0]}·${layer.kernel[1]}·${layer.input[2]}${layer.groups && layer.groups > 1 ? `/${layer.groups}` : ''}`
      : `${groupDigits(layer.fanIn!)}`;
    const plus = layer.bias ? ' + 1' : '';
    const what = layer.kind === 'conv' ? 'filters' : layer.kind === 'softmax' ? 'classes' : 'units';
    let params = `params: ${what} × (${fan}${plus}) = ${groupDigits(layer.count)} × ${groupDigits(layer.filterPlusOne)}`;
    if (layer.activationParams) params += ` + ${groupDigits(layer.activationParams)} PReLU slope${layer.activationParams > 1 ? 's' : ''}`;
    out.push(`${params} = **${groupDigits(layer.params)}**`);
  } else if (layer.params) {
    out.push(`params: 2 × ${layer.output[layer.output.length - 1]} (scale and shift) = **${groupDigits(layer.params)}**`);
  } else {
    out.push('params: 0');
  }
  if (layer.macs) out.push(`MACs: ${groupDigits(layer.macs)}`);
  out.push(`receptive field: ${axes(layer.receptiveField)} pixels of the input, jump ${axes(layer.jump)}`);
  if (layer.init && layer.initStd !== undefined && layer.fanIn !== undefined) {
    const a = negativeSlope(layer.act);
    let formula: string;
    if (layer.init.kind === 'he') {
      formula = a > 0 ? `√(2 / ((1 + ${a}²)·${groupDigits(layer.fanIn)}))` : `√(2 / ${groupDigits(layer.fanIn)})`;
    } else if (layer.init.kind === 'xavier') {
      formula = `√(2 / (${groupDigits(layer.fanIn)} + ${groupDigits(layer.fanOut!)}))`;
    } else {
      formula = 'gaussian';
    }
    out.push(`init ${layer.init.kind}: std = ${formula === 'gaussian' ? '' : `${formula} = `}${formatStd(layer.initStd)}`);
  }
  return out;
}

export function totalsMarkdown(analysis: Analysis): string {
  const n = analysis.network;
  const t = n.totals;
  const last = n.layers[n.layers.length - 1];
  return [
    `**${n.network ?? 'network'}**${n.input ? ` · input ${formatShape(n.input)}` : ''}${last ? ` → ${formatShape(last.output)}` : ''}`,
    '',
    `- layers: ${n.layers.length}${n.layers.length < analysis.layers.length ? ` of ${analysis.layers.length} computed` : ''}`,
    `- params: **${groupDigits(t.params)}**`,
    `- neurons: **${groupDigits(t.neurons)}** (conv, pooling, fc, softmax), ${groupDigits(t.neuronsConvFc)} conv and fc only (the AlexNet paper's count)`,
    `- MACs: ${groupDigits(t.macs)}`,
  ].join('\n');
}
