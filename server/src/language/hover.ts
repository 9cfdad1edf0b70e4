/**
 * Hover: a layer's arithmetic worked out in its own numbers; on `network` or `input`, the totals.
 * Graphs: on a block use, the instance's totals and layers; on a line of a block definition, that
 * layer in each instance; on a name in `from=`, what it outputs; on `block NAME(...)`, the
 * block's parameters and instances.
 */
import type { Hover } from 'vscode-languageserver-types';
import type { Analysis, BlockArgument, BlockDefinition, LayerAnalysis } from './analyze';
import { negativeSlope } from './analyze';
import { indexOf, shortName, type NetworkIndex } from './instances';
import { canonicalKey, describe as describeValue, KEYS, type KeyName } from './keys';
import { specOf } from './layerKinds';
import type { Network, NetworkInstance, NetworkLayer, Shape } from './network';
import { formatReal, formatShape, formatStd, groupDigits } from './numbers';
import { scopesOf, type Scopes } from './scopes';
import { spanContains, spanToRange, type KeyValue, type NameRef, type Position, type Range } from './syntax';
import { ADAM_DEFAULT_LR, NUMBER_SETTINGS } from './trainSchema';
import { activationFactor } from './variance';
import { formatBytes, trainingBatch, trainingMemory, type LayerMemory, type TrainingMemory } from './trainingMemory';
import { memorySummary } from './table';

/** Rows listed before "… N more". */
const MAX_INSTANCES = 8;
const MAX_ROWS = 16;

export function hover(analysis: Analysis, position: Position): Hover | null {
  const entry = analysis.layers.find((l) => l.statement.span.line === position.line);
  if (entry) {
    const scopes = scopesOf(analysis);
    const ref = scopes.fromRefs(entry).find((r) => spanContains(r.span, position));
    if (ref) return refHover(analysis, scopes, entry, ref);
    if (entry.uses || (!entry.spec && scopes.blockNamed(entry.statement.kind))) return useHover(analysis, entry, position);
    if (entry.definedIn) return definitionLineHover(analysis, entry, position);
    return layerHover(analysis, entry, position);
  }
  const region = scopesOf(analysis).regions.find((r) => r.start === position.line);
  if (region?.block) return blockHover(analysis, region.block, spanToRange(region.header.span));
  const closed = scopesOf(analysis).regions.find((r) => r.endSpan?.line === position.line);
  if (closed?.block && closed.endSpan) return endHover(analysis, closed.block, spanToRange(closed.endSpan));
  for (const statement of [analysis.networkStatement, analysis.inputStatement]) {
    if (statement && statement.span.line === position.line) {
      return { contents: { kind: 'markdown', value: totalsMarkdown(analysis) }, range: spanToRange(statement.span) };
    }
  }
  const statement = analysis.document.statements.find((st) => st.span.line === position.line);
  if (statement?.type === 'train' || statement?.type === 'defaults') {
    const pair = statement.pairs.find((p) => spanContains(p.span, position));
    const key = pair && canonicalKey(pair.key);
    if (key) return markdown(`\`${key}\` = ${KEYS[key].syntax}\n\n${KEYS[key].doc}${defaultNote(key)}`, spanToRange(pair.span));
    return markdown(statement.type === 'train' ? trainMarkdown(statement.pairs) : defaultsMarkdown(statement.pairs), spanToRange(statement.span));
  }
  return null;
}

/** What a training key is when the statement leaves it out. */
function defaultNote(key: KeyName): string {
  const setting = Object.values(NUMBER_SETTINGS).find((s) => s.key === key);
  if (key === 'lr') return `\n\nDefault ${NUMBER_SETTINGS.lr.default} with sgd, ${ADAM_DEFAULT_LR} with adam.`;
  if (setting) return `\n\nDefault ${setting.default}.`;
  const words: Partial<Record<KeyName, string>> = { dataset: 'shapes', optimizer: 'sgd', schedule: 'constant' };
  return words[key] ? `\n\nDefault ${words[key]}.` : '';
}

