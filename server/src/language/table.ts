/**
 * The seed's spreadsheet as text, Markdown, CSV or JSON, with the totals row. Used by
 * `cnn table`, the "Show layer table" command and the training panel.
 */
import type { Network, NetworkInstance, NetworkLayer, Shape } from './network';
import { specOf } from './layerKinds';
import { formatReal, groupDigits } from './numbers';
import { formatBytes, trainingMemory, type TrainingMemory } from './trainingMemory';

export type TableFormat = 'text' | 'markdown' | 'csv' | 'json';
export const TABLE_FORMATS: readonly TableFormat[] = ['text', 'markdown', 'csv', 'json'];

export const TABLE_HEADERS = [
  'Layer',
  'Kind',
  'Size of input n',
  'Input channels',
  'f',
  'p',
  's',
  'Output size (n+2p-f)/s+1',
  'Output channels or units',
  'Output neurons',
  'Size of filter + 1',
  'Parameters',
] as const;

export interface TableRow {
  cells: string[];
  layer?: NetworkLayer;
  /** Set on the one row that stands for a whole block instance (`--depth`). */
  instance?: NetworkInstance;
}

export interface TableOptions {
  /**
   * torchinfo's `depth`: top-level rows are at depth 1, the layers of a top-level instance at 2,
   * and so on. An instance at depth N is one row (its totals); deeper rows are not shown. Absent:
   * every layer. Totals never change.
   */
  depth?: number;
  /** Adds a column with each row's training memory at this batch size, and its breakdown to the totals. */
  batch?: number;
}

/** The memory column's header. */
export const MEMORY_HEADER = 'Training memory';

/** The memory column's header, with the batch its figures are worked out at. */
export function memoryHeader(batch: number): string {
  return `${MEMORY_HEADER} (batch ${batch})`;
}

function headers(options: TableOptions): string[] {
  return options.batch === undefined ? [...TABLE_HEADERS] : [...TABLE_HEADERS, memoryHeader(options.batch)];
}

/** What each row of the table holds of a TrainingMemory, in bytes: the memory column's figures. */
export interface RowMemory {
  layer(name: string): number;
  /** An instance's layers are those under its full name, as PyTorch's module paths nest. */
  instance(name: string): number;
  /** The network's: more than the rows' sum, as it holds the input batch and the shared gradient buffers. */
  total: number;
}

export function rowMemory(memory: TrainingMemory): RowMemory {
  const byLayer = new Map<string, number>();
  const byInstance = new Map<string, number>();
  for (const l of memory.layers) {
    byLayer.set(l.layer, l.total);
    // Every prefix of `layer2.0.downsample.0` ending before a dot is an instance holding it.
    for (let dot = l.layer.indexOf('.'); dot >= 0; dot = l.layer.indexOf('.', dot + 1)) {
      const name = l.layer.slice(0, dot);
      byInstance.set(name, (byInstance.get(name) ?? 0) + l.total);
    }
  }
  return { layer: (name) => byLayer.get(name) ?? 0, instance: (name) => byInstance.get(name) ?? 0, total: memory.totals.total };
}

/** What a block instance comes to, as one row of the table. */
export interface InstanceSummary {
  /** Its block's name; for the group `repeat=N` makes, `basic ×2`. */
  kind: string;
  /** The shape it reads (its first input's output, or the network's input). */
  input?: Shape;
  output: Shape;
  /** Its layers' neurons as the totals count them (conv, pooling, fc, softmax). */
  neurons: number;
  params: number;
  macs: number;
  layers: number;
}

/** A layer, or an instance holding its layers and instances, in the order of evaluation. */
export type TableNode =
  | { type: 'layer'; layer: NetworkLayer; depth: number }
  | { type: 'instance'; instance: NetworkInstance; summary: InstanceSummary; depth: number; children: TableNode[] };

/**
 * The Network's layers nested in their instances, following each layer's `block` and each
 * instance's `block`: the one place views derive the nesting from the contract.
 */