const TRAIN_DEFAULTS: readonly [KeyName, string][] = [
  ['dataset', 'shapes'],
  ['epochs', String(NUMBER_SETTINGS.epochs.default)],
  ['batch', String(NUMBER_SETTINGS.batch.default)],
  ['lr', `${NUMBER_SETTINGS.lr.default} (${ADAM_DEFAULT_LR} with adam)`],
  ['momentum', String(NUMBER_SETTINGS.momentum.default)],
  ['weight_decay', String(NUMBER_SETTINGS.weightDecay.default)],
  ['optimizer', 'sgd'],
  ['seed', String(NUMBER_SETTINGS.seed.default)],
  ['schedule', 'constant'],
  ['warmup', String(NUMBER_SETTINGS.warmup.default)],
];

function trainMarkdown(pairs: KeyValue[]): string {
  const written = new Set(pairs.map((p) => canonicalKey(p.key)));
  const rest = TRAIN_DEFAULTS.filter(([key]) => !written.has(key)).map(([key, value]) => `${key} ${value}`);
  return [
    '**train** · how `cnn train`, `cnn compare` and the training view train this network (their options override it)',
    '',
    ...pairs.map((p) => `- ${p.key} = ${p.value ? describeValue(p.value) : '?'}`),
    ...(rest.length ? ['', `Not written here, so the defaults: ${rest.join(', ')}.`] : []),
  ].join('\n');
}

function defaultsMarkdown(pairs: KeyValue[]): string {
  return [
    '**defaults** · values for every later layer that takes the key and does not set it (softmax keeps no activation)',
    '',
    ...pairs.map((p) => {
      const key = canonicalKey(p.key);
      return `- ${p.key} = ${p.value ? describeValue(p.value) : '?'}${key ? `: ${KEYS[key].doc}` : ''}`;
    }),
  ].join('\n');
}

function keyNote(entry: LayerAnalysis, position: Position): string {
  const pair = entry.statement.pairs.find((p) => spanContains(p.keySpan, position));
  const key = pair && canonicalKey(pair.key);
  return key ? `\`${key}\` = ${KEYS[key].syntax}: ${KEYS[key].doc}\n\n---\n\n` : '';
}

function layerHover(analysis: Analysis, entry: LayerAnalysis, position: Position, layer = entry.layer): Hover {
  const range = spanToRange(entry.statement.span);
  if (!layer) {
    const doc = entry.spec ? entry.spec.doc : `Unknown layer kind \`${entry.statement.kind}\`.`;
    const why = entry.spec ? '\n\nNot computed: an error on this line or before it stops the arithmetic here.' : '';
    const operands = entry.spec?.merge ? operandsNote(analysis, entry) : '';
    return { contents: { kind: 'markdown', value: `**${entry.name || scopesOf(analysis).nameOf(entry)}**\n\n${doc}${why}${operands}` }, range };
  }
  return { contents: { kind: 'markdown', value: keyNote(entry, position) + layerMarkdown(layer, analysis.network.input) + layerMemoryLine(analysis, layer) }, range };
}

/**
 * The file's training memory at its batch, once per analysed network: the estimate walks every
 * layer, and each hover wants one layer's share (a 5,000-layer file took 12 ms a hover without this).
 */
const fileMemory = new WeakMap<Network, { memory: TrainingMemory; byLayer: Map<string, LayerMemory> }>();

function memoryOf(network: Network): { memory: TrainingMemory; byLayer: Map<string, LayerMemory> } {
  let known = fileMemory.get(network);
  if (!known) {
    const memory = trainingMemory(network, { batch: trainingBatch(network) });
    known = { memory, byLayer: new Map(memory.layers.map((l) => [l.layer, l])) };
    fileMemory.set(network, known);
  }
  return known;
}

/** The layer's share of training memory at the file's batch (docs/memory.md). */
function layerMemoryLine(analysis: Analysis, layer: NetworkLayer): string {
  const { memory, byLayer } = memoryOf(analysis.network);
  const m = byLayer.get(layer.name);
  if (!m) return '';
  const parts = [`activations ${formatBytes(m.activations)}`, `activation gradients ${formatBytes(m.activationGradients)}`];
  if (m.weights) parts.push(`weights, gradients and optimiser state ${formatBytes(m.weights + m.gradients + m.optimizer)}`);
  if (m.workspace) parts.push(`im2col columns ${formatBytes(m.workspace)}`);
  return `\n- training memory at batch ${memory.batch}: **${formatBytes(m.total)}** (${parts.join(', ')})`;
}

function layerMarkdown(layer: NetworkLayer, input?: Shape): string {
  const lines = [`**${layer.name}** · ${describe(layer)}`, '', `${formatShape(layer.input)} → **${formatShape(layer.output)}**`, ''];
  lines.push(...arithmetic(layer, input).map((l) => `- ${l}`));
  const signal = layer.signal;
  if (signal) {
    const factor = `${activationFactor(layer.act) === 1 ? '' : `${formatReal(activationFactor(layer.act))}·`}`;
    lines.push(
      `- signal at initialisation (He et al. 2015): going forward this layer multiplies the variance by ${factor}n·Var[w] = ${formatReal(signal.forward)} ` +
        `(all layers from the input to here: ${formatStd(signal.forwardProduct)}); going back it multiplies the gradient's variance by ` +
        `${factor}n̂·Var[w] = ${formatReal(signal.backward)} (all layers from the loss back to here: ${formatStd(signal.backwardProduct)}). Near 1 is healthy.`,
    );
  }
  return lines.join('\n');
}

function describe(layer: NetworkLayer): string {
  const spec = specOf(layer.kind);
  const parts: string[] = [layer.kind];
  if (layer.count !== undefined) parts[0] += ` ${groupDigits(layer.count)} ${spec.count}`;
  if (layer.kernel) parts.push(`f=${axes(layer.kernel)}`, `s=${axes(layer.stride!)}`, `p=${axes(layer.pad!)}`);
  if (layer.groups && layer.groups > 1) parts.push(`groups=${layer.groups}`);
  if (layer.act) parts.push(`act=${layer.act}`);
  if (layer.round === 'ceil') parts.push('round=ceil');
  if (layer.rate !== undefined) parts.push(`rate=${layer.rate}`);
  if (layer.size !== undefined) parts.push(`size=${layer.size}`);
  return parts.join(', ');
}

function axes(pair: [number, number]): string {
  return pair[0] === pair[1] ? String(pair[0]) : `${pair[0]}x${pair[1]}`;
}

/**
 * How much of the image one output value sees. Past the input's size it is not an error: windows at
 * the edges reach into the zero padding, so the number counts padding too.
 */
function receptiveField(layer: NetworkLayer, input: Shape | undefined): string {
  const [h, w] = layer.receptiveField;
  const larger = input && input.length === 3 && (h > input[0] || w > input[1])
    ? ` (more than the ${input[0]}×${input[1]} input: the windows at the edges reach into the zero padding)`
    : '';
  const sees = `receptive field: each output value sees ${h}×${w} pixels of the input${larger}`;
  // A flat output has no neighbours in the image.
  if (layer.output.length !== 3) return sees;
  const jump = layer.jump[0] === 1 && layer.jump[1] === 1 ? 'next to each other in the input' : `${axes(layer.jump)} input pixels apart (the jump)`;
  return `${sees}; neighbouring outputs are ${jump}`;
}

/** Each count as the formula with the layer's numbers in it, the way the coursework writes it. */
function arithmetic(layer: NetworkLayer, input?: Shape): string[] {
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
  if (layer.inputShapes && (layer.kind === 'add' || layer.kind === 'concat')) out.push(mergeLine(layer));
  if (layer.kind === 'dropout' && layer.rate !== undefined) {
    const kept = layer.rate > 0 ? `, the others multiplied by 1/(1 − ${layer.rate}) = ${formatReal(1 / (1 - layer.rate))} to keep the mean` : '';
    out.push(`rate ${layer.rate}: in training each value is set to 0 with probability ${layer.rate}${kept}; when predicting nothing is dropped`);
  }
  if (layer.output.length === 3) out.push(`neurons: ${layer.output.join('·')} = **${groupDigits(layer.neurons)}**`);
  else out.push(`neurons: **${groupDigits(layer.neurons)}** (one per ${specOf(layer.kind).count?.replace(/e?s$/, '') ?? 'value'})`);
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
  if (layer.macs) out.push(`forward MACs: ${groupDigits(layer.macs)} a sample (forward FLOPs ${groupDigits(2 * layer.macs)} = 2 × MACs; a training step about ${groupDigits(6 * layer.macs)} FLOPs)`);
  out.push(receptiveField(layer, input));
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
    `- params: **${groupDigits(t.params + t.nonTrainableParams)}**${t.nonTrainableParams ? ` (trainable ${groupDigits(t.params)}, non-trainable ${groupDigits(t.nonTrainableParams)}: batchnorm running statistics)` : ' (all trainable)'}`,
    `- neurons: **${groupDigits(t.neurons)}** (conv, pooling, fc, softmax), ${groupDigits(t.neuronsConvFc)} conv and fc only (the AlexNet paper's count)`,
    `- forward MACs: ${groupDigits(t.macs)} a sample; forward FLOPs ${groupDigits(t.forwardFlops)} (2 × MACs); a training step about ${groupDigits(t.trainingFlops)} FLOPs a sample (forward + backward ≈ 3 × forward)`,
    ...(n.layers.length ? [`- ${memorySummary(memoryOf(n).memory)}`] : []),
  ].join('\n');
}