export function layerTree(network: Network): TableNode[] {
  const instances = new Map((network.instances ?? []).map((i) => [i.name, i]));
  const outputs = new Map(network.layers.map((l) => [l.name, l.output]));
  const nodes = new Map<string, Extract<TableNode, { type: 'instance' }>>();
  const roots: TableNode[] = [];

  function node(instance: NetworkInstance): Extract<TableNode, { type: 'instance' }> {
    const known = nodes.get(instance.name);
    if (known) return known;
    const parent = instance.block !== undefined ? instances.get(instance.block) : undefined;
    const parentNode = parent ? node(parent) : undefined;
    const first = instance.inputs[0];
    const made: Extract<TableNode, { type: 'instance' }> = {
      type: 'instance',
      instance,
      depth: (parentNode?.depth ?? 0) + 1,
      children: [],
      summary: {
        kind: instance.blockName ?? repeatKind(network, instance),
        input: first === undefined ? undefined : first === 'input' ? network.input : outputs.get(first),
        output: instance.output,
        neurons: 0,
        params: instance.params,
        macs: instance.macs,
        layers: instance.layers,
      },
    };
    (parentNode?.children ?? roots).push(made);
    nodes.set(instance.name, made);
    return made;
  }

  for (const layer of network.layers) {
    const holder = layer.block !== undefined ? instances.get(layer.block) : undefined;
    const parent = holder ? node(holder) : undefined;
    (parent?.children ?? roots).push({ type: 'layer', layer, depth: (parent?.depth ?? 0) + 1 });
    if (specOf(layer.kind).neurons) {
      for (let at = holder; at; at = at.block !== undefined ? instances.get(at.block) : undefined) {
        nodes.get(at.name)!.summary.neurons += layer.neurons;
      }
    }
  }
  return roots;
}

/** The group `layer1: basic 64 repeat=2` makes: `basic ×2`. */
function repeatKind(network: Network, group: NetworkInstance): string {
  const copies = (network.instances ?? []).filter((i) => i.block === group.name);
  const blocks = [...new Set(copies.map((i) => i.blockName ?? '?'))];
  return blocks.length === 1 ? `${blocks[0]} ×${copies.length}` : 'repeat';
}

/** One axis when the layer is square, HxW otherwise. */
function axes(pair: [number, number] | undefined, format: (n: number) => string = String): string {
  if (!pair) return '';
  return pair[0] === pair[1] ? format(pair[0]) : `${format(pair[0])}x${format(pair[1])}`;
}

function outputSize(layer: NetworkLayer): string {
  if (layer.output.length !== 3) return '';
  const out: [number, number] = [layer.output[0], layer.output[1]];
  if (!layer.raw) return axes(out);
  const whole = Number.isInteger(layer.raw[0]) && Number.isInteger(layer.raw[1]);
  return whole ? axes(out) : `${axes(layer.raw, formatReal)} → ${axes(out)}`;
}

function instanceCells(instance: NetworkInstance, summary: InstanceSummary, group: (n: number) => string): string[] {
  const input = summary.input;
  const output = summary.output;
  return [
    instance.name,
    summary.kind,
    input === undefined ? '' : input.length === 3 ? axes([input[0], input[1]]) : group(input[0]),
    input?.length === 3 ? String(input[2]) : '',
    '',
    '',
    '',
    output.length === 3 ? axes([output[0], output[1]]) : '',
    String(output[output.length - 1]),
    group(summary.neurons),
    '',
    group(summary.params),
  ];
}

/** The rows to show: every layer, or with `depth`, instances at that depth as one row each. */
function visibleRows(network: Network, depth: number | undefined): ({ layer: NetworkLayer } | { instance: NetworkInstance; summary: InstanceSummary })[] {
  if (depth === undefined) return network.layers.map((layer) => ({ layer }));
  const rows: ({ layer: NetworkLayer } | { instance: NetworkInstance; summary: InstanceSummary })[] = [];
  const walk = (nodes: TableNode[]) => {
    for (const n of nodes) {
      if (n.depth > depth) continue;
      if (n.type === 'layer') rows.push({ layer: n.layer });
      else if (n.depth === depth) rows.push({ instance: n.instance, summary: n.summary });
      else walk(n.children);
    }
  };
  walk(layerTree(network));
  return rows;
}

export function tableRows(network: Network, group: (n: number) => string = groupDigits, options: TableOptions = {}): TableRow[] {
  const rows = layerRows(network, group, options);
  if (options.batch === undefined) return rows;
  const memory = rowMemory(trainingMemory(network, { batch: options.batch }));
  const show = (bytes: number) => (group === String ? String(bytes) : formatBytes(bytes));
  for (const row of rows) {
    const bytes = row.layer ? memory.layer(row.layer.name) : row.instance ? memory.instance(row.instance.name) : memory.total;
    row.cells.push(show(bytes));
  }
  return rows;
}