// ---- graphs: merges, names in from=, block uses, block definitions -------------------------

/** `add: a 28×28×64 + b 28×28×64 = 28×28×64`; `concat: a 28×28×8 ‖ b 28×28×16 → 28×28×(8 + 16) = 28×28×24`. */
function mergeLine(layer: NetworkLayer): string {
  const shapes = layer.inputShapes!;
  const operands = layer.inputs.map((name, i) => `\`${shortName(name, layer.block)}\` ${shapes[i] ? formatShape(shapes[i]) : '?'}`);
  if (layer.kind === 'add') return `operands: ${operands.join(' + ')} = **${formatShape(layer.output)}**`;
  const last = (s: Shape) => s[s.length - 1];
  const sum = shapes.map((s) => String(last(s))).join(' + ');
  const joined = layer.output.length === 3 ? `${layer.output[0]}×${layer.output[1]}×(${sum})` : sum;
  return `operands: ${operands.join(' ‖ ')} → ${joined} = **${formatShape(layer.output)}**`;
}

/** A merge that could not be computed: what its operands are (in the first instance, inside a block). */
function operandsNote(analysis: Analysis, entry: LayerAnalysis): string {
  const index = indexOf(analysis);
  const instance = entry.definedIn?.instances[0];
  if (entry.definedIn && !instance) return '';
  const parts = scopesOf(analysis).fromRefs(entry).map((ref) => {
    const shape = index.shapeOf(index.fullNameIn(instance, ref.name));
    return `\`${ref.name}\` ${shape ? formatShape(shape) : 'not computed'}`;
  });
  if (parts.length === 0) return '';
  return `\n\n- operands${instance ? ` in ${instance.name}` : ''}: ${parts.join(', ')}`;
}

function markdown(value: string, range: Range): Hover {
  return { contents: { kind: 'markdown', value }, range };
}