function layerRows(network: Network, group: (n: number) => string, options: TableOptions): TableRow[] {
  const rows: TableRow[] = visibleRows(network, options.depth).map((row) => {
    if ('instance' in row) return { instance: row.instance, cells: instanceCells(row.instance, row.summary, group) };
    const layer = row.layer;
    const input = layer.input;
    const image = input.length === 3;
    const flatInputs = layer.input.reduce((a, b) => a * b, 1);
    const dense = layer.kind === 'fc' || layer.kind === 'softmax';
    return {
      layer,
      cells: [
        layer.name,
        layer.kind,
        dense || input.length !== 3 ? group(flatInputs) : axes([input[0], input[1]]),
        input.length === 3 && !dense ? String(input[2]) : '',
        axes(layer.kernel),
        axes(layer.pad),
        axes(layer.stride),
        outputSize(layer),
        String(layer.output[layer.output.length - 1]),
        group(layer.neurons),
        layer.filterPlusOne === undefined ? '' : group(layer.filterPlusOne),
        group(layer.params),
      ],
    };
  });
  const totals = network.totals;
  rows.push({ cells: ['Total', '', '', '', '', '', '', '', '', group(totals.neurons), '', group(totals.params)] });
  return rows;
}

function csvCell(cell: string): string {
  return /[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** `depth` folds instances in text, Markdown and CSV; JSON is always the whole Network contract. */
export function renderTable(network: Network, format: TableFormat, options: TableOptions = {}): string {
  switch (format) {
    case 'json':
      // Shapes and pairs stay on one line, as the spec writes them: [227, 227, 3].
      return JSON.stringify(network, null, 2).replace(/\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g, (_, items: string) => `[${items.split(/,\s+/).join(', ')}]`) + '\n';
    case 'csv': {
      const rows = tableRows(network, String, options).map((r) => r.cells);
      return [headers(options), ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
    }
    case 'markdown': {
      const rows = tableRows(network, groupDigits, options).map((r) => r.cells.map((c) => c.replace(/\|/g, '\\|')));
      const numeric = headers(options).map((_, i) => i >= 2);
      const lines = [
        `| ${headers(options).join(' | ')} |`,
        `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
        ...rows.map((r) => `| ${r.join(' | ')} |`),
      ];
      return `${title(network)}\n\n${lines.join('\n')}\n\n${totalsLine(network)}${memoryLine(network, options)}\n`;
    }
    case 'text': {
      const rows = [headers(options), ...tableRows(network, groupDigits, options).map((r) => r.cells)];
      // A loop, not Math.max(...rows): a spread of 200,000 rows overflows the call stack.
      const widths = headers(options).map((_, i) => rows.reduce((most, r) => Math.max(most, [...r[i]].length), 0));
      const pad = (cell: string, i: number) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]));
      const body = rows.map((r) => r.map(pad).join('  ').trimEnd());
      body.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
      body.splice(body.length - 1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
      return `${title(network)}\n\n${body.join('\n')}\n\n${totalsLine(network)}${memoryLine(network, options)}\n`;
    }
  }
}

function title(network: Network): string {
  const input = network.input ? ` (input ${network.input.join('x')})` : '';
  return `${network.network ?? 'network'}${input}`;
}

function totalsLine(network: Network): string {
  const t = network.totals;
  // As Keras' summary(): the total holds both; torchvision publishes the trainable count.
  const params = t.nonTrainableParams
    ? `Total parameters ${groupDigits(t.params + t.nonTrainableParams)} (trainable ${groupDigits(t.params)} + ${groupDigits(t.nonTrainableParams)} non-trainable: batchnorm running statistics)`
    : `Total parameters ${groupDigits(t.params)} (all trainable)`;
  return `${params}; neurons ${groupDigits(t.neurons)} (${groupDigits(t.neuronsConvFc)} in conv and fc layers only, as the AlexNet paper counts); ` +
    `forward MACs ${groupDigits(t.macs)} a sample (forward FLOPs ${groupDigits(t.forwardFlops)} = 2 × MACs; a training step, forward and backward, about ${groupDigits(t.trainingFlops)} FLOPs a sample)`;
}

/** Training memory's breakdown, one line (docs/memory.md says what each part holds). */
export function memorySummary(memory: TrainingMemory): string {
  const t = memory.totals;
  return `Training memory at batch ${memory.batch} (${memory.backend} backend, ${memory.optimizer === 'adam' ? 'Adam' : 'SGD'}): ${formatBytes(t.total)} = ` +
    `weights ${formatBytes(t.weights)} + gradients ${formatBytes(t.gradients)} + optimiser state ${formatBytes(t.optimizer)} + ` +
    `activations kept for backward ${formatBytes(t.activations)} + activation gradients ${formatBytes(t.activationGradients)} + im2col columns ${formatBytes(t.workspace)}; ` +
    `largest buffer ${formatBytes(memory.largestBuffer.bytes)} (${memory.largestBuffer.name}); ` +
    `${formatBytes(memory.shared.total)} of it is no one layer's (the input batch, the loss's probabilities, the gradient buffers the layers pass on)`;
}

function memoryLine(network: Network, options: TableOptions): string {
  return options.batch === undefined ? '' : `\n${memorySummary(trainingMemory(network, { batch: options.batch }))}`;
}