function more(total: number, shown: number): string {
  return total > shown ? `\n\n… ${total - shown} more` : '';
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** A name in `from=`: the output it stands for, in each instance inside a block. */
function refHover(analysis: Analysis, scopes: Scopes, entry: LayerAnalysis, ref: NameRef): Hover {
  const index = indexOf(analysis);
  const range = spanToRange(ref.span);
  const block = entry.definedIn;
  const resolved = scopes.resolve(block, entry.statement.span.line, ref);
  let what: string;
  if (!resolved) what = `no layer named \`${ref.name}\` above this line`;
  else if (resolved.target.type === 'input') what = block ? `the input of block \`${block.name}\`` : "the network's input";
  else {
    const target = resolved.target.entry;
    const kind = target.uses || scopes.blockNamed(target.statement.kind) ? `block \`${target.statement.kind}\`` : target.statement.kind;
    what = `${kind}, line ${target.statement.span.line + 1}`;
  }
  const title = `\`${ref.name}\` · ${what}`;
  if (!resolved) return markdown(title, range);
  if (!block) {
    const shape = index.shapeOf(ref.name);
    return markdown(`${title}\n\n→ **${shape ? formatShape(shape) : 'not computed'}**`, range);
  }
  const instances = block.instances;
  if (instances.length === 0) return markdown(`${title}\n\nBlock \`${block.name}\` is never used, so nothing here is computed.`, range);
  const shapes = instances.map((i) => index.shapeOf(index.fullNameIn(i, ref.name)));
  const texts = shapes.map((s) => (s ? formatShape(s) : 'not computed'));
  if (texts.every((t) => t === texts[0])) {
    const where = instances.length === 1 ? `in ${instances[0].name}` : `in every instance (${instances.length})`;
    return markdown(`${title}\n\n→ **${texts[0]}** ${where}`, range);
  }
  const rows = instances.slice(0, MAX_INSTANCES).map((i, k) => [i.name, texts[k]]);
  return markdown(`${title}\n\n${table(['instance', 'output'], rows)}${more(instances.length, rows.length)}`, range);
}

function copiesNote(values: number[]): string {
  if (values.length === 0) return '';
  if (values.every((v) => v === values[0])) return ` (${groupDigits(values[0])} per copy)`;
  const shown = values.slice(0, MAX_INSTANCES).map(groupDigits).join(', ');
  return ` (per copy: ${shown}${values.length > MAX_INSTANCES ? ', …' : ''})`;
}

function kindText(layer: NetworkLayer): string {
  return layer.count !== undefined ? `${layer.kind} ${layer.count}` : layer.kind;
}

/** One instance (or `repeat` group): its totals and its direct children as a table. */
export function instanceMarkdown(index: NetworkIndex, instance: NetworkInstance): string {
  const copies = instance.blockName === undefined ? index.copies(instance) : [];
  const blockName = instance.blockName ?? copies[0]?.blockName ?? '?';
  const input = index.shapeOf(instance.inputs[0]);
  const lines = [
    `**${instance.name}** · block \`${blockName}\`${instance.blockName === undefined ? ` × ${copies.length} (repeat)` : ''}`,
    '',
    `${input ? formatShape(input) : '?'} → **${formatShape(instance.output)}**`,
    '',
    `- params: **${groupDigits(instance.params)}**${copiesNote(copies.map((c) => c.params))}`,
    `- MACs: ${groupDigits(instance.macs)}${copiesNote(copies.map((c) => c.macs))}`,
    `- layers: ${groupDigits(instance.layers)}${copiesNote(copies.map((c) => c.layers))}`,
  ];
  const children = index.childrenOf(instance.name);
  if (children.length) {
    const rows = children.slice(0, MAX_ROWS).map((child) => {
      if (child.type === 'layer') {
        const l = child.layer;
        return [shortName(l.name, instance.name), kindText(l), formatShape(l.output), groupDigits(l.params)];
      }
      const i = child.instance;
      const kind = i.blockName ?? `${index.copies(i)[0]?.blockName ?? '?'} × ${index.copies(i).length}`;
      return [shortName(i.name, instance.name), `block ${kind}`, formatShape(i.output), groupDigits(i.params)];
    });
    lines.push('', table(['layer', 'kind', 'output', 'params'], rows) + more(children.length, rows.length));
  }
  return lines.join('\n');
}

/** A line that uses a block: its instance, or at a use inside a block, each instance it makes. */
function useHover(analysis: Analysis, entry: LayerAnalysis, position: Position): Hover {
  const index = indexOf(analysis);
  const range = spanToRange(entry.statement.span);
  const name = scopesOf(analysis).nameOf(entry);
  const instances = index.useInstances(entry);
  const head = `**${name}** · block \`${entry.statement.kind}\``;
  if (instances.length === 0) {
    const unused = entry.definedIn && entry.definedIn.instances.length === 0;
    const why = unused
      ? `Block \`${entry.definedIn!.name}\` is never used, so this line is not computed.`
      : 'Not computed: an error on this line or before it stops the arithmetic here.';
    return markdown(`${head}\n\n${why}`, range);
  }
  const note = parameterNote(entry, position);
  if (instances.length === 1) return markdown(note + instanceMarkdown(index, instances[0]), range);
  const rows = instances.slice(0, MAX_INSTANCES).map((i) => {
    const input = index.shapeOf(i.inputs[0]);
    return [i.name, `${input ? formatShape(input) : '?'} → ${formatShape(i.output)}`, groupDigits(i.params), groupDigits(i.macs), groupDigits(i.layers)];
  });
  const summary = `${head} · ${instances.length} instances\n\n${table(['instance', 'input → output', 'params', 'MACs', 'layers'], rows)}${more(instances.length, rows.length)}`;
  return markdown(`${note}${summary}\n\n---\n\n${instanceMarkdown(index, instances[0])}`, range);
}

/** On a use line every KEY= but from and repeat sets a parameter of the block, not a layer key. */
function parameterNote(entry: LayerAnalysis, position: Position): string {
  const pair = entry.statement.pairs.find((p) => spanContains(p.keySpan, position));
  if (!pair) return '';
  if (pair.key === 'from') return '`from` = LAYER: what the block reads as `in`.\n\n---\n\n';
  if (pair.key === 'repeat') return '`repeat` = N: N copies in a chain, each reading the one before.\n\n---\n\n';
  const param = entry.uses?.statement.params.find((p) => p.name === pair.key);
  if (!param) return '';
  return `\`${param.name}\`: parameter of block \`${entry.uses!.name}\`${param.default ? ` (default ${param.default.text})` : ''}\n\n---\n\n`;
}

/** A layer line inside a block definition: that layer in each instance. */
function definitionLineHover(analysis: Analysis, entry: LayerAnalysis, position: Position): Hover {
  const block = entry.definedIn!;
  const layers = entry.instances;
  const range = spanToRange(entry.statement.span);
  const name = scopesOf(analysis).nameOf(entry);
  if (layers.length === 0) {
    if (block.instances.length > 0) return layerHover(analysis, entry, position);
    const doc = entry.spec ? `\n\n${entry.spec.doc}` : '';
    return markdown(`**${name}** · in block \`${block.name}\`${doc}\n\nBlock \`${block.name}\` is never used, so its layers are not computed.`, range);
  }
  if (layers.length === 1 && block.instances.length === 1) return layerHover(analysis, entry, position, layers[0]);
  const computed = layers.length < block.instances.length ? ` (computed in ${layers.length} of ${block.instances.length})` : '';
  const rows = layers.slice(0, MAX_INSTANCES).map((l) => [l.name, `${formatShape(l.input)} → ${formatShape(l.output)}`, groupDigits(l.params)]);
  const summary = `**${name}** in block \`${block.name}\` · ${block.instances.length} instances${computed}\n\n${table(['layer', 'input → output', 'params'], rows)}${more(layers.length, rows.length)}`;
  return markdown(`${keyNote(entry, position)}${summary}\n\n---\n\n${layerMarkdown(layers[0], analysis.network.input)}`, range);
}

function argumentText(value: BlockArgument | undefined): string {
  if (!value) return '?';
  if (value.type === 'number') return String(value.value);
  if (value.type === 'size') return value.parts.join('x');
  return value.name;
}

/** `end`: which block it closes and which layer is that block's output, then the block's hover. */
function endHover(analysis: Analysis, block: BlockDefinition, range: Range): Hover {
  const last = [...block.body].reverse().find((s) => s.type === 'layer');
  const output = last?.type === 'layer' ? `; its last layer, \`${last.label ?? last.kind}\`, is what the block outputs` : '';
  return markdown(`\`end\` closes block \`${block.name}\`${output}.\n\n---\n\n${blockMarkdown(analysis, block)}`, range);
}

function blockHover(analysis: Analysis, block: BlockDefinition, range: Range): Hover {
  return markdown(blockMarkdown(analysis, block), range);
}

/** `block NAME(...)`: its parameters and its instances. */
function blockMarkdown(analysis: Analysis, block: BlockDefinition): string {
  const index = indexOf(analysis);
  const params = block.statement.params;
  const signature = params.map((p) => (p.default ? `${p.name}=${p.default.text}` : p.name)).join(', ');
  const layers = block.body.filter((s) => s.type === 'layer').length;
  const lines = [`**block ${block.name}**(${signature}) · ${layers} layer${layers === 1 ? '' : 's'}`, ''];
  lines.push(
    params.length
      ? `- parameters: ${params.map((p) => (p.default ? `\`${p.name}\` = ${p.default.text}` : `\`${p.name}\` (required)`)).join(', ')}`
      : '- no parameters',
  );
  const instances = block.instances;
  if (instances.length === 0) {
    lines.push('- never used');
    return lines.join('\n');
  }
  lines.push(`- ${instances.length} instance${instances.length === 1 ? '' : 's'}`, '');
  const rows = instances.slice(0, MAX_INSTANCES).map((instance, k) => {
    const args = params.map((p) => `${p.name}=${argumentText(block.arguments[k]?.get(p.name))}`).join(' ');
    const input = index.shapeOf(instance.inputs[0]);
    return [instance.name, args || '—', `${input ? formatShape(input) : '?'} → ${formatShape(instance.output)}`, groupDigits(instance.params)];
  });
  lines.push(table(['instance', 'arguments', 'input → output', 'params'], rows) + more(instances.length, rows.length));
  return lines.join('\n');
}
